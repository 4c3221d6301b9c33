import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/**
 * Checks a live answer against docs/openapi.json (the document GET /v1/openapi.json serves; the unit suite
 * keeps the two equal) with Ajv's JSON Schema 2020-12 validator, the dialect of OpenAPI 3.1. The e2e client
 * (test/support/e2e.ts) runs it on every response, so a field, type, status or content type the document
 * does not describe fails the test that received it. A request to no documented route (an unknown path, a
 * wrong method: the tests of API Gateway's own refusals) must still get a problem document.
 */
type Json = Record<string, any>;

const DOCUMENT_ID = 'https://xborder.example/openapi.json';
const document = JSON.parse(readFileSync('docs/openapi.json', 'utf8')) as Json;
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
// Not strict: the document holds OpenAPI keywords (paths, components...) around the JSON Schemas it is loaded for.
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (instance: Ajv2020) => void)(ajv);
ajv.addSchema(document, DOCUMENT_ID);

const validators = new Map<string, ValidateFunction>();
const validatorAt = (pointer: string): ValidateFunction => {
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `${DOCUMENT_ID}#${pointer}` });
    validators.set(pointer, validate);
  }
  return validate;
};

const escape = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');
const templates = Object.keys(document.paths as Json)
  .map((template) => ({ template, pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+').replaceAll('.', '\\.')}$`), literal: !template.includes('{') }))
  // A literal path wins over a template that also matches it.
  .sort((a, b) => Number(b.literal) - Number(a.literal));

const resolve = (node: Json, pointer: string): { node: Json; pointer: string } => {
  if (typeof node.$ref !== 'string') return { node, pointer };
  const target = (node.$ref as string).slice(1);
  const found = target.split('/').slice(1).reduce<Json>((at, segment) => at[segment.replaceAll('~1', '/').replaceAll('~0', '~')], document);
  return resolve(found, target);
};

export interface ObservedResponse {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly contentType: string | null;
  readonly json: unknown;
}

/** The reasons the answer departs from the document; empty when it conforms. */
export const openApiViolations = (response: ObservedResponse): string[] => {
  const path = response.path.split('?')[0] as string;
  const method = response.method.toLowerCase();
  const template = templates.find((candidate) => candidate.pattern.test(path))?.template;
  const operation = template ? (document.paths[template] as Json)[method] : undefined;
  const mediaType = (response.contentType ?? '').split(';')[0]?.trim() ?? '';
  if (!operation) {
    if (response.status < 400) return [`${response.method} ${path} answered ${response.status}, but the document has no such operation`];
    return mediaType === 'application/problem+json' ? errorsOf(validatorAt('/components/schemas/Problem'), response.json) : [`a refusal of an undocumented route must be application/problem+json, not ${mediaType}`];
  }
  const base = `/paths/${escape(template as string)}/${method}/responses`;
  const key = [String(response.status), `${String(response.status)[0]}XX`, 'default'].find((candidate) => (operation.responses as Json)[candidate] !== undefined);
  if (!key) return [`${response.method} ${template} answered ${response.status}, which the document does not list (${Object.keys(operation.responses).join(', ')})`];
  const { node, pointer } = resolve((operation.responses as Json)[key], `${base}/${escape(key)}`);
  const content = node.content as Json | undefined;
  if (!content?.[mediaType]) return [`${response.method} ${template} ${response.status}: content type ${mediaType || '(none)'} is not documented (${Object.keys(content ?? {}).join(', ')})`];
  // A download (text/csv) is checked by its own test with a CSV parser; only its media type is checked here.
  if (!mediaType.endsWith('json')) return [];
  return errorsOf(validatorAt(`${pointer}/content/${escape(mediaType)}/schema`), response.json).map((error) => `${response.method} ${template} ${response.status}: ${error}`);
};

const errorsOf = (validate: ValidateFunction, value: unknown): string[] =>
  validate(value) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath || '(body)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
