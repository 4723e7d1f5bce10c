// node scripts/longest-functions.ts [count]: the longest functions in src/ (outside tests), by lines from the
// first line of the function to its last, nested functions counted on their own too.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(import.meta.dirname, '..');
const count = Number(process.argv[2] ?? 5);

interface Found {
  name: string;
  file: string;
  start: number;
  lines: number;
}

function nameOf(node: ts.SignatureDeclaration): string {
  if (node.name && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name))) return node.name.text;
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isCallExpression(parent)) {
    const callee = parent.expression.getText();
    const first = parent.arguments[0];
    const label = first && ts.isStringLiteralLike(first) ? ` ${first.text}` : '';
    return `(callback of ${callee}${label})`;
  }
  return '(anonymous)';
}

const found: Found[] = [];
const files = readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts') && !/\.(test|test-helpers|testing)\.ts$/.test(file))
  .sort();
for (const relative of files) {
  const file = path.join('src', relative);
  const source = ts.createSourceFile(
    file,
    readFileSync(path.join(root, file), 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      found.push({ name: nameOf(node), file, start, lines: end - start + 1 });
    }
    node.forEachChild(visit);
  };
  visit(source);
}

found.sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file));
for (const { name, file, start, lines } of found.slice(0, count)) {
  console.log(`${String(lines).padStart(5)} lines  ${name}  ${file}:${start}`);
}
