// One owner per table, checked. Pure functions over source text (no file system, no database), so that the
// unit tests can feed them small synthetic sources and see them fail; table-ownership.test.ts feeds them src/.
import ts from 'typescript';

/** Kysely calls whose first argument names a table (`'reports'`, `'reports as r'`, or a list of those). */
const TABLE_BUILDERS = new Set([
  'selectFrom',
  'insertInto',
  'updateTable',
  'deleteFrom',
  'mergeInto',
  'replaceInto',
  'innerJoin',
  'leftJoin',
  'rightJoin',
  'fullJoin',
  'innerJoinLateral',
  'leftJoinLateral',
  'crossJoin',
]);
/** Calls that start a query: a 'table.column' string anywhere inside one of their chains names a table. */
const QUERY_STARTS = new Set([
  'selectFrom',
  'insertInto',
  'updateTable',
  'deleteFrom',
  'mergeInto',
  'replaceInto',
]);
/** In raw SQL (a `sql` template): the word before a table name. */
const RAW_SQL_TABLE = /\b(?:from|join|into|update)\s+"?([a-z_][a-z0-9_]*)"?/gi;

export interface TableReference {
  table: string;
  line: number;
  how: 'query builder' | 'table.column' | 'table field' | 'blind index' | 'raw sql';
}

/** The tables of the schema with their columns: `{ users: ['id', 'email_ciphertext', …], … }`. */
export type SchemaColumns = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * Reads the `Database` interface of src/db/schema.ts and each table interface it names: table → column names.
 */
export function schemaColumns(schemaSource: string): SchemaColumns {
  const file = ts.createSourceFile('schema.ts', schemaSource, ts.ScriptTarget.Latest, true);
  const interfaces = new Map<string, ts.InterfaceDeclaration>();
  file.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node)) interfaces.set(node.name.text, node);
  });
  const database = interfaces.get('Database');
  if (!database) throw new Error('schema has no Database interface');
  const columns = new Map<string, ReadonlySet<string>>();
  for (const member of database.members) {
    if (!ts.isPropertySignature(member) || !member.type || !ts.isTypeReferenceNode(member.type)) continue;
    const table = propertyName(member.name);
    const shape = interfaces.get(member.type.typeName.getText(file));
    if (!table || !shape) throw new Error(`schema: cannot read the columns of ${member.getText(file)}`);
    columns.set(
      table,
      new Set(shape.members.flatMap((column) => (column.name ? [propertyName(column.name) ?? ''] : []))),
    );
  }
  return columns;
}

/**
 * Every place a source file names a table: as a query builder's table, as 'table.column' inside a query or a
 * blind-index name, as `table: '<name>'` (an encrypted field's binding), or after from/join/into/update in a
 * `sql` template. A 'table.column' string counts only when the column is one of that table's (or its blind index
 * or ciphertext), so that message keys such as 'alerts.error_choose' are not taken for columns.
 */
export function tableReferences(fileName: string, source: string, schema: SchemaColumns): TableReference[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const found: TableReference[] = [];
  const seen = new Set<string>();
  const add = (table: string, node: ts.Node, how: TableReference['how']) => {
    const key = `${node.getStart(file)} ${table}`;
    if (!schema.has(table) || seen.has(key)) return;
    seen.add(key);
    found.push({ table, line: file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1, how });
  };
  const tableColumn = (text: string): string | undefined => {
    const match = /^([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)$/.exec(text);
    if (!match) return undefined;
    const [, table = '', column = ''] = match;
    const columns = schema.get(table);
    if (!columns) return undefined;
    return columns.has(column) || columns.has(`${column}_index`) || columns.has(`${column}_ciphertext`)
      ? table
      : undefined;
  };

  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const called = calledName(node);
      if (called && TABLE_BUILDERS.has(called)) {
        for (const name of tableArguments(node.arguments[0]))
          add(name.text.split(/\s+as\s+/)[0] ?? '', name, 'query builder');
      }
      if (called === 'table' && isSqlMember(node.expression)) {
        for (const name of tableArguments(node.arguments[0])) add(name.text, name, 'raw sql');
      }
      if (called === 'ref' && isSqlMember(node.expression)) {
        const first = node.arguments[0];
        const table = first && ts.isStringLiteralLike(first) ? tableColumn(first.text) : undefined;
        if (first && table) add(table, first, 'table.column');
      }
      if (called === 'index' || called === 'blindIndex') {
        const first = node.arguments[0];
        if (first && ts.isStringLiteralLike(first)) {
          const table = tableColumn(first.text);
          if (table) add(table, first, 'blind index');
        }
      }
    } else if (ts.isStringLiteralLike(node) && !ts.isTaggedTemplateExpression(node.parent)) {
      const table = tableColumn(node.text);
      if (table && insideQuery(node)) add(table, node, 'table.column');
    } else if (
      ts.isPropertyAssignment(node) &&
      propertyName(node.name) === 'table' &&
      ts.isStringLiteralLike(node.initializer)
    ) {
      add(node.initializer.text, node.initializer, 'table field');
    } else if (ts.isTaggedTemplateExpression(node) && isSqlTag(node.tag)) {
      const text = ts.isNoSubstitutionTemplateLiteral(node.template)
        ? node.template.text
        : [node.template.head.text, ...node.template.templateSpans.map((span) => span.literal.text)].join(
            ' ? ',
          );
      for (const match of text.matchAll(RAW_SQL_TABLE)) add(match[1] ?? '', node, 'raw sql');
    }
    node.forEachChild(visit);
  };
  visit(file);
  return found;
}

export interface OwnedFile {
  path: string;
  /** The module the file belongs to (its directory under src/modules). */
  module: string;
  source: string;
}

export interface CrossOwnerReference extends TableReference {
  path: string;
  module: string;
  owner: string;
}

/** Each table named by a module's file that the module does not own. */
export function crossOwnerReferences(
  files: readonly OwnedFile[],
  owners: ReadonlyMap<string, string>,
  schema: SchemaColumns,
): CrossOwnerReference[] {
  return files.flatMap((file) =>
    tableReferences(file.path, file.source, schema).flatMap((reference) => {
      const owner = owners.get(reference.table) ?? '(nobody)';
      return owner === file.module ? [] : [{ ...reference, path: file.path, module: file.module, owner }];
    }),
  );
}

/**
 * Every table of the schema has exactly one owner, and owners declare only tables of the schema. Returns the
 * owner of each table and the problems found.
 */
export function tableOwners(
  tables: Iterable<string>,
  declared: ReadonlyMap<string, readonly string[]>,
): { owners: Map<string, string>; problems: string[] } {
  const known = new Set(tables);
  const ownersOf = new Map<string, string[]>();
  const problems: string[] = [];
  for (const [owner, owned] of declared) {
    for (const table of owned) {
      if (!known.has(table)) problems.push(`${owner} declares table ${table}, which is not in the schema`);
      ownersOf.set(table, [...(ownersOf.get(table) ?? []), owner]);
    }
  }
  const owners = new Map<string, string>();
  for (const table of known) {
    const list = ownersOf.get(table) ?? [];
    if (list.length === 0) problems.push(`table ${table} has no owner`);
    if (list.length > 1) problems.push(`table ${table} has ${list.length} owners: ${list.join(', ')}`);
    if (list[0] !== undefined) owners.set(table, list[0]);
  }
  return { owners, problems };
}

function propertyName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteralLike(name) ? name.text : undefined;
}

function calledName(call: ts.CallExpression): string | undefined {
  const callee = call.expression;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  if (ts.isIdentifier(callee)) return callee.text;
  return undefined;
}

function tableArguments(argument: ts.Expression | undefined): ts.StringLiteralLike[] {
  if (!argument) return [];
  if (ts.isStringLiteralLike(argument)) return [argument];
  if (ts.isArrayLiteralExpression(argument)) return argument.elements.filter(ts.isStringLiteralLike);
  return [];
}

/** Whether a node sits inside the arguments of a call chained on a query start (db.selectFrom(…).where(…)). */
function insideQuery(node: ts.Node): boolean {
  for (let at: ts.Node | undefined = node.parent; at; at = at.parent) {
    if (ts.isCallExpression(at) && chainStartsQuery(at.expression)) return true;
    if (ts.isSourceFile(at)) return false;
  }
  return false;
}

function chainStartsQuery(expression: ts.Expression): boolean {
  for (let at: ts.Expression = expression; ;) {
    if (ts.isPropertyAccessExpression(at)) {
      if (QUERY_STARTS.has(at.name.text)) return true;
      at = at.expression;
    } else if (ts.isCallExpression(at) || ts.isNonNullExpression(at) || ts.isParenthesizedExpression(at)) {
      at = at.expression;
    } else if (ts.isAwaitExpression(at)) {
      at = at.expression;
    } else {
      return ts.isIdentifier(at) && QUERY_STARTS.has(at.text);
    }
  }
}

function isSqlMember(callee: ts.Expression): boolean {
  return ts.isPropertyAccessExpression(callee) && isSqlTag(callee.expression);
}

function isSqlTag(tag: ts.Expression): boolean {
  return ts.isIdentifier(tag) && tag.text === 'sql';
}
