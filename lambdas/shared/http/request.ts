import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type IdKind, idShapes, isIdOf } from '../../domain/ids';
import { type FieldError, RequestError, problem } from './problem';

/** Reading a proxy event's headers, path, query and JSON body, shared by the merchant and operator endpoints. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Deeper than any request the API defines (a payment's card is at depth 3): nothing recursive downstream sees more. */
export const MAX_BODY_DEPTH = 20;

export const header = (event: APIGatewayProxyEvent, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
};

const refuse = (errors: readonly FieldError[]) =>
  new RequestError(problem(422, 'validation_error', 'The request has invalid parameters.', { errors }));

/**
 * The route's path parameters, each checked against the shape of the id it declares (platform/routes.ts),
 * before anything reads it: a wrong shape is 422 `validation_error` naming the parameter. A route that has
 * parameters but declares none is a wiring mistake, refused loudly rather than passed through unchecked.
 */
export const checkedPathParameters = (
  event: APIGatewayProxyEvent,
  declared: Readonly<Record<string, IdKind>> | undefined,
): Readonly<Record<string, string>> => {
  const parameters = (event.pathParameters ?? {}) as Record<string, string | undefined>;
  const undeclared = Object.keys(parameters).filter((name) => declared?.[name] === undefined);
  if (undeclared.length) throw new Error(`${event.httpMethod} ${event.resource}: path parameters without a declared id shape: ${undeclared.join(', ')}`);
  const errors: FieldError[] = [];
  for (const [name, kind] of Object.entries(declared ?? {})) {
    if (!isIdOf(kind, parameters[name])) errors.push({ field: name, message: `must be ${idShapes[kind].description}` });
  }
  if (errors.length) throw refuse(errors);
  return parameters as Record<string, string>;
};

/**
 * The query string, one value per parameter: a parameter given twice (`?limit=1&limit=100`) is refused
 * rather than one of its values picked silently.
 */
export const singleQueryParameters = (event: APIGatewayProxyEvent): Record<string, string> => {
  const repeated = Object.entries(event.multiValueQueryStringParameters ?? {}).filter(([, values]) => (values?.length ?? 0) > 1);
  if (repeated.length) throw refuse(repeated.map(([name]) => ({ field: name, message: 'is given more than once' })));
  return (event.queryStringParameters ?? {}) as Record<string, string>;
};

const invalidJson = (detail: string, errors?: readonly FieldError[]) =>
  new RequestError(problem(400, 'invalid_json', detail, errors ? { errors } : {}));

const dotted = (path: readonly (string | number)[]): string => path.map(String).join('.');

/** `\uD800`-`\uDFFF` escapes: the only way a body decoded from UTF-8 can hold a lone surrogate. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * One pass over text that JSON.parse accepted: refuses what JSON.parse would silently resolve or what
 * code downstream could trip on. A key repeated in one object (JSON.parse keeps the last; another parser
 * in the path may keep the first), nesting deeper than MAX_BODY_DEPTH, `__proto__` as a key (a record
 * schema drops it silently), and a string that is not well-formed Unicode (an escaped lone surrogate:
 * nothing can encode it as UTF-8 to store or send on). Iterative, so any depth that fits is safe to scan.
 */
const checkJsonText = (text: string): void => {
  // Per open container: the keys seen (objects) or null (arrays), the current key or index, and whether a key comes next.
  const seen: (Set<string> | null)[] = [];
  const path: (string | number)[] = [];
  let expectKey = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === '"') {
      let end = index + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const keys = seen.at(-1);
      const token = text.slice(index, end + 1);
      if (SURROGATE_ESCAPE.test(token) && LONE_SURROGATE.test(JSON.parse(token) as string)) {
        if (expectKey && keys) path[path.length - 1] = JSON.parse(token) as string;
        throw refuse([{ field: dotted(path), message: 'is not well-formed Unicode text (it holds a lone surrogate)' }]);
      }
      if (expectKey && keys) {
        const key = JSON.parse(token) as string;
        path[path.length - 1] = key;
        if (keys.has(key)) throw invalidJson('The request body has a key that appears twice in one object.', [{ field: dotted(path), message: 'appears more than once' }]);
        if (key === '__proto__') throw refuse([{ field: dotted(path), message: 'is not an allowed field name' }]);
        keys.add(key);
        expectKey = false;
      }
      index = end;
    } else if (char === '{' || char === '[') {
      if (seen.length >= MAX_BODY_DEPTH) throw invalidJson(`The request body is nested deeper than ${MAX_BODY_DEPTH} levels.`);
      seen.push(char === '{' ? new Set() : null);
      path.push(char === '{' ? '' : 0);
      expectKey = char === '{';
    } else if (char === '}' || char === ']') {
      seen.pop();
      path.pop();
    } else if (char === ',') {
      if (seen.at(-1)) expectKey = true;
      else path[path.length - 1] = (path.at(-1) as number) + 1;
    }
  }
};

/**
 * The request body as a JSON object. No body at all (or only whitespace) is `{}`, as Stripe takes it: a
 * POST whose fields are all optional (capture, cancel) needs none, and one with required fields is
 * refused naming each missing field.
 */
export const parseJsonBody = (event: APIGatewayProxyEvent): unknown => {
  const raw = event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (raw && Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) {
    throw new RequestError(problem(413, 'payload_too_large', `The request body is larger than ${MAX_BODY_BYTES} bytes.`));
  }
  if (raw === null || raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidJson('The request body is not valid JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidJson('The request body must be a JSON object.');
  }
  checkJsonText(raw);
  return parsed;
};
