import dagre from '@dagrejs/dagre';

/**
 * A state machine's graph from its ASL (statemachines/*.asl.json, the files deployed): one node per
 * top-level state, one edge per way out (Next, Default, each Choice, each Catch), laid out top to bottom
 * by dagre. The console draws it and marks the path an execution took.
 */
interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly Default?: string;
  readonly End?: boolean;
  readonly Choices?: readonly { readonly Next: string }[];
  readonly Catch?: readonly { readonly Next: string; readonly ErrorEquals: readonly string[] }[];
}

export interface Asl {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
}

export interface LaidOutNode {
  readonly name: string;
  readonly type: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface LaidOutEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: 'next' | 'choice' | 'catch';
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

export interface LaidOutGraph {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly LaidOutNode[];
  readonly edges: readonly LaidOutEdge[];
}

export const edgesOf = (asl: Asl): { from: string; to: string; kind: LaidOutEdge['kind'] }[] => {
  const edges: { from: string; to: string; kind: LaidOutEdge['kind'] }[] = [];
  const add = (from: string, to: string | undefined, kind: LaidOutEdge['kind']) => {
    if (to && !edges.some((edge) => edge.from === from && edge.to === to)) edges.push({ from, to, kind });
  };
  for (const [name, state] of Object.entries(asl.States)) {
    add(name, state.Next, 'next');
    for (const choice of state.Choices ?? []) add(name, choice.Next, 'choice');
    add(name, state.Default, 'choice');
    for (const handler of state.Catch ?? []) add(name, handler.Next, 'catch');
  }
  return edges;
};

export const layOut = (asl: Asl): LaidOutGraph => {
  const graph = new dagre.graphlib.Graph({ multigraph: false });
  graph.setGraph({ rankdir: 'TB', nodesep: 18, ranksep: 34, marginx: 8, marginy: 8 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const [name, state] of Object.entries(asl.States)) {
    graph.setNode(name, { label: name, width: Math.max(90, name.length * 7 + 16), height: 30, type: state.Type });
  }
  const edges = edgesOf(asl);
  for (const edge of edges) graph.setEdge(edge.from, edge.to, { kind: edge.kind });
  dagre.layout(graph);
  const nodes = Object.entries(asl.States).map(([name, state]): LaidOutNode => {
    const node = graph.node(name) as { x: number; y: number; width: number; height: number };
    return { name, type: state.Type, x: node.x, y: node.y, width: node.width, height: node.height };
  });
  const laidEdges = edges.map((edge): LaidOutEdge => ({ ...edge, points: (graph.edge(edge.from, edge.to) as { points: { x: number; y: number }[] }).points }));
  const size = graph.graph() as { width?: number; height?: number };
  return { width: size.width ?? 0, height: size.height ?? 0, nodes, edges: laidEdges };
};
