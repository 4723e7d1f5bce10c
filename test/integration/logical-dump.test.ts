// The dump's rows are PostgreSQL's own row_to_json text and go back through json_populate_recordset: every
// column type Amparo uses (and a few it may come to use) comes back identical, from PostgreSQL and from PGlite
// alike, sequences carry on, and generated columns are recomputed rather than copied.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { migrateToLatest } from '../../src/db/migrator.ts';
import {
  dumpDatabase,
  loadDump,
  loadRows,
  readDumpLines,
  sessionOf,
  type SqlSession,
} from '../../src/db/logical-dump.ts';
import {
  createDatabase,
  dropDatabases,
  openKysely,
  scratchDatabaseName,
  tableContents,
} from '../support/database-copies.ts';

const SCHEMA = `
  create table every_type (
    id integer generated always as identity primary key,
    u uuid, t text, ta text[], tstz timestamptz, ts timestamp, d date, big bigint, i integer, small smallint,
    b boolean, j jsonb, js json, raw bytea, n numeric, f8 double precision, f4 real, span interval,
    ia integer[], nested text[][],
    doubled bigint generated always as (i::bigint * 2) stored
  );
  create sequence counter;
  -- Columns named like the aliases the dump's queries use.
  create table "Odd ""name""" ("a column" text, r int, t text, "r.*" text);`;

const ROWS = `
  insert into every_type (u, t, ta, tstz, ts, d, big, i, small, b, j, js, raw, n, f8, f4, span, ia, nested) values
  ('5f0c7c3e-8d0a-4f7e-9f55-3c1b6a2d9e01',
   E'quotes " and \\\\ backslash, newline\\n, tab\\t, \\u2028 separator, é ñ 中文 العربية 🚨',
   array['a', '', null, 'with,comma', 'with "quote"', E'back\\\\slash'],
   '2026-11-23 09:00:00.123456+00', '2026-11-23 09:00:00.654321', '2026-02-28',
   9223372036854775807, -2147483648, -32768, true,
   '{"big": 12345678901234567890123, "f": 0.1, "s": "é\\n", "a": [1, "x", null, {"k": []}], "e": {}}',
   '{"kept":  "as written",  "dup": 1, "dup": 2}',
   '\\x00ff10deadbeef', 123456789012345678901234567890.123456789012345678901, 0.1, 3.4e38,
   '1 year 2 mons 3 days 04:05:06.789', array[1, null, 3], array[array['a', 'b'], array['c', null]]),
  (null, '', '{}', 'infinity', '-infinity', '2000-01-01', 0, 0, 0, false, 'null', '[]', '\\x', 'NaN',
   'NaN', '-Infinity', '0', '{}', '{}'),
  (null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
   null);
  select nextval('counter'), nextval('counter'), nextval('counter');
  insert into "Odd ""name""" values ('x', 1, 'y', 'z');`;

async function contents(session: SqlSession): Promise<unknown> {
  return {
    rows: await session.query(`select row_to_json(t.*)::text as row from every_type t order by id`),
    odd: await session.query(`select row_to_json(t.*)::text as row from "Odd ""name""" t`),
    counter: await session.query(`select last_value::text, is_called from counter`),
  };
}

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const line of lines) all.push(line);
  return all;
}

async function* replay(lines: string[]): AsyncGenerator<string> {
  yield* lines;
}

describe('every column type survives the dump', () => {
  const sourceName = scratchDatabaseName('types_src');
  const targetNames: string[] = [];
  let source: pg.Client;

  before(async () => {
    source = new pg.Client({ connectionString: await createDatabase(sourceName) });
    await source.connect();
    await source.query(SCHEMA);
    await source.query(ROWS);
  });
  after(async () => {
    await source?.end();
    await dropDatabases(sourceName, ...targetNames);
  });

  /** Loads dump lines into a fresh database with the same tables, and returns its session. */
  async function loadIntoFresh(
    lines: string[],
  ): Promise<{ session: SqlSession; close: () => Promise<void> }> {
    const name = scratchDatabaseName('types_dst');
    targetNames.push(name);
    const client = new pg.Client({ connectionString: await createDatabase(name) });
    await client.connect();
    await client.query(SCHEMA);
    const session = sessionOf(client);
    const items = readDumpLines(replay(lines));
    const first = await items.next();
    assert.ok(!first.done && first.value.kind === 'header');
    await session.query('begin');
    await session.query('set local session_replication_role = replica');
    await loadRows(session, first.value.header, items, { batchRows: 2 });
    await session.query('commit');
    return { session, close: () => client.end() };
  }

  test('from PostgreSQL', async () => {
    const lines = await collect(dumpDatabase(sessionOf(source), { pagesPerBatch: 1 }));
    const target = await loadIntoFresh(lines);
    try {
      assert.deepEqual(await contents(target.session), await contents(sessionOf(source)));
      // The identity sequence carries on where the source's stood, and the generated column is computed.
      const [next] = await target.session.query(
        `insert into every_type (i) values (21) returning id, doubled`,
      );
      assert.deepEqual(next, { id: 4, doubled: '42' });
    } finally {
      await target.close();
    }
  });

  test('from PGlite', async () => {
    const pglite = await PGlite.create('memory://');
    try {
      await pglite.exec(SCHEMA);
      await pglite.exec(ROWS);
      const session: SqlSession = {
        query: async <Row extends object>(sql: string, params?: readonly unknown[]) =>
          (await pglite.query<Row>(sql, params ? [...params] : undefined)).rows,
      };
      const lines = await collect(dumpDatabase(session));
      const target = await loadIntoFresh(lines);
      try {
        // Compared with what PostgreSQL itself made of the same statements.
        assert.deepEqual(await contents(target.session), await contents(sessionOf(source)));
      } finally {
        await target.close();
      }
    } finally {
      await pglite.close();
    }
  });
});

describe('pg-boss queues with a job table of their own', () => {
  test('come back with their table, rows and indexes', async () => {
    const sourceName = scratchDatabaseName('boss_src');
    const targetName = scratchDatabaseName('boss_dst');
    const sourceUrl = await createDatabase(sourceName);
    const targetUrl = await createDatabase(targetName);
    try {
      const kysely = openKysely(sourceUrl);
      await migrateToLatest(kysely);
      await kysely.destroy();
      const boss = new PgBoss({
        connectionString: sourceUrl,
        schema: 'pgboss',
        supervise: false,
        schedule: false,
      });
      boss.on('error', () => {});
      await boss.start();
      await boss.createQueue('own-table', { partition: true, policy: 'singleton' });
      await boss.createQueue('shared-table', {});
      await boss.send('own-table', { n: 1 });
      await boss.send('shared-table', { n: 2 });
      await boss.stop({ graceful: false });

      const source = new pg.Client({ connectionString: sourceUrl });
      await source.connect();
      let lines: string[];
      try {
        lines = await collect(dumpDatabase(sessionOf(source)));
      } finally {
        await source.end();
      }
      await loadDump({ connectionString: targetUrl, lines: replay(lines) });
      assert.deepEqual(await tableContents(targetUrl), await tableContents(sourceUrl));
      const indexes = async (url: string) => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          const { rows } = await client.query<{ name: string }>(
            `select indexname as name from pg_indexes where schemaname = 'pgboss' order by 1`,
          );
          return rows.map((row) => row.name);
        } finally {
          await client.end();
        }
      };
      assert.deepEqual(await indexes(targetUrl), await indexes(sourceUrl));
    } finally {
      await dropDatabases(sourceName, targetName);
    }
  });
});
