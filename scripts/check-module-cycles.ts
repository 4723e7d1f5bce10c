// Part of npm run check:deps: no import cycle between the modules of src/modules (module A imports a file of B,
// B one of A, directly or through others), which dependency-cruiser's file-level no-circular rule does not see.
// Imports are resolved by dependency-cruiser with .dependency-cruiser.js (tests and test helpers left out).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { cycleViolations, moduleEdges, type Edge } from './module-graph.ts';

const root = path.resolve(import.meta.dirname, '..');
const run = spawnSync(
  path.join(root, 'node_modules', '.bin', 'depcruise'),
  ['src', '--config', '.dependency-cruiser.js', '--output-type', 'json'],
  { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
);
if (run.status !== 0 && !run.stdout) {
  console.error(run.stderr);
  process.exit(1);
}
const cruised = JSON.parse(run.stdout) as {
  modules: { source: string; dependencies: { resolved: string }[] }[];
};
const edges = moduleEdges(
  cruised.modules.flatMap((file) =>
    file.dependencies.map((dependency) => ({ from: file.source, to: dependency.resolved })),
  ),
);
const { cycles, unexpected } = cycleViolations(edges, []);
const show = (list: readonly Edge[]) => list.map(([from, to]) => `  ${from} -> ${to}`).join('\n');

console.log(
  `${edges.length} module edges; modules in a cycle: ${cycles.map((c) => c.join(', ')).join(' | ') || 'none'}`,
);
if (unexpected.length > 0) {
  console.error(`Import cycle between modules, through these edges (not allowed):\n${show(unexpected)}`);
  process.exit(1);
}
