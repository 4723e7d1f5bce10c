// The graph of src/modules at module level (module A imports something of module B), and its cycles. Pure
// functions: check-module-cycles.ts feeds them dependency-cruiser's resolved imports, the tests small graphs.

export type Edge = readonly [from: string, to: string];

/** The module of a path under src/modules (its directory), or undefined for any other path. */
export function moduleOfPath(file: string): string | undefined {
  return /^src\/modules\/([^/]+)\//.exec(file)?.[1];
}

/** Module-level edges from file-level imports, each once, sorted. */
export function moduleEdges(imports: Iterable<{ from: string; to: string }>): Edge[] {
  const edges = new Set<string>();
  for (const { from, to } of imports) {
    const a = moduleOfPath(from);
    const b = moduleOfPath(to);
    if (a && b && a !== b) edges.add(`${a} ${b}`);
  }
  return [...edges].sort().map((edge) => edge.split(' ') as unknown as Edge);
}

/** The strongly connected components of more than one module (each one a set of modules in a cycle), sorted. */
export function moduleCycles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const [from, to] of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const nodes = [...new Set(edges.flat())].sort();
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const to of next.get(node) ?? []) {
      if (!index.has(to)) {
        connect(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
        onStack.delete(member);
        component.push(member);
        if (member === node) break;
      }
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of nodes) if (!index.has(node)) connect(node);
  return components.sort((a, b) => a.join().localeCompare(b.join()));
}

/**
 * The edges that lie on a cycle (inside one strongly connected component) and are not allowed, and the allowed
 * edges that no longer lie on one.
 */
export function cycleViolations(
  edges: readonly Edge[],
  allowed: readonly Edge[],
): { cycles: string[][]; unexpected: Edge[]; gone: Edge[] } {
  const cycles = moduleCycles(edges);
  const componentOf = new Map(cycles.flatMap((members, i) => members.map((member) => [member, i] as const)));
  const onCycle = edges.filter(
    ([from, to]) => componentOf.has(from) && componentOf.get(from) === componentOf.get(to),
  );
  const key = ([from, to]: Edge) => `${from} -> ${to}`;
  const allowedKeys = new Set(allowed.map(key));
  const onCycleKeys = new Set(onCycle.map(key));
  return {
    cycles,
    unexpected: onCycle.filter((edge) => !allowedKeys.has(key(edge))),
    gone: allowed.filter((edge) => !onCycleKeys.has(key(edge))),
  };
}
