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
    const ports = new Set(
      sources(join(lambdas, 'ports')).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/export interface (\w+)/g)].map(([, name = '']) => name)),
    );
    const modules = readdirSync(join(lambdas, 'wiring')).filter((name) => name.endsWith('.ts'));
    let dependencies = 0;
    for (const module of modules) {
      const text = readFileSync(join(lambdas, 'wiring', module), 'utf8');
      // Each `export const x = (): Port =>` returning a port is named after it (configuration values are not ports).
      for (const [, name = '', type = ''] of text.matchAll(/export const (\w+) = \(\): (\w+)/g)) {
        if (!ports.has(type)) continue;
        dependencies += 1;
        expect({ module, name }).toEqual({ module, name: `${type.charAt(0).toLowerCase()}${type.slice(1)}` });
      }
    }
    expect(dependencies).toBeGreaterThan(10);
  });
});
