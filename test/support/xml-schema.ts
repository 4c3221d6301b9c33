import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';

/**
 * Validation against a published schema by libxml2 (xmllint compiled to WebAssembly, the `xmllint-wasm`
 * package: nothing of ours decides). The schemas are copies of the team's shared/schemas/ kept in
 * test/fixtures/schemas/ so that a clone tests alone.
 */
export const SCHEMAS = { camt053: 'camt.053.001.08.xsd' } as const;

export const validateAgainstSchema = async (schema: keyof typeof SCHEMAS, document: string): Promise<{ readonly valid: boolean; readonly errors: readonly string[] }> => {
  const fileName = SCHEMAS[schema];
  const contents = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'schemas', fileName), 'utf8');
  const result = await validateXML({ xml: [{ fileName: 'document.xml', contents: document }], schema: [{ fileName, contents }] });
  return { valid: result.valid, errors: result.errors.map((error) => error.rawMessage) };
};
