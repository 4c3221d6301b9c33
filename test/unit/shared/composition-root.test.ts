import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const lambdas = join(import.meta.dirname, '..', '..', '..', 'lambdas');

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );

describe('the composition root (lambdas/wiring/)', () => {
  it('is where adapters are built: no handler constructs one', () => {
    // Prepare
    const handlers = sources(join(lambdas, 'handlers'));

    // Act
    const constructing = handlers
      .filter((file) => /new (DynamoDb|StepFunctions|Sqs|Kms|Http|S3|Sftp)\w*\(/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(lambdas, file));

    // Assess
    expect(handlers.length).toBeGreaterThan(50);
    expect(constructing).toEqual([]);
  });

  it('names each dependency after the port it returns, one module per area', () => {
    const modules = readdirSync(join(lambdas, 'wiring')).filter((name) => name.endsWith('.ts'));
    expect(modules.length).toBeGreaterThan(0);
    for (const module of modules) {
      const text = readFileSync(join(lambdas, 'wiring', module), 'utf8');
      // Each `export const x = (): Port =>` returns a port whose lower-camel name is x, or a `...Deps` bundle.
      for (const [, name = '', port = ''] of text.matchAll(/export const (\w+) = \(\): (\w+)/g)) {
        expect({ module, name }).toEqual({ module, name: name.endsWith('Deps') ? name : `${port.charAt(0).toLowerCase()}${port.slice(1)}` });
      }
    }
  });
});
