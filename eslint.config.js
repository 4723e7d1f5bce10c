// Type-aware lint: the rules that matter most here are the ones that catch unawaited promises (a lost
// write) and non-exhaustive switches (a new status nobody handles).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const sqlOnlyInRepositories =
  'SQL lives in a *.repository.ts file of the module that owns the table (ARCHITECTURE.md).';

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'scratch/**', 'src/http/assets/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/test return promises the runner itself tracks.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'test', 'it', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: false },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
      // Many async functions implement promise-returning interfaces without awaiting; that is fine.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['src/cli/**', 'bench/**', 'scripts/**', 'test/**', '**/*.test.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // Tests read untyped JSON bodies from responses; asserting on them is the point.
    files: ['bench/**', 'test/**', '**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    // Plain configuration in JavaScript, not part of the TypeScript program.
    files: ['.dependency-cruiser.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Queries only in repositories: a module's other files call its repository (or another module's service).
    files: ['src/modules/**/*.ts'],
    ignores: [
      'src/modules/**/*.repository.ts',
      'src/modules/**/*.test.ts',
      'src/modules/**/*.test-helpers.ts',
      'src/modules/**/*.testing.ts',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[callee.property.name=/^(selectFrom|insertInto|updateTable|deleteFrom|mergeInto|replaceInto|selectNoFrom|withRecursive)$/]',
          message: `A Kysely query outside a repository. ${sqlOnlyInRepositories}`,
        },
        {
          selector: "CallExpression[callee.property.name='with'][arguments.0.type='Literal'][arguments.1]",
          message: `A Kysely common table expression outside a repository. ${sqlOnlyInRepositories}`,
        },
        {
          selector: "TaggedTemplateExpression[tag.name='sql'], MemberExpression[object.name='sql']",
          message: `Raw SQL outside a repository. ${sqlOnlyInRepositories}`,
        },
      ],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'kysely',
              importNames: ['sql'],
              allowTypeImports: true,
              message: `Raw SQL outside a repository. ${sqlOnlyInRepositories}`,
            },
          ],
        },
      ],
    },
  },
);
