// The import rules of src/ (npm run check:deps, run by .ci/run). Tests and test helpers are not cruised: they may
// reach into any module to set up data. Type-only imports count like any other import: they tie files together
// for the reader and the compiler all the same, and every cycle they made could be broken by moving a type.
//
// The layers: src/app and src/cli assemble everything; src/modules holds the domain modules; the lower layers
// (config, crypto, db, geo, http, i18n, integrations, jobs, phone) serve the modules and do not know them.

const LOWER_LAYERS = '^src/(config|crypto|db|geo|http|i18n|integrations|jobs|phone)/';
const TESTS = '(\\.test\\.ts|\\.test-helpers\\.ts|\\.testing\\.ts)$';

export default {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'No import cycle between files of src/ (a cycle makes load order matter and the parts inseparable).',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-other-modules-repository',
      comment:
        "A module never imports another module's *.repository.ts: it calls that module's service or read-only " +
        'queries (the owner of a table is the only one to query it).',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/[^/]+/[^/]*\\.repository\\.ts$', pathNot: '^src/modules/$1/' },
    },
    {
      name: 'no-other-modules-routes-or-jobs',
      comment:
        "A module never imports another module's *.routes.ts or *.jobs.ts: routes and job handlers are reached " +
        "over HTTP and the job queue, and what they call lives in that module's service.",
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/[^/]+/[^/]*\\.(routes|jobs)\\.ts$', pathNot: '^src/modules/$1/' },
    },
    {
      name: 'lower-layers-do-not-import-modules',
      comment:
        'config, crypto, db, geo, http, i18n, integrations, jobs and phone serve the domain modules and do not ' +
        'import them (a module registers what a lower layer must call, as with registerMessageStatusHandler).',
      severity: 'error',
      from: { path: LOWER_LAYERS },
      to: { path: '^src/modules/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: TESTS },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
