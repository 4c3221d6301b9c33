import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileStateMachine } from '../../../local/step-functions/definition';
import { InvalidDefinitionError } from '../../../local/step-functions/errors';
import type { StateMachineDeclaration, StateMachineType } from '../../../platform/state-machines';

/**
 * The engine refuses, when it loads them, ASL files it could not run the way AWS would: drift
 * between placeholders and declared substitutions, resources other than Lambda, task-token tasks
 * without a token, JSONata, distributed Map, and anything asl-validator rejects.
 */
const TIMEOUT = 60_000; // asl-validator takes hundreds of ms per file on a loaded machine

const directory = mkdtempSync(join(tmpdir(), 'xborder-asl-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const options = {
  repositoryRoot: directory,
  region: 'us-east-1',
  account: '000000000000',
  timeScale: 1,
  functionArn: (ref: string) => `arn:aws:lambda:us-east-1:000000000000:function:xborder-${ref}`,
};

let files = 0;
const compile = (definition: unknown, substitutions: Record<string, string> = {}, type: StateMachineType = 'STANDARD') => {
  files += 1;
  const file = join(directory, `machine-${files}.asl.json`);
  writeFileSync(file, typeof definition === 'string' ? definition : JSON.stringify(definition, null, 2));
  const declaration: StateMachineDeclaration<string> = { definitionFile: file, type, description: 'test', substitutions };
  return () => compileStateMachine('payment', declaration, options);
};

const task = (state: Record<string, unknown>) => ({ StartAt: 'Step', States: { Step: { Type: 'Task', End: true, ...state } } });

it('fills each placeholder with the ARN of the declared function and names the machine after its key', () => {
  const machine = compile(task({ Resource: '${Authorize}' }), { Authorize: 'authorize' })();
  expect(machine.name).toBe('xborder-payment');
  expect(machine.arn).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:xborder-payment');
  expect(JSON.parse(machine.definitionText).States.Step.Resource).toBe('arn:aws:lambda:us-east-1:000000000000:function:xborder-authorize');
}, TIMEOUT);

it('refuses placeholders without a substitution and substitutions without a placeholder', () => {
  expect(compile(task({ Resource: '${Authorize}' }), { Capture: 'capture' })).toThrow(
    /\$\{Authorize\} is used in the ASL but has no substitution[\s\S]*substitution 'Capture' is declared but \$\{Capture\} is not in the ASL/,
  );
}, TIMEOUT);

it('refuses resources it cannot run locally', () => {
  expect(compile(task({ Resource: 'arn:aws:states:::dynamodb:putItem', Parameters: { TableName: 't' } }))).toThrow(
    /Resource 'arn:aws:states:::dynamodb:putItem' is not supported locally/,
  );
}, TIMEOUT);

it('refuses a .waitForTaskToken task that does not pass its token, and task tokens in Express workflows', () => {
  const callback = (payload: Record<string, unknown>) =>
    task({ Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { FunctionName: '${Bank}', Payload: payload } });
  expect(compile(callback({ 'reference.$': '$.reference' }), { Bank: 'bank' })).toThrow(/must pass \$\$\.Task\.Token/);
  expect(compile(callback({ 'token.$': '$$.Task.Token' }), { Bank: 'bank' }, 'EXPRESS')).toThrow(/EXPRESS state machines cannot wait for task tokens/);
}, TIMEOUT);

it('refuses JSONata and distributed Map', () => {
  expect(compile({ QueryLanguage: 'JSONata', StartAt: 'Done', States: { Done: { Type: 'Succeed' } } })).toThrow(
    /JSONata is not supported locally: use JSONPath/,
  );
  const distributed = {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'Done', States: { Done: { Type: 'Succeed' } } },
        End: true,
      },
    },
  };
  expect(compile(distributed)).toThrow(/distributed Map is not supported locally/);
}, TIMEOUT);

it('refuses what asl-validator rejects, naming the file', () => {
  expect(compile({ StartAt: 'Missing', States: { Done: { Type: 'Succeed' } } })).toThrow(
    /machine-\d+\.asl\.json \(state machine 'payment'\)[\s\S]*MISSING_TRANSITION_TARGET/,
  );
  expect(compile({ StartAt: 'Missing', States: { Done: { Type: 'Succeed' } } })).toThrow(InvalidDefinitionError);
  expect(compile('{ not json')).toThrow(/not valid JSON/);
}, TIMEOUT);
