// npm run check:duplicates: copied blocks in src/ (jscpd, configured in .jscpd.json: TypeScript outside tests, at
// least 50 tokens). Fails when there are more clone pairs than MAX_CLONE_PAIRS, the count when the check was set up;
// lower MAX_CLONE_PAIRS whenever a refactoring removes some, never raise it: factor the copy out instead.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const MAX_CLONE_PAIRS = 15;

const root = path.resolve(import.meta.dirname, '..');
const jscpd = path.join(root, 'node_modules', '.bin', 'jscpd');
const output = mkdtempSync(path.join(tmpdir(), 'amparo-jscpd-'));

try {
  const run = spawnSync(
    jscpd,
    ['--config', '.jscpd.json', '--reporters', 'console,json', '--output', output, '--no-tips'],
    { cwd: root, stdio: 'inherit' },
  );
  if (run.status !== 0) {
    console.error(`jscpd failed (exit ${run.status ?? run.signal})`);
    process.exit(1);
  }
  const report = JSON.parse(readFileSync(path.join(output, 'jscpd-report.json'), 'utf8')) as {
    statistics: { total: { clones: number } };
  };
  const pairs = report.statistics.total.clones;
  if (pairs > MAX_CLONE_PAIRS) {
    console.error(
      `\n${pairs} copied blocks in src/, more than the ${MAX_CLONE_PAIRS} allowed (scripts/check-duplicates.ts): ` +
        'factor the new copy out instead of adding it.',
    );
    process.exit(1);
  }
  console.log(`\n${pairs} copied blocks in src/ (at most ${MAX_CLONE_PAIRS} allowed).`);
  if (pairs < MAX_CLONE_PAIRS) console.log(`Fewer than allowed: lower MAX_CLONE_PAIRS to ${pairs}.`);
} finally {
  rmSync(output, { recursive: true, force: true });
}
