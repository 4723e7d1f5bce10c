// Journey: a family calls the hotline (option 3) and a follow-up task appears. An attorney, in a real Chromium
// with JavaScript off and in Spanish, opens a case from that task (the family's number and Spanish come with
// it), adds an attorney who speaks the person's language to the directory and assigns them, sets up a bond
// fund with a deposit, records the bond, pays it from the fund and records the release on bond. The worker
// then texts the family, who consented and chose Spanish, once: in Spanish, with no name, A-number or
// receipt number, and the console outbox shows the text with the number masked.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { textFamilyJob } from '../../src/modules/cases/cases.jobs.ts';
import { queuedJobs } from '../../src/modules/cases/cases.test-helpers.ts';
import { makeLegalIntakeTeam } from '../../src/modules/cases/legal-intake.test-helpers.ts';
import { outboxTextsTo } from '../../src/modules/dispatch/dispatch.test-helpers.ts';
import { storeReport } from '../../src/modules/incidents/incidents.test-helpers.ts';
import { insertFollowup } from '../../src/modules/voice/voice.repository.ts';
import { createStaffSession, type StaffSession } from '../support/staff.ts';
import { closeAll, launchBrowser, serveApp, signedInContext, WAIT_MS, type ServedApp } from './browser.ts';

const FAMILY_PHONE = '+17735550166';
const PERSON_NAME = 'Ixchel Canaria Tum';
const A_NUMBER = 'A-207-334-519';
const ATTORNEY_NAME = 'Abril Sactic Ajpop';
const FUND_NAME = 'Fondo Comunitario de Fianzas';
const RECEIPT = 'RCPT-CANARIA-88231';
/** A week from now: the bond hearing only has to be a date. */
const BOND_HEARING_DATE = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);

async function waitForTexts(served: ServedApp, phone: string, count: number): Promise<string[]> {
  let texts: string[] = [];
  for (let waited = 0; waited < WAIT_MS && texts.length < count; waited += 100) {
    texts = await outboxTextsTo(served.context, phone);
    if (texts.length < count) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return texts;
}

/** The legal team's pages are walked as a Spanish speaker without JavaScript. */
const NO_SCRIPT_SPANISH = { locale: 'es-US', javaScriptEnabled: false };

describe("a case from a hotline call to the family's text", () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;
  let attorney: StaffSession;
  let coordinator: StaffSession;
  let page: Page;
  let caseId: string;
  let fundId: string;
  let paidOn: string;

  before(async () => {
    browser = await launchBrowser();
    served = await serveApp();
    attorney = await createStaffSession(served.context, ['legal']);
    await makeLegalIntakeTeam(served.context, [attorney.userId]);
    coordinator = await createStaffSession(served.context, ['coordinator']);
    page = await (await signedInContext(browser, served.baseUrl, attorney, NO_SCRIPT_SPANISH)).newPage();
  });
  after(async () => closeAll(browser, served));

  test('the attorney opens a case from the hotline follow-up, without JavaScript', async () => {
    const report = await storeReport(served!.context, {
      channel: 'voice',
      language: 'es',
      callbackPhone: FAMILY_PHONE,
    });
    const taskId = randomUUID();
    await insertFollowup(served!.context.db, {
      id: taskId,
      report_id: report.id,
      language: 'es',
      created_at: served!.context.clock.now(),
    });

    await page.goto(`${served!.baseUrl}/console/followups?lang=es`);
    await page.locator(`tr[data-id="${taskId}"] a[href="/console/cases/new?task=${taskId}"]`).click();
    await page.waitForURL(/\/console\/cases\/new\?task=/);
    assert.equal(
      await page.locator('#contact_phone').inputValue(),
      FAMILY_PHONE,
      'the family number came along',
    );
    assert.equal(await page.locator('#contact_language').inputValue(), 'es');

    await page.locator('#name').fill(PERSON_NAME);
    await page.locator('#a_number').fill('207334519');
    await page.locator('#date_of_birth').fill('1991-07-23');
    await page.locator('#person_languages').fill("K'iche', español");
    await page.locator('#contact_name').fill('Carmen Tum');
    await page.locator('#contact_relationship').fill('madre');
    await page.locator('input[name="contact_consent"]').check();
    await page.locator('#case-form button[type="submit"]').click();
    await page.waitForURL(/\/console\/cases\/[0-9a-f-]{36}\?notice=created/);
    caseId = /\/console\/cases\/([0-9a-f-]{36})/.exec(page.url())![1]!;

    const text = await page.locator('main').innerText();
    assert.match(text, /El caso está abierto/);
    assert.ok(text.includes(PERSON_NAME));
    assert.ok(text.includes(A_NUMBER), 'the A-number, normalized to nine digits');
    assert.match(text, /Carmen Tum/);
    const task = await served!.context.db
      .selectFrom('followup_tasks')
      .select('status')
      .where('id', '=', taskId)
      .executeTakeFirstOrThrow();
    assert.equal(task.status, 'done', 'the follow-up task is closed');
  });

  test('the attorney adds a Spanish-speaking attorney to the directory and assigns them to the case', async () => {
    await page.goto(`${served!.baseUrl}/console/attorneys/new?lang=es`);
    await page.locator('#attorney-name').fill(ATTORNEY_NAME);
    await page.locator('#attorney-organization').fill('Centro Legal del Barrio');
    await page.locator('#attorney-languages').fill("K'iche', español");
    await page.locator('#attorney-capacity').fill('5');
    await page.locator('#attorney-phone').fill('312 555 0142');
    await page.locator('#attorney-form button[type="submit"]').click();
    await page.waitForURL(/\/console\/attorneys\?saved=attorney/);
    assert.match(await page.locator('main').innerText(), /Abogado guardado/);

    // The summary says there is no attorney yet and leads to the support part, where the attorney is chosen.
    await page.goto(`${served!.baseUrl}/console/cases/${caseId}`);
    assert.match(await page.locator('#case-summary').innerText(), /Todavía sin abogado o abogada/);
    await page.locator('nav.case-tabs a', { hasText: 'Apoyo' }).click();
    await page.waitForURL(new RegExp(`/console/cases/${caseId}/support$`));
    await page.locator('#choose-attorney').click();
    await page.waitForURL(new RegExp(`/console/cases/${caseId}/attorneys$`));
    const row = page.locator('#attorney-suggestions tr[data-id]', { hasText: ATTORNEY_NAME });
    assert.equal(await row.count(), 1, 'the new attorney is suggested');
    assert.match(await row.innerText(), /K'iche'/, 'matched on the person’s language');
    await row.getByRole('button', { name: `Asignar a ${ATTORNEY_NAME}` }).click();
    await page.waitForURL(new RegExp(`/console/cases/${caseId}/support#case-attorney$`));
    assert.match(await page.locator('#current-attorney').innerText(), new RegExp(ATTORNEY_NAME));
  });

  test('the attorney sets up a bond fund with a deposit', async () => {
    await page.goto(`${served!.baseUrl}/console/bond-funds`);
    await page.locator('#fund-name').fill(FUND_NAME);
    await page.getByRole('button', { name: 'Crear fondo' }).click();
    await page.waitForURL(/\/console\/bond-funds\/[0-9a-f-]{36}\?saved=fund/);
    fundId = /\/console\/bond-funds\/([0-9a-f-]{36})/.exec(page.url())![1]!;

    await page.locator('#deposit-amount').fill('10,000');
    assert.notEqual(await page.locator('#deposit-occurred-on').inputValue(), '', 'today, filled in');
    await page.locator('#deposit-receipt').fill('DEP-2026-17');
    await page.getByRole('button', { name: 'Registrar depósito' }).click();
    await page.waitForURL(/\?saved=deposit/);
    assert.match(await page.locator('#fund-balance').innerText(), /\$10,000\.00/);
  });

  test('the attorney records the bond, its payment from the fund, and the release on bond', async () => {
    // The bond part: its form behind "Anotar o cambiar la fianza", opened without JavaScript (details).
    await page.goto(`${served!.baseUrl}/console/cases/${caseId}/bond`);
    await page.locator('details.add-control > summary', { hasText: 'Anotar o cambiar la fianza' }).click();
    const bondForm = page.locator('#bond-form');
    await bondForm.locator('#bond-eligibility').selectOption('eligible');
    await bondForm.locator('#bond-amount').fill('5000');
    await bondForm.locator('#bond-set-by').selectOption('judge');
    await bondForm.locator('#bond-hearing-date').fill(BOND_HEARING_DATE);
    await bondForm.locator('button[type="submit"]').click();
    await page.waitForURL(new RegExp(`/console/cases/${caseId}/bond#case-bond$`));
    const bondSummary = await page.locator('#bond-summary').innerText();
    assert.match(bondSummary, /Elegible para fianza/);
    assert.match(bondSummary, /\$5,000\.00/);

    await page.locator('details.add-control > summary', { hasText: 'Registrar pago de fianza' }).click();
    const paymentForm = page.locator('#payment-form');
    await paymentForm.locator('#payment-fund-id').selectOption(fundId);
    assert.equal(await paymentForm.locator('#payment-amount').inputValue(), '5000', 'the bond, filled in');
    paidOn = await paymentForm.locator('#payment-occurred-on').inputValue();
    assert.match(paidOn, /^\d{4}-\d{2}-\d{2}$/, 'today, filled in');
    await paymentForm.locator('#payment-receipt').fill(RECEIPT);
    await paymentForm.locator('button[type="submit"]').click();
    // The same address as before the payment (the bond section): wait for what the payment adds.
    const payments = page.locator('#bond-payments');
    await payments.waitFor();
    assert.match(await payments.innerText(), new RegExp(`\\$5,000\\.00 del ${FUND_NAME}`));
    assert.match(await payments.innerText(), new RegExp(RECEIPT));

    await page.goto(`${served!.baseUrl}/console/cases/${caseId}/outcome`);
    await page.locator('details.add-control > summary', { hasText: 'Registrar resultado' }).click();
    const outcomeForm = page.locator('#outcome-form');
    await outcomeForm.locator('#outcome-outcome').selectOption('released');
    await outcomeForm.locator('#outcome-release-kind').selectOption('bond');
    await outcomeForm.locator('#outcome-outcome-on').fill(paidOn);
    await outcomeForm.locator('#outcome-note').fill(`Salió con su tía; ${PERSON_NAME} está en casa.`);
    await outcomeForm.locator('button[type="submit"]').click();
    await page.locator('#outcome-summary', { hasText: 'Liberado/a' }).waitFor();
    assert.match(await page.locator('#outcome-summary').innerText(), /Liberado\/a \(Con fianza\)/);
    await page.goto(`${served!.baseUrl}/console/cases/${caseId}/timeline`);
    const timeline = await page.locator('main').innerText();
    assert.match(timeline, new RegExp(`Abogado asignado: ${ATTORNEY_NAME}`));
    assert.match(timeline, /Resultado: liberado\/a con fianza/);

    // The fund paid it out.
    await page.goto(`${served!.baseUrl}/console/bond-funds/${fundId}`);
    assert.match(await page.locator('#fund-balance').innerText(), /\$5,000\.00/);
  });

  test('the family receives the release by text, in Spanish, with no name, A-number or receipt', async () => {
    // Only the release texts the family: the attorney, the bond and its payment are not news for an SMS.
    const familyJobs = (await queuedJobs(served!.context, textFamilyJob.name)).filter(
      (payload) => payload.caseId === caseId,
    );
    assert.deepEqual(
      familyJobs.map((payload) => payload.change),
      ['released'],
    );

    // The family agreed to texts on the case opened from their call: their status code came at intake, and
    // the release is the one text since.
    const texts = await waitForTexts(served!, FAMILY_PHONE, 2);
    assert.equal(texts.length, 2, 'the status code at intake, and the release once');
    assert.equal(texts.filter((body) => /ESTADO [A-Z0-9]{6}/.test(body)).length, 1, 'one status code');
    const text = texts.find((body) => !/ESTADO [A-Z0-9]{6}/.test(body))!;
    assert.ok(text.startsWith(`${served!.context.config.networkName}: `), text);
    assert.match(text, /liberaron a su familiar\./);
    assert.match(text, /Llame al \+1 555 010 0199/);
    assert.match(text, /Responda ALTO/);
    assert.doesNotMatch(text, /news about|Call|Reply STOP/, 'not the English text');
    for (const secret of [...PERSON_NAME.split(' '), 'Carmen', '207334519', '334-519', '334519', RECEIPT]) {
      assert.ok(!text.includes(secret), `the text carries "${secret}"`);
    }

    // The console outbox shows a text about a case only to staff who may open the case (here the attorney who
    // opened it), the number masked; a coordinator does not see it.
    const coordinatorOutbox = await (
      await signedInContext(browser!, served!.baseUrl, coordinator, NO_SCRIPT_SPANISH)
    ).newPage();
    await coordinatorOutbox.goto(`${served!.baseUrl}/console/outbox?lang=es`);
    assert.equal(
      await coordinatorOutbox
        .locator('table.outbox tbody tr', { hasText: 'liberaron a su familiar' })
        .count(),
      0,
    );
    const outbox = await (
      await signedInContext(browser!, served!.baseUrl, attorney, NO_SCRIPT_SPANISH)
    ).newPage();
    await outbox.goto(`${served!.baseUrl}/console/outbox?lang=es`);
    const sent = outbox.locator('table.outbox tbody tr', { hasText: 'liberaron a su familiar' });
    assert.equal(await sent.count(), 1);
    const phoneCell = await sent.locator('td.phone').innerText();
    assert.ok(phoneCell.endsWith('0166'), `the family's number, masked: ${phoneCell}`);
    assert.ok(!phoneCell.includes('773555'), 'the number is masked');
  });
});
