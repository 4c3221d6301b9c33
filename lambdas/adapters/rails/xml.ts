/**
 * The small XML the payout rails need (SOAP 1.1 envelopes, ISO 20022 pain.001 / pain.002 / pacs.004):
 * writing elements with escaped text, and reading a document into a tree. Hand-written because the
 * project has no XML dependency and these messages use a plain subset: elements, attributes, text,
 * comments, CDATA, the predefined and numeric entities. DOCTYPEs and processing instructions other than
 * the XML declaration are refused, so no external entity is ever resolved (XXE).
 */
export interface XmlElement {
  /** Qualified name as written (`soapenv:Body`). */
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** Concatenated text directly inside this element (whitespace kept). */
  readonly text: string;
}

export class XmlError extends Error {
  override readonly name = 'XmlError';
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export const escapeXml = (value: string): string => value.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);

/** An element with attributes and children (strings are escaped text; arrays are flattened; undefined skipped). */
export type XmlChild = string | XmlChild[] | undefined | null | false;

export const xml = (name: string, attributes: Readonly<Record<string, string>> | null, ...children: XmlChild[]): string => {
  const attributeText = Object.entries(attributes ?? {})
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join('');
  const flat = (child: XmlChild): string => (child === undefined || child === null || child === false ? '' : Array.isArray(child) ? child.map(flat).join('') : child);
  const inner = children.map(flat).join('');
  return inner === '' ? `<${name}${attributeText}/>` : `<${name}${attributeText}>${inner}</${name}>`;
};

/** Text content: the value escaped, for use as a child of `xml`. */
export const text = (value: string | number): string => escapeXml(String(value));

const decodeEntities = (value: string): string =>
  value.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_match, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[entity] as string;
  });

const NAME = /^[A-Za-z_][\w.:-]*/;

export const parseXml = (source: string): XmlElement => {
  let position = 0;
  const fail = (message: string): never => {
    throw new XmlError(`${message} at offset ${position}`);
  };
  const skipMisc = () => {
    for (;;) {
      const rest = source.slice(position);
      const whitespace = /^\s+/.exec(rest);
      if (whitespace) {
        position += whitespace[0].length;
        continue;
      }
      if (rest.startsWith('<?xml')) {
        const end = source.indexOf('?>', position);
        if (end < 0) fail('Unterminated XML declaration');
        position = end + 2;
        continue;
      }
      if (rest.startsWith('<!--')) {
        const end = source.indexOf('-->', position);
        if (end < 0) fail('Unterminated comment');
        position = end + 3;
        continue;
      }
      if (rest.startsWith('<!DOCTYPE') || rest.startsWith('<?')) fail('DOCTYPEs and processing instructions are not accepted');
      return;
    }
  };
  const parseElement = (): XmlElement => {
    if (source[position] !== '<') fail('Expected an element');
    position += 1;
    const nameMatch = NAME.exec(source.slice(position));
    if (!nameMatch) return fail('Expected an element name');
    const name = nameMatch[0];
    position += name.length;
    const attributes: Record<string, string> = {};
    for (;;) {
      const rest = source.slice(position);
      const attribute = /^\s+([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/.exec(rest);
      if (attribute) {
        attributes[attribute[1] as string] = decodeEntities(attribute[3] ?? attribute[4] ?? '');
        position += attribute[0].length;
        continue;
      }
      const close = /^\s*(\/?)>/.exec(rest);
      if (!close) return fail(`Malformed start tag <${name}>`);
      position += close[0].length;
      if (close[1] === '/') return { name, attributes, children: [], text: '' };
      break;
    }
    const children: XmlElement[] = [];
    let content = '';
    for (;;) {
      if (position >= source.length) fail(`Unterminated element <${name}>`);
      if (source.startsWith('</', position)) {
        const end = source.indexOf('>', position);
        const closing = source.slice(position + 2, end).trim();
        if (closing !== name) fail(`Expected </${name}>, found </${closing}>`);
        position = end + 1;
        return { name, attributes, children, text: content };
      }
      if (source.startsWith('<!--', position)) {
        const end = source.indexOf('-->', position);
        if (end < 0) fail('Unterminated comment');
        position = end + 3;
        continue;
      }
      if (source.startsWith('<![CDATA[', position)) {
        const end = source.indexOf(']]>', position);
        if (end < 0) fail('Unterminated CDATA');
        content += source.slice(position + 9, end);
        position = end + 3;
        continue;
      }
      if (source.startsWith('<!', position) || source.startsWith('<?', position)) fail('DOCTYPEs and processing instructions are not accepted');
      if (source[position] === '<') {
        children.push(parseElement());
        continue;
      }
      const next = source.indexOf('<', position);
      const raw = source.slice(position, next < 0 ? source.length : next);
      content += decodeEntities(raw);
      position += raw.length;
    }
  };
  skipMisc();
  const root = parseElement();
  skipMisc();
  if (position !== source.length) fail('Content after the root element');
  return root;
};

/** The name without its namespace prefix. */
export const localName = (element: XmlElement): string => element.name.slice(element.name.indexOf(':') + 1);

export const childrenNamed = (element: XmlElement, name: string): XmlElement[] => element.children.filter((child) => localName(child) === name);

export const childNamed = (element: XmlElement | undefined, name: string): XmlElement | undefined =>
  element?.children.find((child) => localName(child) === name);

/** The element at a path of local names below `element`, or undefined. */
export const at = (element: XmlElement | undefined, ...path: string[]): XmlElement | undefined =>
  path.reduce<XmlElement | undefined>((node, name) => childNamed(node, name), element);

/** Trimmed text at a path, or undefined when the element is absent. */
export const textAt = (element: XmlElement | undefined, ...path: string[]): string | undefined => at(element, ...path)?.text.trim();
