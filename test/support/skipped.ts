// A test that cannot run here says so loudly: besides the runner's quiet "# SKIP", one line on stderr that stands
// out in a long run (and in CI's log), naming the suite and what it needs.
import type { TestContext } from 'node:test';

export function skipLoudly(context: TestContext, suite: string, needs: string, because: string): void {
  process.stderr.write(`SKIPPED: ${suite} — ${context.name} — needs ${needs} (${because})\n`);
  context.skip(because);
}
