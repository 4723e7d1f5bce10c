// The import rules fail when they should: dependency-cruiser with the project's .dependency-cruiser.js over a
// fixture that breaks each rule, and the module-level cycle check over small graphs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { cycleViolations, moduleCycles, moduleEdges, type Edge } from '../../scripts/module-graph.ts';

const root = path.resolve(import.meta.dirname, '../..');
const fixture = path.join(import.meta.dirname, 'fixtures', 'boundaries');

interface Cruised {
  modules: { source: string; dependencies: { resolved: string }[] }[];
  summary: { violations: { rule: { name: string }; from: string; to: string }[] };
}

function cruise(): Cruised {
  const run = spawnSync(
    path.join(root, 'node_modules', '.bin', 'depcruise'),
    ['src', '--config', path.join(root, '.dependency-cruiser.js'), '--output-type', 'json'],
    { cwd: fixture, encoding: 'utf8' },
  );
  assert.ok(run.stdout, run.stderr);
  return JSON.parse(run.stdout) as Cruised;
}

describe('the import rules (npm run check:deps)', () => {
  test('fail on a file cycle, on importing another module’s repository or routes, and on a lower layer importing a module', () => {
    const violations = cruise()
      .summary.violations.map(({ rule, from, to }) => `${rule.name}: ${from} -> ${to}`)
      .sort();
    assert.deepEqual(violations, [
      'lower-layers-do-not-import-modules: src/http/h.ts -> src/modules/a/a.ts',
      'no-circular: src/modules/a/a.ts -> src/modules/b/b.ts',
      'no-other-modules-repository: src/modules/a/a.ts -> src/modules/b/b.repository.ts',
      'no-other-modules-routes-or-jobs: src/modules/a/a.ts -> src/modules/b/b.routes.ts',
    ]);
  });

  test('the module-level check finds the cycle between the fixture’s modules', () => {
    const edges = moduleEdges(
      cruise().modules.flatMap((file) =>
        file.dependencies.map((d) => ({ from: file.source, to: d.resolved })),
      ),
    );
    assert.deepEqual(edges, [
      ['a', 'b'],
      ['b', 'a'],
    ]);
    assert.deepEqual(cycleViolations(edges, []).unexpected, edges);
  });

  test('module cycles: found through several modules, absent from a layered graph, allowed only edge by edge', () => {
    const layered: Edge[] = [
      ['alerts', 'incidents'],
      ['incidents', 'reports'],
      ['alerts', 'reports'],
    ];
    assert.deepEqual(moduleCycles(layered), []);
    const cyclic: Edge[] = [...layered, ['reports', 'alerts'], ['audit', 'auth']];
    assert.deepEqual(moduleCycles(cyclic), [['alerts', 'incidents', 'reports']]);
    const allowed: Edge[] = [
      ['alerts', 'incidents'],
      ['incidents', 'reports'],
      ['reports', 'alerts'],
      ['cases', 'voice'],
    ];
    assert.deepEqual(cycleViolations(cyclic, allowed), {
      cycles: [['alerts', 'incidents', 'reports']],
      unexpected: [['alerts', 'reports']],
      gone: [['cases', 'voice']],
    });
  });

  test('module edges come from src/modules only, once each, never to the module itself', () => {
    assert.deepEqual(
      moduleEdges([
        { from: 'src/modules/a/x.ts', to: 'src/modules/b/y.ts' },
        { from: 'src/modules/a/z.ts', to: 'src/modules/b/y.ts' },
        { from: 'src/modules/a/x.ts', to: 'src/modules/a/z.ts' },
        { from: 'src/http/h.ts', to: 'src/modules/a/x.ts' },
        { from: 'src/modules/index.ts', to: 'src/modules/a/x.ts' },
      ]),
      [['a', 'b']],
    );
  });
});
