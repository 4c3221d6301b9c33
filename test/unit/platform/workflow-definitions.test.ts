import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { declaredRetryPolicies, isServiceErrorName, retryPolicies } from '../../../platform/retry-policies';
import { STANDARD_STATE_MACHINES, stateMachineKeys, stateMachines } from '../../../platform/state-machines';

/**
 * The ASL files against the code (docs/decisions/0011-express-and-standard-workflows.md): every Retry is one
 * of the policies named once in platform/retry-policies.ts, as the state's Comment declares; every error
 * name a Retry or Catch matches is Step Functions' or Lambda's own, or one the code throws or sends; and
 * the Express workflows hold no wait a merchant's request cannot afford.
 */
const root = join(import.meta.dirname, '..', '..', '..');
type State = { Type: string; Comment?: string; Retry?: unknown[]; Catch?: { ErrorEquals: string[] }[]; Resource?: string; Branches?: { States: Record<string, State> }[] };

const statesOf = (file: string): [string, State][] => {
  const definition = JSON.parse(readFileSync(join(root, file), 'utf8')) as { States: Record<string, State> };
  const all: [string, State][] = [];
  const walk = (states: Record<string, State>) => {
    for (const [name, state] of Object.entries(states)) {
      all.push([name, state]);
      for (const branch of state.Branches ?? []) walk(branch.States);
    }
  };
  walk(definition.States);
  return all;
};

/** Every error name the code can raise in a task: error classes' names, the task adapter's, and the ones sent with a task failure. */
const thrownNames = (): Set<string> => {
  const names = new Set<string>();
  const visit = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.ts')) {
        const text = readFileSync(path, 'utf8');
        for (const match of text.matchAll(/readonly name = '([A-Za-z.]+)'/g)) names.add(match[1] as string);
        for (const match of text.matchAll(/new TaskError\('([A-Za-z.]+)'/g)) names.add(match[1] as string);
        for (const match of text.matchAll(/outcome: 'failure', error: '([A-Za-z.]+)'/g)) names.add(match[1] as string);
      }
    }
  };
  visit(join(root, 'lambdas'));
  return names;
};

const machines = Object.entries(stateMachines).map(([key, declaration]) => [key, declaration.definitionFile, declaration.type] as const);

describe.each(machines)('%s (%s)', (_key, file, type) => {
  const states = statesOf(file);

  it.each(states.filter(([, state]) => state.Retry))('%s retries with exactly the policies its Comment names', (_name, state) => {
    const names = declaredRetryPolicies(state.Comment);
    expect(names.length).toBeGreaterThan(0);
    expect(state.Retry).toEqual(names.map((name) => retryPolicies[name as keyof typeof retryPolicies]));
  });

  it('matches only error names that are AWS\'s own or that the code raises', () => {
    const thrown = thrownNames();
    const matched = states.flatMap(([, state]) => [...(state.Retry ?? []).flatMap((retrier) => (retrier as { ErrorEquals: string[] }).ErrorEquals), ...(state.Catch ?? []).flatMap((catcher) => catcher.ErrorEquals)]);
    const unknown = [...new Set(matched)].filter((name) => !isServiceErrorName(name) && !thrown.has(name));
    expect(unknown).toEqual([]);
  });

  if (type === 'EXPRESS') {
    it('waits for nothing (no task token, no Wait state, no nested .sync run): an Express run answers a waiting merchant', () => {
      for (const [, state] of states) {
        expect(state.Type).not.toBe('Wait');
        expect(state.Resource ?? '').not.toMatch(/waitForTaskToken|\.sync/);
      }
    });
  }
});

it('every named policy is used by some state machine', () => {
  const used = new Set(machines.flatMap(([, file]) => statesOf(file).flatMap(([, state]) => declaredRetryPolicies(state.Comment))));
  expect([...used].sort()).toEqual(Object.keys(retryPolicies).sort());
});

it('lists every Standard state machine as one (operators list and redrive their failed executions), and no Express one', () => {
  expect([...STANDARD_STATE_MACHINES].sort()).toEqual(stateMachineKeys.filter((key) => stateMachines[key].type === 'STANDARD').sort());
});
