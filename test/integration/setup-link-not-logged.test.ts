// Issue 12: setup and invitation links are not written to the server log. `amparo start` under a service
// manager (stdout captured, no terminal) prints how to get the link, never the link; `amparo user setup`, run
// by the operator, prints it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { ROOT, startAmparo } from '../support/amparo-process.ts';
import { createTestDatabase } from '../support/test-database.ts';

const run = promisify(execFile);

test('a start without a terminal keeps the setup link out of its output; amparo user setup prints one', async () => {
  const database = await createTestDatabase();
  const masterKey = randomBytes(32).toString('base64');
  const amparo = await startAmparo({
    databaseUrl: database.url,
    captureStdout: true,
    env: { AMPARO_MASTER_KEY: masterKey, AMPARO_LOG_LEVEL: 'info' },
  });
  let output = '';
  amparo.child.stdout!.setEncoding('utf8');
  amparo.child.stdout!.on('data', (chunk: string) => (output += chunk));
  try {
    for (let waited = 0; !output.includes('Amparo is running at') && waited < 30_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.match(output, /Amparo is running at/);
    assert.doesNotMatch(output, /\/setup\//, 'no setup link in what a service manager would log');
    assert.match(output, /amparo user setup/);

    const { stdout } = await run(process.execPath, ['src/cli/main.ts', 'user', 'setup'], {
      cwd: ROOT,
      env: {
        ...process.env,
        AMPARO_DATABASE_URL: database.url,
        AMPARO_MASTER_KEY: masterKey,
        AMPARO_PUBLIC_URL: amparo.baseUrl,
        AMPARO_LOG_LEVEL: 'silent',
      },
    });
    const link = /(http:\/\/\S+\/setup\/[A-Za-z0-9_-]+)/.exec(stdout)?.[1];
    assert.ok(link, stdout);
    assert.equal(
      (await fetch(new URL(new URL(link).pathname, amparo.baseUrl))).status,
      200,
      'the link works',
    );
  } finally {
    await amparo.stop();
    await amparo.cleanUp();
    await database.drop();
  }
});
