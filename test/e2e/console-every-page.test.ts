// Journey: every role opens the console home and every entry of its navigation (as the app lists them, so the
// walk follows the modules' entries wherever they move) on a phone (375 × 812) and a desktop (1440 × 900), in
// English and in Spanish. On each page: nothing wider than the screen, the current entry marked, and axe-core
// finding no serious or critical violation.
import { CASE_PARTS, casePartPath } from '../../src/modules/cases/cases.sections.ts';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  axeViolations,
  closeAll,
  launchBrowser,
  serveApp,
  signedInContext,
  type ServedApp,
} from './browser.ts';
import { CONSOLE_ROLES, seedConsole, type SeededConsole } from './console-seed.ts';

const VIEWPORTS = [
  { width: 375, height: 812 },
  { width: 1440, height: 900 },
] as const;
const LANGUAGES = ['en', 'es'] as const;
const SHOTS = process.env.AMPARO_SHELL_SHOTS;

/**
 * Pages reached from a page rather than from the navigation: the case a legal volunteer opens and each of its
 * parts (the parts are where the long forms went).
 */
function pagesBeyondTheNavigation(role: string, caseId: string): string[] {
  if (role !== 'legal') return [];
  return CASE_PARTS.map((part) => casePartPath(caseId, part));
}

interface Finding {
  where: string;
  problem: string;
}

async function check(page: Page, where: string, href: string | null, findings: Finding[]) {
  const overflow = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
  }));
  if (overflow.scroll > overflow.inner)
    findings.push({ where, problem: `page is ${overflow.scroll}px wide in a ${overflow.inner}px window` });
  if (href !== null) {
    const current = await page
      .locator('nav.console-nav .nav-bar a[aria-current="page"]')
      .evaluateAll((links) => links.map((link) => link.getAttribute('href')));
    if (current.length !== 1 || current[0] !== href)
      findings.push({ where, problem: `current entry ${JSON.stringify(current)}, expected ${href}` });
  }
  const path = new URL(page.url()).pathname;
  for (const violation of await axeViolations(page)) {
    if (!/\((serious|critical)\)/.test(violation)) continue;
    findings.push({ where, problem: `${path}: ${violation}` });
  }
}

describe('every console page, every role, phone and desktop, English and Spanish', () => {
  let browser: Browser | undefined;
  let served: ServedApp | undefined;
  let seeded: SeededConsole;

  before(async () => {
    browser = await launchBrowser();
    served = await serveApp();
    seeded = await seedConsole(served.context, served.app);
    if (SHOTS) await mkdir(SHOTS, { recursive: true });
  });
  after(async () => closeAll(browser, served));

  for (const role of CONSOLE_ROLES) {
    test(`${role}: no overflow, the current entry marked, no serious axe violation`, async () => {
      const findings: Finding[] = [];
      for (const lang of LANGUAGES) {
        for (const viewport of VIEWPORTS) {
          const context = await signedInContext(browser!, served!.baseUrl, seeded.staff[role], {
            viewport,
            locale: lang === 'es' ? 'es-US' : 'en-US',
            extraHTTPHeaders: { 'Accept-Language': lang },
          });
          try {
            const page = await context.newPage();
            const home = await page.goto(`${served!.baseUrl}/console?lang=${lang}`);
            const entries = await page
              .locator('nav.console-nav .nav-bar a')
              .evaluateAll((links) => links.map((link) => link.getAttribute('href') ?? ''));
            assert.ok(entries.length > 0, `${role} sees a navigation`);
            const homeWhere = `${role} ${lang} ${viewport.width} /console`;
            assert.ok((home?.status() ?? 0) < 400, `${homeWhere} answered ${home?.status()}`);
            await check(page, homeWhere, '/console', findings);
            for (const href of [...entries, ...pagesBeyondTheNavigation(role, seeded.caseId)]) {
              const where = `${role} ${lang} ${viewport.width} ${href}`;
              const response = await page.goto(`${served!.baseUrl}${href}`);
              if ((response?.status() ?? 0) >= 400) {
                findings.push({ where, problem: `answered ${response?.status()}` });
                continue;
              }
              await check(page, where, entries.includes(href) ? href : null, findings);
              if (SHOTS) {
                const name = `${role}-${lang}-${viewport.width}${href.replaceAll('/', '_')}.png`;
                await page.screenshot({
                  path: `${SHOTS}/${name}`,
                  clip: {
                    x: 0,
                    y: 0,
                    width: viewport.width,
                    height: Math.min(1600, await page.evaluate(() => document.documentElement.scrollHeight)),
                  },
                });
              }
            }
          } finally {
            await context.close();
          }
        }
      }
      assert.deepEqual(
        findings.map((f) => `${f.where}: ${f.problem}`),
        [],
      );
    });
  }
});
