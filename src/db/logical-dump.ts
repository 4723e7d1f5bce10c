// A logical copy of a whole Amparo database: every table of Amparo's schema (`public`, its migration
// bookkeeping included) and of pg-boss's (`pgboss`), read inside one REPEATABLE READ READ ONLY transaction, so
// the copy is one consistent moment while the server keeps taking writes. It is a stream of lines:
//
//   H {header}          format, migrations applied, pg-boss's schema version, tables and their columns,
//                       partitions, sequence values
//   T {"schema","name"} then, for that table, one line per row:
//   R {row}             the row as PostgreSQL's own row_to_json text, never parsed here, so bigint, numeric,
//                       bytea, timestamps, arrays and jsonb go back in exactly as they came out
//   Z {"rows":{...}}    the row count of every table: a copy without it is incomplete
//
// Reading needs only `query(sql, params) → rows` on one connection, so the same reader serves a PostgreSQL
// server (backups) and a PGlite directory (moving the old embedded database over). Loading is PostgreSQL only:
// into an empty database migrated to exactly the copy's migrations, with pg-boss's schema at the copy's
// version, rows inserted with triggers and foreign keys off (the audit log refuses changes by trigger), then
// the later migrations run over the loaded rows.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { getConstructionPlans } from 'pg-boss';
import pgBossPackage from 'pg-boss/package.json' with { type: 'json' };
import { listMigrations, migrateTo, migrateToLatest } from './migrator.ts';

/** One connection: every call runs on the same session, so a transaction spans them. */
export interface SqlSession {
  query<Row extends object = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<Row[]>;
}

/** A node-postgres Client (or PoolClient) as a session. */
export function sessionOf(client: pg.ClientBase): SqlSession {
  return {
    query: async <Row extends object>(sql: string, params?: readonly unknown[]) =>
      (await client.query(sql, params ? [...params] : undefined)).rows as Row[],
  };
}

export const DUMP_FORMAT = 'amparo-logical-dump';
export const DUMP_VERSION: number = 1;
const SCHEMAS = ['public', 'pgboss'] as const;
const SCHEMA_LIST = SCHEMAS.map((schema) => `'${schema}'`).join(', ');
const PGBOSS_SCHEMA = 'pgboss';

export interface DumpColumn {
  name: string;
  /** format_type(): the target's column must have the same type for the row to mean the same. */
  type: string;
}

export interface DumpTable {
  schema: string;
  name: string;
  columns: DumpColumn[];
}

export interface DumpPartition {
  schema: string;
  name: string;
  parentSchema: string;
  parentName: string;
  /** pg_get_expr(relpartbound): "FOR VALUES IN ('x')", "FOR VALUES FROM (…) TO (…)" or "DEFAULT". */
  bound: string;
}

export interface DumpSequence {
  schema: string;
  name: string;
  /** bigint as text. */
  lastValue: string;
  isCalled: boolean;
}

export interface DumpHeader {
  format: typeof DUMP_FORMAT;
  version: number;
  createdAt: string;
  serverVersionNum: number;
  /** Amparo's applied migrations, in order. */
  migrations: string[];
  /** pg-boss's schema version, or null when pg-boss never ran on this database. */
  pgBossSchemaVersion: number | null;
  /** Queues with a job table of their own: pg-boss must create those (with their indexes) before loading. */
  pgBossPartitionedQueues: { name: string; policy: string }[];
  /** Every table that holds rows (partitions included, partitioned parents not), in dump order. */
  tables: DumpTable[];
  partitions: DumpPartition[];
  sequences: DumpSequence[];
}

export interface DumpTrailer {
  /** Rows per table, by "schema.name". */
  rows: Record<string, number>;
}

/** A copy that cannot be read or cannot go into this database. Messages name tables, never row contents. */
export class DumpError extends Error {
  override name = 'DumpError';
}

export interface DumpOptions {
  /** Heap pages read per query (8 KiB each); bounds the memory a big table takes. */
  pagesPerBatch?: number;
  /** Called after each batch has been read (tests use it to write while a copy is under way). */
  onBatch?: (progress: { schema: string; table: string; rows: number }) => Promise<void> | void;
  /** How long to wait for a table lock behind DDL before giving up. */
  lockTimeoutMs?: number;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function qualified(schema: string, name: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
}

function tableKey(table: { schema: string; name: string }): string {
  return `${table.schema}.${table.name}`;
}

/**
 * Reads the whole database as dump lines (without newlines). The snapshot transaction is opened on the first
 * line pulled and closed when the last is, or when the consumer stops early.
 */
export async function* dumpDatabase(session: SqlSession, options: DumpOptions = {}): AsyncGenerator<string> {
  const pagesPerBatch = Math.max(1, Math.floor(options.pagesPerBatch ?? 128));
  await session.query('begin isolation level repeatable read read only');
  let open = true;
  try {
    await session.query(
      `set local lock_timeout = ${Math.max(0, Math.floor(options.lockTimeoutMs ?? 30_000))}`,
    );
    // The first query takes the snapshot; everything after sees the database as it was at that moment.
    const header = await readHeader(session);
    // Keeps DDL (pg-boss dropping an old partition, a migration) from removing a table before it is read.
    // Writes go on: ACCESS SHARE conflicts only with ACCESS EXCLUSIVE.
    if (header.tables.length > 0) {
      await session.query(
        `lock table ${header.tables.map((t) => `only ${qualified(t.schema, t.name)}`).join(', ')} in access share mode`,
      );
    }
    yield `H ${JSON.stringify(header)}`;
    const blockSize = Number((await session.query(`select current_setting('block_size') as size`))[0]?.size);
    const counts: Record<string, number> = {};
    for (const table of header.tables) {
      yield `T ${JSON.stringify({ schema: table.schema, name: table.name })}`;
      const [size] = await session.query(`select pg_relation_size($1::regclass)::text as bytes`, [
        qualified(table.schema, table.name),
      ]);
      // Rows this snapshot sees lie within the pages that existed when it was taken; a page range per query
      // is a TID range scan, so no query rereads what an earlier one read.
      const blocks = Math.ceil(Number(size?.bytes ?? 0) / blockSize);
      const columns = table.columns.map((c) => `t.${quoteIdentifier(c.name)}`).join(', ');
      const from = `from only ${qualified(table.schema, table.name)} as t, lateral (select ${columns}) as r`;
      let rows = 0;
      for (let start = 0; start === 0 || start < blocks; start += pagesPerBatch) {
        const last = start + pagesPerBatch >= blocks;
        const batch = last
          ? await session.query(
              `select row_to_json(r.*)::text as row ${from} where t.ctid >= $1::tid order by t.ctid`,
              [`(${start},0)`],
            )
          : await session.query(
              `select row_to_json(r.*)::text as row ${from}
               where t.ctid >= $1::tid and t.ctid < $2::tid order by t.ctid`,
              [`(${start},0)`, `(${start + pagesPerBatch},0)`],
            );
        for (const record of batch) yield `R ${String(record.row)}`;
        rows += batch.length;
        await options.onBatch?.({ schema: table.schema, table: table.name, rows: batch.length });
        if (last) break;
      }
      counts[tableKey(table)] = rows;
    }
    const trailer: DumpTrailer = { rows: counts };
    yield `Z ${JSON.stringify(trailer)}`;
    await session.query('commit');
    open = false;
  } finally {
    if (open) await session.query('rollback').catch(() => {});
  }
}

async function readHeader(session: SqlSession): Promise<DumpHeader> {
  const relations = await session.query<{
    schema: string;
    name: string;
    kind: string;
    parent_schema: string | null;
    parent_name: string | null;
    bound: string | null;
  }>(`
    select n.nspname as schema, c.relname as name, c.relkind::text as kind,
           pn.nspname as parent_schema, p.relname as parent_name,
           case when c.relispartition then pg_get_expr(c.relpartbound, c.oid) end as bound
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    left join pg_inherits i on c.relispartition and i.inhrelid = c.oid
    left join pg_class p on p.oid = i.inhparent
    left join pg_namespace pn on pn.oid = p.relnamespace
    where n.nspname in (${SCHEMA_LIST}) and c.relkind in ('r', 'p', 'S')
    order by n.nspname, c.relname`);
  const columns = await session.query<{ schema: string; name: string; column: string; type: string }>(`
    select n.nspname as schema, c.relname as name, a.attname as column, format_type(a.atttypid, a.atttypmod) as type
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in (${SCHEMA_LIST}) and c.relkind = 'r'
      and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
    order by n.nspname, c.relname, a.attnum`);
  const columnsOf = new Map<string, DumpColumn[]>();
  for (const row of columns) {
    const key = `${row.schema}.${row.name}`;
    const list = columnsOf.get(key) ?? [];
    list.push({ name: row.column, type: row.type });
    columnsOf.set(key, list);
  }
  const tables: DumpTable[] = [];
  const partitions: DumpPartition[] = [];
  const sequences: DumpSequence[] = [];
  for (const row of relations) {
    const { schema, name } = row;
    if (row.kind === 'r') tables.push({ schema, name, columns: columnsOf.get(`${schema}.${name}`) ?? [] });
    if (row.kind === 'S') {
      const [value] = await session.query(
        `select last_value::text as last_value, is_called from ${qualified(schema, name)}`,
      );
      sequences.push({
        schema,
        name,
        lastValue: String(value?.last_value),
        isCalled: value?.is_called === true,
      });
    }
    if (row.bound !== null && row.parent_schema !== null && row.parent_name !== null) {
      partitions.push({
        schema,
        name,
        parentSchema: row.parent_schema,
        parentName: row.parent_name,
        bound: row.bound,
      });
    }
  }
  const has = (schema: string, name: string) => tables.some((t) => t.schema === schema && t.name === name);
  const migrations = has('public', 'amparo_migrations')
    ? (await session.query(`select name from public.amparo_migrations order by name`)).map((r) =>
        String(r.name),
      )
    : [];
  let pgBossSchemaVersion: number | null = null;
  let pgBossPartitionedQueues: { name: string; policy: string }[] = [];
  if (has(PGBOSS_SCHEMA, 'version')) {
    const [version] = await session.query(`select max(version)::text as version from pgboss.version`);
    pgBossSchemaVersion =
      version?.version === null || version?.version === undefined ? null : Number(version.version);
  }
  if (has(PGBOSS_SCHEMA, 'queue')) {
    pgBossPartitionedQueues = (
      await session.query(`select name, policy from pgboss.queue where partition order by name`)
    ).map((r) => ({ name: String(r.name), policy: String(r.policy) }));
  }
  const [server] = await session.query(`select current_setting('server_version_num') as version`);
  return {
    format: DUMP_FORMAT,
    version: DUMP_VERSION,
    createdAt: new Date().toISOString(),
    serverVersionNum: Number(server?.version),
    migrations,
    pgBossSchemaVersion,
    pgBossPartitionedQueues,
    tables,
    partitions,
    sequences,
  };
}

/** The pg-boss schema version this Amparo installs: a copy must carry the same one. */
export function installedPgBossSchemaVersion(): number {
  return pgBossPackage.pgboss.schema;
}

export function parseHeaderLine(line: string | undefined): DumpHeader {
  if (!line?.startsWith('H ')) throw new DumpError('This is not an Amparo database copy (no header).');
  let header: DumpHeader;
  try {
    header = JSON.parse(line.slice(2)) as DumpHeader;
  } catch {
    throw new DumpError('The copy’s header is damaged.');
  }
  if (header.format !== DUMP_FORMAT) throw new DumpError('This is not an Amparo database copy.');
  if (header.version !== DUMP_VERSION) {
    throw new DumpError(
      `The copy is in format version ${header.version}; this Amparo reads version ${DUMP_VERSION}. ` +
        'Restore it with the Amparo release that made it.',
    );
  }
  return header;
}

/**
 * Whether this Amparo can take the copy: its migrations must be the first ones this code knows (a copy from
 * a newer Amparo has migrations this one cannot run or undo), and pg-boss's schema must be the one installed.
 */
export async function checkCompatible(header: DumpHeader): Promise<void> {
  const known = await listMigrations();
  if (header.migrations.length === 0) {
    throw new DumpError('The copy holds no Amparo schema (no migrations were applied to it).');
  }
  const prefixMatches = header.migrations.every((name, index) => known[index] === name);
  if (!prefixMatches) {
    const unknown = header.migrations.find((name) => !known.includes(name));
    throw new DumpError(
      unknown
        ? `The copy was made by a newer Amparo (its migration ${unknown} is unknown here). Upgrade Amparo first.`
        : 'The copy’s migrations do not match this Amparo’s (a different order or a gap).',
    );
  }
  const installed = installedPgBossSchemaVersion();
  if (header.pgBossSchemaVersion !== null && header.pgBossSchemaVersion !== installed) {
    throw new DumpError(
      `The copy has pg-boss's job schema version ${header.pgBossSchemaVersion}, and this Amparo's pg-boss ` +
        `installs version ${installed}. Restore it with the Amparo release that made it, then upgrade.`,
    );
  }
}

/** Splits a dump into its header, its tables' rows and its trailer, checking the structure as it goes. */
export async function* readDumpLines(lines: AsyncIterable<string>): AsyncGenerator<DumpItem> {
  let header: DumpHeader | undefined;
  let table: DumpTable | undefined;
  const counted: Record<string, number> = {};
  let trailer: DumpTrailer | undefined;
  for await (const line of lines) {
    if (trailer) throw new DumpError('The copy has data after its end.');
    if (!header) {
      header = parseHeaderLine(line);
      yield { kind: 'header', header };
      continue;
    }
    const tag = line.slice(0, 2);
    const body = line.slice(2);
    if (tag === 'R ') {
      if (!table) throw new DumpError('The copy is damaged (a row outside any table).');
      counted[tableKey(table)] = (counted[tableKey(table)] ?? 0) + 1;
      yield { kind: 'row', table, json: body };
    } else if (tag === 'T ') {
      const named = parseJson<{ schema: string; name: string }>(body);
      table = header.tables.find((t) => t.schema === named.schema && t.name === named.name);
      if (!table || counted[tableKey(table)] !== undefined) {
        throw new DumpError('The copy is damaged (a table it does not list, or twice).');
      }
      counted[tableKey(table)] = 0;
      yield { kind: 'table', table };
    } else if (tag === 'Z ') {
      trailer = parseJson<DumpTrailer>(body);
      for (const listed of header.tables) {
        if (trailer.rows[tableKey(listed)] !== counted[tableKey(listed)]) {
          throw new DumpError(`The copy is incomplete: table ${tableKey(listed)} is missing rows.`);
        }
      }
      yield { kind: 'end', trailer };
    } else {
      throw new DumpError('The copy is damaged (an unknown line).');
    }
  }
  if (!header) throw new DumpError('The copy is empty.');
  if (!trailer) throw new DumpError('The copy ends early: it was cut off before its last table.');
}

export type DumpItem =
  | { kind: 'header'; header: DumpHeader }
  | { kind: 'table'; table: DumpTable }
  | { kind: 'row'; table: DumpTable; json: string }
  | { kind: 'end'; trailer: DumpTrailer };

function parseJson<T>(text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new DumpError('The copy is damaged (a line is not valid).');
  }
}

export interface LoadSummary {
  tables: number;
  rows: number;
  /** The copy's last migration, and those applied after loading it. */
  loadedAt: string;
  migratedSince: string[];
}

export interface LoadOptions {
  /** An empty database on PostgreSQL, as a superuser (triggers are switched off while rows go in). */
  connectionString: string;
  lines: AsyncIterable<string>;
  /** Rows per INSERT, and a byte cap per INSERT. */
  batchRows?: number;
  batchBytes?: number;
}

/** Loads a copy into an empty database, then migrates it to the latest schema. */
export async function loadDump(options: LoadOptions): Promise<LoadSummary> {
  const items = readDumpLines(options.lines);
  const first = await items.next();
  if (first.done || first.value.kind !== 'header') throw new DumpError('The copy is empty.');
  const header = first.value.header;
  await checkCompatible(header);
  const loadedAt = header.migrations[header.migrations.length - 1]!;

  const client = new pg.Client({ connectionString: options.connectionString });
  client.on('error', () => {});
  await client.connect();
  const session = sessionOf(client);
  try {
    await refuseNonEmpty(session);
    await withKysely(options.connectionString, (db) => migrateTo(db, loadedAt));
    if (header.pgBossSchemaVersion !== null) {
      // Its own BEGIN … COMMIT, so before ours.
      await client.query(getConstructionPlans(PGBOSS_SCHEMA));
    }
    await session.query('begin');
    // Rows go back as they were: no trigger (the audit log's append-only guard, the case-key triggers) and
    // no foreign key check fires, and the order tables load in does not matter.
    await session.query('set local session_replication_role = replica');
    const rows = await loadRows(session, header, items, options);
    await session.query('commit');
    const migratedSince = await withKysely(options.connectionString, (db) => migrateToLatest(db));
    await session.query('analyze');
    return { tables: header.tables.length, rows, loadedAt, migratedSince };
  } catch (error) {
    await session.query('rollback').catch(() => {});
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Puts a copy's rows into a database whose tables already match it (run inside a transaction with
 * session_replication_role = replica): partitions the copy had, its rows in place of any there, its sequence
 * values. Returns the number of rows loaded.
 */
export async function loadRows(
  session: SqlSession,
  header: DumpHeader,
  items: AsyncIterable<DumpItem>,
  options: { batchRows?: number; batchBytes?: number } = {},
): Promise<number> {
  await prepareTables(session, header);
  let rows = 0;
  let batch: string[] = [];
  let batchBytes = 0;
  let table: DumpTable | undefined;
  const maxRows = options.batchRows ?? 1000;
  const maxBytes = options.batchBytes ?? 4 * 1024 * 1024;
  const flush = async () => {
    if (table && batch.length > 0) await insertRows(session, table, batch);
    rows += batch.length;
    batch = [];
    batchBytes = 0;
  };
  let ended = false;
  for await (const item of items) {
    switch (item.kind) {
      case 'header':
        throw new DumpError('The copy is damaged (a second header).');
      case 'table':
        await flush();
        table = item.table;
        break;
      case 'row':
        batch.push(item.json);
        batchBytes += item.json.length;
        if (batch.length >= maxRows || batchBytes >= maxBytes) await flush();
        break;
      case 'end':
        await flush();
        ended = true;
        break;
    }
  }
  if (!ended) throw new DumpError('The copy ends early.');
  for (const sequence of header.sequences) {
    await session.query(`select setval($1::regclass, $2::bigint, $3::boolean)`, [
      qualified(sequence.schema, sequence.name),
      sequence.lastValue,
      sequence.isCalled,
    ]);
  }
  return rows;
}

async function withKysely<T>(connectionString: string, run: (db: Kysely<unknown>) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString, max: 1 });
  pool.on('error', () => {});
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  try {
    return await run(db);
  } finally {
    await db.destroy();
  }
}

async function refuseNonEmpty(session: SqlSession): Promise<void> {
  const [found] = await session.query(`
    select count(*)::int as tables from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in (${SCHEMA_LIST}) and c.relkind in ('r', 'p')`);
  const [boss] = await session.query(
    `select count(*)::int as schemas from pg_namespace where nspname = 'pgboss'`,
  );
  if (Number(found?.tables) > 0 || Number(boss?.schemas) > 0) {
    throw new DumpError('A copy only goes into an empty database, and this one already has tables.');
  }
}

/**
 * Makes the target's tables match the copy's: pg-boss's own job tables for queues that have one, the other
 * partitions the copy had, then the same columns of the same types everywhere, and no rows (migrations and
 * pg-boss's install insert a few, which the copy's own replace).
 */
async function prepareTables(session: SqlSession, header: DumpHeader): Promise<void> {
  for (const queue of header.pgBossPartitionedQueues) {
    await session.query(
      `select pgboss.create_queue($1, jsonb_build_object('partition', true, 'policy', $2::text))`,
      [queue.name, queue.policy],
    );
  }
  const existing = await targetTables(session);
  for (const partition of header.partitions) {
    if (existing.has(tableKey(partition))) continue;
    await session.query(
      `create table ${qualified(partition.schema, partition.name)} partition of ` +
        `${qualified(partition.parentSchema, partition.parentName)} ${partition.bound}`,
    );
  }
  const target = await targetTables(session);
  const dumped = new Set(header.tables.map(tableKey));
  for (const table of header.tables) {
    const columns = target.get(tableKey(table));
    if (!columns) {
      throw new DumpError(`Table ${tableKey(table)} is in the copy but not in this Amparo's schema.`);
    }
    // By name, not position: a column a migration added sits last, where a fresh install may put it
    // elsewhere (pg-boss does), and rows go in by column name.
    const here = new Map(columns.columns.map((c) => [c.name, c.type]));
    const same =
      here.size === table.columns.length && table.columns.every((c) => here.get(c.name) === c.type);
    if (!same) throw new DumpError(`Table ${tableKey(table)} has other columns in the copy than here.`);
  }
  for (const [key, table] of target) {
    // Partitions pg-boss made for today and tomorrow may be new; any other table must be in the copy.
    if (!dumped.has(key) && !table.isPartition) {
      throw new DumpError(`Table ${key} is in this Amparo's schema but not in the copy.`);
    }
  }
  for (const table of header.tables)
    await session.query(`delete from only ${qualified(table.schema, table.name)}`);
}

async function targetTables(
  session: SqlSession,
): Promise<Map<string, { columns: DumpColumn[]; isPartition: boolean }>> {
  const rows = await session.query<{
    schema: string;
    name: string;
    is_partition: boolean;
    column: string | null;
    type: string | null;
  }>(`
    select n.nspname as schema, c.relname as name, c.relispartition as is_partition,
           a.attname as column, format_type(a.atttypid, a.atttypmod) as type
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
    where n.nspname in (${SCHEMA_LIST}) and c.relkind = 'r'
    order by n.nspname, c.relname, a.attnum`);
  const tables = new Map<string, { columns: DumpColumn[]; isPartition: boolean }>();
  for (const row of rows) {
    const key = `${row.schema}.${row.name}`;
    const table = tables.get(key) ?? { columns: [], isPartition: row.is_partition };
    if (row.column !== null) table.columns.push({ name: row.column, type: row.type ?? '' });
    tables.set(key, table);
  }
  return tables;
}

/** One INSERT of rows (row_to_json texts) into a table, through json_populate_recordset. */
export async function insertRows(session: SqlSession, table: DumpTable, rows: string[]): Promise<void> {
  const name = qualified(table.schema, table.name);
  const columns = table.columns.map((c) => quoteIdentifier(c.name)).join(', ');
  try {
    await session.query(
      `insert into ${name} (${columns}) overriding system value
       select ${columns} from json_populate_recordset(null::${name}, $1::json)`,
      [`[${rows.join(',')}]`],
    );
  } catch (error) {
    // PostgreSQL's message and detail can quote the failing value; only the code and constraint are kept.
    const { code, constraint } = error as { code?: string; constraint?: string };
    throw new DumpError(
      `Rows of table ${tableKey(table)} could not be loaded (PostgreSQL error ${code ?? 'unknown'}` +
        `${constraint ? `, constraint ${constraint}` : ''}).`,
    );
  }
}
