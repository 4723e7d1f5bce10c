// The operator's side of amparo backup and amparo restore: usage errors, what a good run says, and a refusal
// in one clear sentence (exit 1) rather than a stack trace.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runBackup, runRestore } from '../../src/cli/backup-commands.ts';
import type { CommandOutput } from '../../src/cli/commands.ts';
import { createKeyring } from '../../src/crypto/keyring.ts';
import { dropDatabases, scratchDatabaseName } from '../support/database-copies.ts';
import { testServerUrl } from '../support/test-database.ts';
import { createTestContext } from '../support/test-context.ts';

function captured(): CommandOutput & { text: { out: string; err: string } } {
  const text = { out: '', err: '' };
  return { text, out: (s) => (text.out += s), err: (s) => (text.err += s) };
}

test('amparo backup and amparo restore, as the operator sees them', async () => {
  const t = await createTestContext();
  const dir = await mkdtemp(path.join(tmpdir(), 'amparo-backup-cli-'));
  const restored = scratchDatabaseName('cli');
  try {
    const keyring = t.context.secrets.keyring;
    const usage = captured();
    assert.equal(await runBackup({ args: [], connectionString: t.databaseUrl, keyring, output: usage }), 2);
    assert.match(usage.text.err, /Usage: amparo backup FILE/);

    const file = path.join(dir, 'amparo.backup');
    const backedUp = captured();
    assert.equal(
      await runBackup({ args: [file], connectionString: t.databaseUrl, keyring, output: backedUp }),
      0,
    );
    assert.match(backedUp.text.out, /Backup written to .*amparo\.backup \(\d+ tables, \d+ rows/);

    const restoreWith = async (key: typeof keyring, args: string[]) => {
      const output = captured();
      const code = await runRestore({
        args,
        adminConnectionString: testServerUrl(),
        databaseName: restored,
        keyring: key,
        output,
      });
      return { code, ...output.text };
    };
    const wrongKey = await restoreWith(createKeyring(new Map([[1, randomBytes(32)]])), [file]);
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.err, /cannot be opened with this master key/);
    assert.doesNotMatch(wrongKey.err, /\n\s+at /, 'no stack trace');
    assert.equal((await restoreWith(keyring, [file, 'another'])).code, 2);
    const good = await restoreWith(keyring, [file, '--keep-previous']);
    assert.equal(good.code, 0, good.err);
    assert.match(good.out, /^Restored \d+ tables, \d+ rows\.\n$/);
  } finally {
    await dropDatabases(restored);
    await t.close();
    await rm(dir, { recursive: true, force: true });
  }
});
