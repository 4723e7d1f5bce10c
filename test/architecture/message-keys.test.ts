// A missing message key is a test failure, never a 500: every key the source names, literally or built from a
// template (`alerts.kind_${kind}`), is in every language's catalogue. TypeScript checks literal keys passed to
// t(), and keys built from a template of a typed union (`cases.status_${status}`); keys cast `as MessageKey`
// escape it, so each such template's possible values are listed here, and a new one nobody listed fails this
// test until its values are.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { SUPPORTED_LANGUAGES } from '../../src/config/config.ts';
import {
  DEPENDENT_NEEDS,
  ALERT_KINDS,
  DISPATCH_STATUSES,
  IDENTIFIED_BY,
  OBSERVATION_KINDS,
  INCIDENT_STATUSES,
  INCIDENT_TYPES,
  REPORT_ACTIVITIES,
  REPORT_AGENCIES,
  REPORT_CHANNELS,
  REPORT_SEEN_WHEN,
  REPORT_SOURCES,
  REPORT_STATUSES,
  ROLES,
  SUPPORT_TASK_KINDS,
  SUPPORT_TASK_STATUSES,
  VERIFICATION_OUTCOMES,
} from '../../src/db/schema.ts';
import { CATALOGS } from '../../src/i18n/i18n.ts';
import { ADVICE_OPTIONS, WHAT_OPTIONS } from '../../src/modules/alerts/alerts.templates.ts';
import {
  BOND_ELIGIBILITIES,
  BOND_SETTERS,
  OUTCOMES,
  RELEASE_KINDS,
} from '../../src/modules/case-support/case-support.schemas.ts';
import { CONFLICT_REASONS } from '../../src/modules/case-support/case-support.ranking.ts';
import {
  HEARING_KINDS,
  HEARING_RESULTS,
  RELEASE_KINDS as TRACKING_RELEASE_KINDS,
} from '../../src/modules/case-tracking/case-tracking.schemas.ts';
import { TIME_FILTERS } from '../../src/modules/incidents/incidents.schemas.ts';
import { OPERATION_MEASURES } from '../../src/modules/operations/operations.counts.ts';

const root = path.resolve(import.meta.dirname, '../..');

function sourceFiles(): { file: string; text: string }[] {
  return readdirSync(path.join(root, 'src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !/\.test\.ts$/.test(entry.name))
    .map((entry) => {
      const full = path.join(entry.parentPath, entry.name);
      return { file: path.relative(root, full), text: readFileSync(full, 'utf8') };
    });
}

const flat = (options: Record<string, readonly string[]>) => [...new Set(Object.values(options).flat())];

/** Every template a key is built from, and the values its placeholder can take. */
const TEMPLATE_VALUES: Record<string, readonly string[]> = {
  'alerts.kind_': ALERT_KINDS,
  'alerts.kind_hint_': ALERT_KINDS,
  'alerts.rule_': ALERT_KINDS,
  'alerts.sms_': ALERT_KINDS,
  'alerts.status_': ['draft', 'approved', 'sending', 'sent', 'cancelled'],
  'alerts.what_': flat(WHAT_OPTIONS),
  'alerts.advice_': flat(ADVICE_OPTIONS),
  'alerts.progress_': ['queued', 'sending', 'sent', 'delivered', 'failed', 'undeliverable'],
  'case_support.eligibility_': BOND_ELIGIBILITIES,
  'case_support.set_by_': BOND_SETTERS,
  'case_support.outcome_': OUTCOMES,
  'case_support.release_': RELEASE_KINDS,
  'case_support.conflict_': CONFLICT_REASONS,
  'case_support.task_kind_': SUPPORT_TASK_KINDS,
  'case_support.task_status_': SUPPORT_TASK_STATUSES,
  'case_tracking.hearing_kind_': HEARING_KINDS,
  'case_tracking.hearing_result_': HEARING_RESULTS,
  'case_tracking.release_how_': TRACKING_RELEASE_KINDS,
  'cases.source_': ['hotline', 'incident', 'console'],
  'console.channel_': REPORT_CHANNELS,
  'console.source_': REPORT_SOURCES,
  'console.status_': REPORT_STATUSES,
  'dispatch.incident_status_': INCIDENT_STATUSES,
  'dispatch.incident_type_': INCIDENT_TYPES,
  'dispatch.role_': ROLES,
  'dispatch.status_': DISPATCH_STATUSES,
  'incidents.status_': INCIDENT_STATUSES,
  'incidents.type_': INCIDENT_TYPES,
  'incidents.time_': TIME_FILTERS,
  'report.activity_': REPORT_ACTIVITIES,
  'report.agency_': REPORT_AGENCIES,
  'operations.need_': DEPENDENT_NEEDS,
  'operations.measure_': OPERATION_MEASURES,
  'report.seen_when_': REPORT_SEEN_WHEN,
  'verify.agency_': REPORT_AGENCIES,
  'verify.identified_': IDENTIFIED_BY,
  'observations.kind_': OBSERVATION_KINDS,
  'verify.outcome_': VERIFICATION_OUTCOMES,
};

function assertInEveryCatalogue(key: string, where: string): void {
  for (const lang of SUPPORTED_LANGUAGES) {
    assert.ok(
      Object.hasOwn(CATALOGS[lang], key),
      `${where} uses the message "${key}", which the ${lang} catalogue lacks`,
    );
  }
}

test('every message key the source names literally is in every catalogue', () => {
  let checked = 0;
  const literal = /\b(?:t|translate\(\s*[\w.]+\s*,|translator\([^)]*\))\(?\s*'([a-z_]+\.[a-z0-9_.]+)'/g;
  for (const { file, text } of sourceFiles()) {
    for (const [, key] of text.matchAll(literal)) {
      assertInEveryCatalogue(key!, file);
      checked++;
    }
  }
  assert.ok(checked > 500, `found ${checked} literal keys`);
});

test('every key built from a template is in every catalogue, for each value the template can take', () => {
  const templates = new Map<string, string>();
  for (const { file, text } of sourceFiles()) {
    for (const [, prefix] of text.matchAll(/`([a-z_]+\.[a-z0-9_]*)\$\{[^`]*\}` as MessageKey/g)) {
      templates.set(prefix!, file);
    }
  }
  const unlisted = [...templates.keys()].filter((prefix) => !(prefix in TEMPLATE_VALUES));
  assert.deepEqual(unlisted, [], 'message keys built from templates whose values are not listed here');
  for (const [prefix, values] of Object.entries(TEMPLATE_VALUES)) {
    assert.ok(templates.has(prefix), `${prefix} is no longer built anywhere: remove it from this list`);
    for (const value of values) assertInEveryCatalogue(`${prefix}${value}`, templates.get(prefix)!);
  }
});
