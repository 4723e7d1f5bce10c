// Journey: the pages of need-to-know for detained-person follow-ups and hidden cases, in a real Chromium at a
// phone's and a desktop's width, in English and Spanish, without JavaScript (axe-core runs with it on): the
// intake team's follow-up list and a legal user's outside it, the team page where an admin makes a team the
// legal intake team, the coordinator's duplicate checks, a case opened from a follow-up with the family's
// call in it, and the report page a dispatcher sees for such a call. Set AMPARO_E2E_SHOTS to a directory to
// keep screenshots.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { makeLegalIntakeTeam } from '../../src/modules/cases/legal-intake.test-helpers.ts';
import { createTestTeam } from '../../src/modules/cases/cases.test-helpers.ts';
import { postForm, storeReport } from '../../src/modules/incidents/incidents.test-helpers.ts';
import { insertFollowup } from '../../src/modules/voice/voice.repository.ts';
import { createStaffSession, type StaffSession } from '../support/staff.ts';
import {
  axeViolations,
  closeAll,
  launchBrowser,
  serveApp,
  signedInContext,
  type ServedApp,
} from './browser.ts';

const FAMILY_PHONE = '+17735550177';
const SIZES = [
  { width: 375, height: 812 },
  { width: 1440, height: 900 },
];
const shots = process.env.AMPARO_E2E_SHOTS;

describe('legal intake pages', () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;
  let intake: StaffSession;
  let outsider: StaffSession;
  let admin: StaffSession;
  let dispatcher: StaffSession;
  let teamId: string;
  let caseId: string;
  let followupReportId: string;

  before(async () => {
    browser = await launchBrowser();
    served = await serveApp();
    const { context } = served;
    intake = await createStaffSession(context, ['legal']);
    outsider = await createStaffSession(context, ['legal']);
    admin = await createStaffSession(context, ['admin']);
    dispatcher = await createStaffSession(context, ['dispatcher']);
    teamId = await makeLegalIntakeTeam(context, [intake.userId], intake.userId);
    await createTestTeam(context, 'South legal', [outsider.userId]);

    // Two family calls: one stays a follow-up, the other becomes a case.
    for (const open of [false, true]) {
      const report = await storeReport(context, {
        channel: 'voice',
        language: 'es',
        callbackPhone: FAMILY_PHONE,
      });
      const taskId = randomUUID();
      await insertFollowup(context.db, {
        id: taskId,
        report_id: report.id,
        language: 'es',
        created_at: context.clock.now(),
      });
      if (!open) {
        followupReportId = report.id;
        continue;
      }
      const res = await postForm(served.app, intake, '/console/cases', {
        name: 'Rosa Intake',
        a_number: '012987654',
        task_id: taskId,
      });
      assert.equal(res.statusCode, 303, res.body);
      caseId = /\/console\/cases\/([0-9a-f-]{36})/.exec(String(res.headers.location))![1]!;
    }
    // Someone of another team opens a case for the same A-number: the coordinator is told.
    const probe = await postForm(served.app, outsider, '/console/cases', {
      name: 'Rosa I.',
      a_number: '012987654',
    });
    assert.equal(probe.statusCode, 303);
  });
  after(async () => closeAll(browser, served));

  const pages = () => [
    { name: 'followups', who: intake, url: '/console/followups', expect: 'table.followups' },
    { name: 'followups-outside', who: outsider, url: '/console/followups', expect: '#followups-not-intake' },
    { name: 'team', who: admin, url: `/console/teams/${teamId}`, expect: 'form[action$="/intake"]' },
    { name: 'checks', who: intake, url: '/console/cases', expect: '#duplicate-checks' },
    { name: 'case', who: intake, url: `/console/cases/${caseId}`, expect: '#case-hotline' },
    {
      name: 'report',
      who: dispatcher,
      url: `/console/reports/${followupReportId}`,
      expect: '#for-legal-intake',
    },
  ];

  for (const lang of ['en', 'es'] as const) {
    test(`every page works without JavaScript and passes axe-core, in ${lang}, at both widths`, async () => {
      if (shots) await mkdir(shots, { recursive: true });
      for (const target of pages()) {
        for (const size of SIZES) {
          for (const javaScriptEnabled of [false, true]) {
            const context = await signedInContext(browser!, served!.baseUrl, target.who, {
              locale: lang === 'es' ? 'es-US' : 'en-US',
              viewport: size,
              javaScriptEnabled,
            });
            const page = await context.newPage();
            const res = await page.goto(`${served!.baseUrl}${target.url}?lang=${lang}`);
            assert.equal(res?.status(), 200, `${target.name} answers`);
            assert.equal(await page.locator(target.expect).count(), 1, `${target.name}: ${target.expect}`);
            const overflow = await page.evaluate(
              () => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1,
            );
            // The follow-up and case lists are wide tables that scroll sideways on a phone, as every list does.
            if (!['followups', 'checks'].includes(target.name) || size.width > 375) {
              assert.ok(!overflow, `${target.name} fits ${size.width}px`);
            }
            if (javaScriptEnabled) {
              assert.deepEqual(await axeViolations(page), [], `${target.name} ${lang} ${size.width}`);
            } else if (shots) {
              await page.screenshot({
                path: path.join(shots, `${target.name}-${lang}-${size.width}.png`),
                fullPage: true,
              });
            }
            await context.close();
          }
        }
      }
    });
  }
});
