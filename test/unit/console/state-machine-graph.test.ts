import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Asl, edgesOf, layOut } from '../../../console/src/graph';
import { stateMachines } from '../../../platform/state-machines';

/** The ops console's drawing of a state machine, from the deployed ASL files. */
const repositoryRoot = join(import.meta.dirname, '..', '..', '..');
const aslOf = (key: keyof typeof stateMachines): Asl => JSON.parse(readFileSync(join(repositoryRoot, stateMachines[key].definitionFile), 'utf8')) as Asl;

describe.each(['payment', 'paymentCaptureWindow', 'sagaRecovery'] as const)('the %s state machine as the console draws it', (key) => {
  const asl = aslOf(key);

  it('has an edge for every Next, Default, Choice and Catch, each between declared states', () => {
    const edges = edgesOf(asl);
    const states = new Set(Object.keys(asl.States));

    expect(edges.every((edge) => states.has(edge.from) && states.has(edge.to))).toBe(true);
    for (const [name, state] of Object.entries(asl.States)) {
      const targets = [state.Next, state.Default, ...(state.Choices ?? []).map((choice) => choice.Next), ...(state.Catch ?? []).map((handler) => handler.Next)].filter(Boolean);
      expect(new Set(edges.filter((edge) => edge.from === name).map((edge) => edge.to))).toEqual(new Set(targets));
    }
  });

  it('lays out every state once, inside the drawing, with no two overlapping', () => {
    const graph = layOut(asl);

    expect(graph.nodes.map((node) => node.name).sort()).toEqual(Object.keys(asl.States).sort());
    for (const node of graph.nodes) {
      expect(node.x - node.width / 2).toBeGreaterThanOrEqual(0);
      expect(node.y + node.height / 2).toBeLessThanOrEqual(graph.height);
    }
    for (const [index, a] of graph.nodes.entries()) {
      for (const b of graph.nodes.slice(index + 1)) {
        const apart = Math.abs(a.x - b.x) >= (a.width + b.width) / 2 || Math.abs(a.y - b.y) >= (a.height + b.height) / 2;
        expect({ a: a.name, b: b.name, apart }).toEqual({ a: a.name, b: b.name, apart: true });
      }
    }
    expect(graph.edges.every((edge) => edge.points.length >= 2)).toBe(true);
  });
});
