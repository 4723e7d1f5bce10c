// Replacing a whole database on a PostgreSQL server: a restore or an import is loaded into a scratch database
// next to the live one, and only once it has fully loaded does it take the live one's name. Until then the
// live database is untouched, and a failed load leaves nothing behind.
import pg from 'pg';
import { quoteIdentifier } from './logical-dump.ts';

export class DatabaseReplaceError extends Error {
  override name = 'DatabaseReplaceError';
}

/** The same server and credentials, another database. Connection strings are URLs here. */
export function connectionStringFor(adminConnectionString: string, databaseName: string): string {
  let url: URL;
  try {
    url = new URL(adminConnectionString);
  } catch {
    throw new DatabaseReplaceError('The admin connection string must be a URL (postgres://…).');
  }
  url.pathname = `/${encodeURIComponent(databaseName)}`;
  url.searchParams.delete('dbname');
  return url.href;
}

async function withAdmin<T>(
  adminConnectionString: string,
  run: (admin: pg.Client) => Promise<T>,
): Promise<T> {
  const admin = new pg.Client({ connectionString: adminConnectionString });
  admin.on('error', () => {});
  await admin.connect();
  try {
    return await run(admin);
  } finally {
    await admin.end().catch(() => {});
  }
}

export async function databaseExists(admin: pg.Client, name: string): Promise<boolean> {
  const { rows } = await admin.query('select 1 from pg_database where datname = $1', [name]);
  return rows.length > 0;
}

/**
 * Amparo must be stopped: a running process would keep writing to the database being replaced. Sessions that
 * are closing take a moment to leave pg_stat_activity, so this waits a few seconds (as DROP DATABASE does).
 */
export async function refuseIfInUse(admin: pg.Client, name: string): Promise<void> {
  let sessions = 0;
  for (let attempt = 0; attempt < 50; attempt++) {
    const { rows } = await admin.query<{ n: number }>(
      'select count(*)::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [name],
    );
    sessions = rows[0]?.n ?? 0;
    if (sessions === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new DatabaseReplaceError(
    `The database ${name} is in use (${sessions} connection${sessions === 1 ? '' : 's'}). Stop Amparo first.`,
  );
}

export interface ReplaceOptions {
  /** A superuser's connection to a database other than the one replaced (e.g. "postgres"). */
  adminConnectionString: string;
  databaseName: string;
  /** What becomes of the database being replaced: dropped, or kept under another name (returned). */
  previous: 'drop' | 'keep';
  /** Fills the scratch database (given its connection string); a throw leaves the live database as it was. */
  load: (connectionString: string) => Promise<void>;
  /** Checked before anything is created, e.g. that the live database holds nothing worth keeping. */
  check?: (live: { exists: boolean; connectionString: string }) => Promise<void>;
  now?: Date;
}

export interface ReplaceResult {
  /** Where the replaced database was kept, when previous = 'keep' and there was one. */
  previousKeptAs: string | null;
}

export async function replaceDatabase(options: ReplaceOptions): Promise<ReplaceResult> {
  const live = options.databaseName;
  const scratch = `${live}_loading`;
  const stamp = (options.now ?? new Date())
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\..*$/, '')
    .toLowerCase();
  const kept = `${live}_before_${stamp}`;
  const liveExists = await withAdmin(options.adminConnectionString, async (admin) => {
    const exists = await databaseExists(admin, live);
    if (exists) await refuseIfInUse(admin, live);
    await options.check?.({
      exists,
      connectionString: connectionStringFor(options.adminConnectionString, live),
    });
    // A scratch database left by an attempt that was killed holds nothing anyone needs.
    await admin.query(`drop database if exists ${quoteIdentifier(scratch)} with (force)`);
    await admin.query(`create database ${quoteIdentifier(scratch)} template template0`);
    return exists;
  });
  try {
    await options.load(connectionStringFor(options.adminConnectionString, scratch));
  } catch (error) {
    await withAdmin(options.adminConnectionString, (admin) =>
      admin.query(`drop database if exists ${quoteIdentifier(scratch)} with (force)`),
    ).catch(() => {});
    throw error;
  }
  return withAdmin(options.adminConnectionString, async (admin) => {
    if (liveExists) await refuseIfInUse(admin, live);
    // Both renames commit together: there is never a moment without a database under the live name once
    // there was one, nor two.
    await admin.query('begin');
    try {
      if (liveExists)
        await admin.query(`alter database ${quoteIdentifier(live)} rename to ${quoteIdentifier(kept)}`);
      await admin.query(`alter database ${quoteIdentifier(scratch)} rename to ${quoteIdentifier(live)}`);
      await admin.query('commit');
    } catch (error) {
      await admin.query('rollback').catch(() => {});
      throw error;
    }
    if (!liveExists) return { previousKeptAs: null };
    if (options.previous === 'keep') return { previousKeptAs: kept };
    await admin.query(`drop database ${quoteIdentifier(kept)} with (force)`);
    return { previousKeptAs: null };
  });
}
