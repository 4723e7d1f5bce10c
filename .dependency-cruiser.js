// The import rules of src/ (npm run check:deps, run by .ci/run). Tests and test helpers are not cruised: they may
// reach into any module to set up data. Type-only imports count like any other import: they tie files together
// for the reader and the compiler all the same, and every cycle they made could be broken by moving a type.
//
// The layers: src/app and src/cli assemble everything; src/modules holds the domain modules; the lower layers
// (config, crypto, db, geo, http, i18n, integrations, jobs, phone) serve the modules and do not know them.

const LOWER_LAYERS = '^src/(config|crypto|db|geo|http|i18n|integrations|jobs|phone)/';
const TESTS = '(\\.test\\.ts|\\.test-helpers\\.ts|\\.testing\\.ts)$';

// ---------------------------------------------------------------------------------------------------------------
// TEMPORARY ALLOW-LIST (issue 13). The imports below break a rule today; other branches of issue 13 remove them.
// Each entry is one importing file and exactly the files it may still import. Empty these lists once those
// branches are merged, then delete them. Never add to them: fix the import instead.
// ---------------------------------------------------------------------------------------------------------------
const TEMPORARY_ALLOWED = {
  'no-other-modules-repository': {
    'src/modules/alerts/alerts.delivery-run.ts': ['src/modules/sms/unreachable-numbers.repository.ts'],
    'src/modules/alerts/alerts.service.ts': ['src/modules/incidents/incidents.repository.ts'],
    'src/modules/case-support/case-support.attorneys.ts': ['src/modules/cases/cases.repository.ts'],
    'src/modules/case-support/case-support.bond.ts': ['src/modules/cases/cases.repository.ts'],
    'src/modules/case-support/case-support.merge.ts': ['src/modules/cases/cases.repository.ts'],
    'src/modules/case-support/case-support.outcome.ts': ['src/modules/cases/cases.repository.ts'],
    'src/modules/case-support/case-support.repository.ts': ['src/modules/cases/cases.repository.ts'],
    'src/modules/case-support/case-support.tasks.ts': ['src/modules/cases/cases.repository.ts'],
    'src/modules/case-tracking/case-tracking.reminders.ts': ['src/modules/sms/sms.repository.ts'],
    'src/modules/case-tracking/case-tracking.repository.ts': ['src/modules/cases/cases.repository.ts'],
    'src/modules/cases/cases.family.ts': ['src/modules/sms/sms.repository.ts'],
    'src/modules/cases/cases.service.ts': ['src/modules/voice/voice.repository.ts'],
    'src/modules/dispatch/dispatch.service.ts': ['src/modules/sms/sms.repository.ts'],
    'src/modules/incidents/incidents.feed.ts': ['src/modules/reports/reports.repository.ts'],
    'src/modules/incidents/incidents.service.ts': ['src/modules/reports/reports.repository.ts'],
    'src/modules/sms/sms.opt-outs.ts': ['src/modules/subscriptions/subscriptions.repository.ts'],
    'src/modules/subscriptions/subscriptions.service.ts': [
      'src/modules/sms/sms.repository.ts',
      'src/modules/sms/unreachable-numbers.repository.ts',
    ],
  },
  'lower-layers-do-not-import-modules': {
    // The navigation asks each module's policy what a role may see (navigation moves into the modules).
    'src/http/layout.ts': [
      'src/modules/alerts/alerts.policy.ts',
      'src/modules/case-support/case-support.policy.ts',
      'src/modules/case-tracking/case-tracking.policy.ts',
      'src/modules/cases/cases.policy.ts',
      'src/modules/dispatch/dispatch.policy.ts',
      'src/modules/incidents/incidents.policy.ts',
      'src/modules/outbox/outbox.policy.ts',
      'src/modules/reports/reports.policy.ts',
      'src/modules/sms/sms.policy.ts',
      'src/modules/voice/voice.policy.ts',
    ],
    'src/integrations/messaging/console-outbox.ts': ['src/modules/outbox/outbox.repository.ts'],
    'src/integrations/messaging/create-sms-sender.ts': [
      'src/modules/provider-retention/provider-retention.service.ts',
      'src/modules/sms/sms.opt-outs.ts',
      'src/modules/sms/unreachable-numbers.repository.ts',
    ],
  },
};

const exactly = (file) => `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;

/**
 * A rule, with its temporary exceptions carved out: the rule itself no longer looks at the excepted importing
 * files, and each of those gets its own copy of the rule that lets through only its listed imports.
 */
function withTemporaryExceptions(rule, ownPath) {
  const allowed = TEMPORARY_ALLOWED[rule.name] ?? {};
  const files = Object.keys(allowed);
  if (files.length === 0) return [rule];
  return [
    { ...rule, from: { ...rule.from, pathNot: files.map(exactly) } },
    ...files.map((file) => ({
      ...rule,
      comment: `${rule.comment} (${file}: TEMPORARY exceptions in TEMPORARY_ALLOWED)`,
      from: { path: exactly(file) },
      to: {
        path: rule.to.path,
        pathNot: [...allowed[file].map(exactly), ...(ownPath ? [ownPath(file)] : [])],
      },
    })),
  ];
}

const moduleOf = (file) => `^src/modules/${file.split('/')[2]}/`;

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
    ...withTemporaryExceptions(
      {
        name: 'no-other-modules-repository',
        comment:
          "A module never imports another module's *.repository.ts: it calls that module's service or read-only " +
          'queries (the owner of a table is the only one to query it).',
        severity: 'error',
        from: { path: '^src/modules/([^/]+)/' },
        to: { path: '^src/modules/[^/]+/[^/]*\\.repository\\.ts$', pathNot: '^src/modules/$1/' },
      },
      moduleOf,
    ),
    ...withTemporaryExceptions({
      name: 'lower-layers-do-not-import-modules',
      comment:
        'config, crypto, db, geo, http, i18n, integrations, jobs and phone serve the domain modules and do not ' +
        'import them (a module registers what a lower layer must call, as with registerMessageStatusHandler).',
      severity: 'error',
      from: { path: LOWER_LAYERS },
      to: { path: '^src/modules/' },
    }),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: TESTS },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
