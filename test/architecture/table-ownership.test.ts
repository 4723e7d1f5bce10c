// One owner per table: every table of src/db/schema.ts is declared by exactly one owner (a module's `tables` in
// its *.module.ts, or NON_MODULE_TABLE_OWNERS), and a module's source files name only the tables it owns.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { NON_MODULE_TABLE_OWNERS } from '../../src/db/non-module-tables.ts';
import { DOMAIN_MODULES } from '../../src/modules/index.ts';
import { crossOwnerReferences, schemaColumns, tableOwners, type OwnedFile } from './table-ownership.ts';

const root = path.resolve(import.meta.dirname, '../..');
const modulesDir = path.join(root, 'src/modules');
const isTestFile = (name: string) => /\.(test|test-helpers|testing)\.ts$/.test(name);

function moduleFiles(): OwnedFile[] {
  return readdirSync(modulesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) =>
      readdirSync(path.join(modulesDir, entry.name), { recursive: true, withFileTypes: true })
        .filter((file) => file.isFile() && file.name.endsWith('.ts') && !isTestFile(file.name))
        .map((file) => {
          const full = path.join(file.parentPath, file.name);
          return {
            path: path.relative(root, full),
            module: entry.name,
            source: readFileSync(full, 'utf8'),
          };
        }),
    );
}

const schema = schemaColumns(readFileSync(path.join(root, 'src/db/schema.ts'), 'utf8'));

function declaredOwners(): Map<string, readonly string[]> {
  return new Map<string, readonly string[]>([
    ...DOMAIN_MODULES.map((module) => [module.name, module.tables] as const),
    ...Object.entries(NON_MODULE_TABLE_OWNERS),
  ]);
}

describe('table ownership in src/', () => {
  test('every table of the schema has exactly one owner', () => {
    assert.ok(schema.size > 40, `read ${schema.size} tables from schema.ts`);
    const { problems } = tableOwners(schema.keys(), declaredOwners());
    assert.deepEqual(problems, []);
  });

  test('every directory of src/modules is a registered module (so its files have an owner to check against)', () => {
    const directories = readdirSync(modulesDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    assert.deepEqual(directories, DOMAIN_MODULES.map((module) => module.name).sort());
  });

  test("a module's files name only the tables it owns", () => {
    const { owners } = tableOwners(schema.keys(), declaredOwners());
    const found = crossOwnerReferences(moduleFiles(), owners, schema);
    const details = found.map((r) => `${r.path}:${r.line} ${r.how} ${r.table} (owner ${r.owner})`);
    assert.deepEqual(details, [], `references to another owner's table:\n${details.join('\n')}`);
  });
});

describe('the table-ownership checker', () => {
  const tiny = schemaColumns(`
    export interface ReportsTable { id: string; status: string; callback_phone_ciphertext: string; callback_phone_index: string }
    export interface UsersTable { id: string; email_ciphertext: string; email_index: string }
    export interface Database { reports: ReportsTable; users: UsersTable }
  `);
  const owners = new Map([
    ['reports', 'reports'],
    ['users', 'auth'],
  ]);
  const check = (source: string, module = 'reports') =>
    crossOwnerReferences([{ path: `src/modules/${module}/x.ts`, module, source }], owners, tiny).map(
      (r) => `${r.how} ${r.table}`,
    );

  test("finds a module reading another owner's table through the query builder", () => {
    assert.deepEqual(check(`export const q = (db) => db.selectFrom('users').select('id').execute();`), [
      'query builder users',
    ]);
    assert.deepEqual(check(`db.selectFrom('reports as r').innerJoin('users as u', 'u.id', 'r.id')`), [
      'query builder users',
    ]);
    assert.deepEqual(check(`db.updateTable('users').set({ id: 'x' })`), ['query builder users']);
    assert.deepEqual(check(`db.deleteFrom(['users'])`), ['query builder users']);
  });

  test("finds 'table.column' strings inside a query, and not elsewhere", () => {
    assert.deepEqual(
      check(
        `db.selectFrom('reports').where((eb) => eb.exists(eb.selectFrom('x').whereRef('users.id', '=', 'reports.id')))`,
      ),
      ['table.column users'],
    );
    assert.deepEqual(check(`t('users.email'); const key = 'users.id';`), []);
    assert.deepEqual(check(`db.selectFrom('reports').where('users.unknown_column', '=', 1)`), []);
  });

  test('finds encrypted field bindings and blind-index names of another owner', () => {
    assert.deepEqual(check(`fields.decrypt({ table: 'users', column: 'email', rowId }, value)`), [
      'table field users',
    ]);
    assert.deepEqual(check(`context.secrets.blindIndex.index('users.email', email)`), ['blind index users']);
    assert.deepEqual(check(`context.secrets.blindIndex.index('reports.callback_phone', phone)`), []);
  });

  test('finds raw SQL naming another owner’s table', () => {
    assert.deepEqual(check('const rows = sql`select id from users where id = ${id}`;'), ['raw sql users']);
    assert.deepEqual(check('sql<{ n: number }>`delete from reports r using users u where u.id = r.id`'), []);
    assert.deepEqual(check('sql`update users set id = ${x}`'), ['raw sql users']);
    assert.deepEqual(check('sql`insert into reports select * from users`'), ['raw sql users']);
    assert.deepEqual(check('db.selectFrom(sql.table("users").as("u"))'), ['raw sql users']);
    assert.deepEqual(check("db.selectFrom('reports').select(sql.ref('users.id').as('x'))"), [
      'table.column users',
    ]);
  });

  test("a module's own tables pass", () => {
    assert.deepEqual(check(`db.selectFrom('users').where('users.id', '=', id)`, 'auth'), []);
  });

  test('reports a table with no owner, two owners, or an owner naming a table not in the schema', () => {
    const { problems } = tableOwners(
      ['reports', 'users', 'teams'],
      new Map([
        ['reports', ['reports', 'users']],
        ['auth', ['users', 'passwords']],
      ]),
    );
    assert.deepEqual(problems, [
      'auth declares table passwords, which is not in the schema',
      'table users has 2 owners: reports, auth',
      'table teams has no owner',
    ]);
  });
});
