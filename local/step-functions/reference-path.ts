/**
 * ASL reference paths (`$`, `$.a.b`, `$['a b'][0]`): the subset of JSONPath that ItemsPath,
 * SecondsPath, TimeoutSecondsPath and HeartbeatSecondsPath take. The engine reads them where the
 * interpreter does not (a Wait's duration, a task's timeouts, a Map's item count).
 */
export type PathSegment = string | number;

const SEGMENT = /^(?:\.([A-Za-z_$][\w$-]*)|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\])/;

/** The segments of a reference path, or undefined when it is not one (filters, wildcards, `$$`). */
export const parseReferencePath = (path: string): PathSegment[] | undefined => {
  if (!path.startsWith('$') || path.startsWith('$$')) return undefined;
  const segments: PathSegment[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    const match = SEGMENT.exec(rest);
    if (!match) return undefined;
    if (match[4] !== undefined) segments.push(Number(match[4]));
    else segments.push((match[1] ?? match[2] ?? match[3] ?? '').replace(/\\(.)/g, '$1'));
    rest = rest.slice(match[0].length);
  }
  return segments;
};

export const readPath = (value: unknown, segments: readonly PathSegment[]): unknown => {
  let current = value;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PathSegment, unknown>)[segment];
  }
  return current;
};
