// The embedded default as an operator meets it: `amparo start` runs its own PostgreSQL server on the data
// directory; a CLI command run meanwhile talks to that same server (a write it makes is seen by the running
// app at once); a server left behind by a killed Amparo is adopted by the next one; the server listens on a
// private Unix socket only, never as root, and its password lives outside the data directory.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import {
  EMBEDDED_SYSTEM_USER,
  readEmbeddedState,
  startEmbeddedPostgres,
} from '../../src/db/embedded-postgres.ts';
import { ROOT, startAmparo, type RunningAmparo } from '../support/amparo-process.ts';

const run = promisify(execFile);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A killed server nobody reaped is a zombie: gone, though its pid still answers.
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return true;
  }
  return !status.slice(status.lastIndexOf(')') + 2).startsWith('Z');
}

describe('the embedded PostgreSQL server', () => {
  let amparo: RunningAmparo;
  const env = () => ({
    ...process.env,
    AMPARO_DATA_DIR: amparo.dataDir,
    AMPARO_DATABASE_PASSWORD_FILE: amparo.databasePasswordFile,
    AMPARO_MASTER_KEY_FILE: path.join(path.dirname(amparo.dataDir), 'master.key'),
    AMPARO_CASE_KEYS_DIR: path.join(path.dirname(amparo.dataDir), 'case-keys'),
    AMPARO_PUBLIC_URL: amparo.baseUrl,
    AMPARO_LOG_LEVEL: 'silent',
  });

  before(async () => {
    amparo = await startAmparo({ env: { AMPARO_LOG_LEVEL: 'silent' } });
  });
  after(async () => {
    await amparo.stop();
    await amparo.cleanUp();
  });

  test('listens on a private Unix socket only, as an unprivileged user, with no password in the data directory', async () => {
    const state = await readEmbeddedState(amparo.dataDir);
    assert.ok(state, 'the state file names the running server');
    assert.ok(state.host.startsWith('/'), 'a socket directory, not a network address');
    assert.equal((await stat(state.host)).mode & 0o777, 0o700, 'only the server user may open the socket');
    const password = (await readFile(amparo.databasePasswordFile, 'utf8')).trim();
    assert.ok(password.length >= 24, 'a generated password');
    assert.ok(
      !amparo.databasePasswordFile.startsWith(amparo.dataDir + path.sep),
      'kept outside the data dir',
    );
    const stateText = await readFile(path.join(amparo.dataDir, 'postgres.json'), 'utf8');
    assert.ok(!stateText.includes(password), 'the state file does not carry the password');

    const client = new pg.Client({ ...state, password });
    await client.connect();
    try {
      const { rows } = await client.query<{ listen: string; fsync: string; commit: string }>(
        `select current_setting('listen_addresses') as listen, current_setting('fsync') as fsync,
                current_setting('synchronous_commit') as commit`,
      );
      assert.deepEqual(rows[0], { listen: '', fsync: 'on', commit: 'on' });
    } finally {
      await client.end();
    }
    await assert.rejects(
      new pg.Client({ ...state, password: 'not-the-password' }).connect(),
      /password authentication failed/,
    );
    if (process.getuid?.() === 0) {
      const owner = (await readFile(`/proc/${state.pid}/status`, 'utf8')).match(/^Uid:\s+(\d+)/m)?.[1];
      assert.notEqual(owner, '0', 'PostgreSQL never runs as root');
      const passwd = await readFile('/etc/passwd', 'utf8');
      assert.match(passwd, new RegExp(`^${EMBEDDED_SYSTEM_USER}:[^:]*:${owner}:`, 'm'));
    }
  });

  test('the data directory holds its files 0600 in 0700 directories', async () => {
    const open: string[] = [];
    async function walk(dir: string): Promise<void> {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        const mode = (await lstat(file)).mode & 0o777;
        if (mode & 0o077) open.push(`${mode.toString(8)} ${path.relative(amparo.dataDir, file)}`);
        if (entry.isDirectory()) await walk(file);
      }
    }
    await walk(amparo.dataDir);
    assert.deepEqual(open, [], 'nothing in the data directory is open to the group or others');
    // As root, the server's own user is let through the data directory (0710), never let read it.
    const top = (await stat(amparo.dataDir)).mode & 0o777;
    assert.ok(top === 0o700 || (process.getuid?.() === 0 && top === 0o710), top.toString(8));
    const state = await readEmbeddedState(amparo.dataDir);
    const client = new pg.Client({
      ...state,
      password: (await readFile(amparo.databasePasswordFile, 'utf8')).trim(),
    });
    await client.connect();
    try {
      const { rows } = await client.query<{ mode: string; group: string }>(
        `select current_setting('log_file_mode') as mode, current_setting('data_directory_mode') as group`,
      );
      assert.deepEqual(rows[0], { mode: '0600', group: '0700' });
    } finally {
      await client.end();
    }
  });

  test('a CLI command while Amparo runs uses the same server: the invitation it prints works at once', async () => {
    const state = await readEmbeddedState(amparo.dataDir);
    const { stdout } = await run(
      path.join(ROOT, 'node_modules/.bin/node'),
      ['src/cli/main.ts', 'user', 'invite', '--email', 'new.dispatcher@example.org', '--role', 'dispatcher'],
      { cwd: ROOT, env: env() },
    );
    const link = /https?:\/\/\S+\/invite\/\S+/.exec(stdout)?.[0];
    assert.ok(link, 'an invitation link was printed');
    const page = await fetch(`${amparo.baseUrl}${new URL(link).pathname}`, {
      headers: { accept: 'text/html' },
    });
    assert.equal(page.status, 200, 'the running app sees the invitation the CLI wrote');
    const after = await readEmbeddedState(amparo.dataDir);
    assert.equal(after?.pid, state?.pid, 'the CLI started no server of its own and stopped none');
    assert.equal(after?.owner, state?.owner, 'the running app still owns the server');
  });

  test('a second process on the data directory is a guest: closing it leaves the server running', async () => {
    const state = await readEmbeddedState(amparo.dataDir);
    const guest = await startEmbeddedPostgres({
      dataDir: amparo.dataDir,
      passwordFile: amparo.databasePasswordFile,
    });
    assert.equal(guest.owner, false);
    await guest.close();
    assert.ok(isAlive(state!.pid), 'the server is still running');
    const health = await fetch(`${amparo.baseUrl}/healthz`);
    assert.equal(health.status, 200);
  });
});

describe('a server left behind by a killed Amparo', () => {
  test('is adopted by the next start, and stopped when that one stops', async () => {
    const first = await startAmparo({ env: { AMPARO_LOG_LEVEL: 'silent' } });
    try {
      const state = await readEmbeddedState(first.dataDir);
      assert.ok(state);
      process.kill(-first.child.pid!, 'SIGKILL');
      await new Promise((resolve) => first.child.once('exit', resolve));
      assert.ok(isAlive(state.pid), 'the server outlived Amparo');

      const adopted = await startEmbeddedPostgres({
        dataDir: first.dataDir,
        passwordFile: first.databasePasswordFile,
      });
      assert.equal(adopted.owner, true, 'adopted');
      assert.equal(
        (await readEmbeddedState(first.dataDir))?.pid,
        state.pid,
        'the same server, not a new one',
      );
      assert.equal((await readEmbeddedState(first.dataDir))?.owner, process.pid);
      await adopted.close();
      assert.equal(isAlive(state.pid), false, 'stopped with its new owner');
      assert.equal(await readEmbeddedState(first.dataDir), undefined, 'the state file is gone');
      assert.ok(
        (await readdir(path.join(first.dataDir, 'postgres', 'log'))).length >= 1,
        "the server's log stays in the cluster's log directory",
      );
    } finally {
      await first.cleanUp();
    }
  });
});
