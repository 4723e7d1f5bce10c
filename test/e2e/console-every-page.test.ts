// Journey: every role opens the console home and every entry of its navigation (as the app lists them, so the
// walk follows the modules' entries wherever they move) on a phone (375 × 812) and a desktop (1440 × 900), in
// English and in Spanish. On each page: nothing wider than the screen, the current entry marked, and axe-core
// finding no serious or critical violation.
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
 * Pages whose own markup another part of issue 15 is rewriting: what axe finds there is recorded, named, and
 * left to that part (the shell's CSS and layout are still checked on them: overflow and the current mark).
 */
const KNOWN_AXE: { path: RegExp; rule: string; reason: string }[] = [
  {
    path: /^\/console\/incidents$/,
    rule: 'nested-interactive',
    reason: "the board's map markers are links inside a focusable map (the map part replaces the map)",
  },
];

/** The console home answers 403 to roles that have none yet (the homes part gives every role one). */
const HOME_PENDING_FOR = new Set(['responder', 'legal']);

interface Finding {
  where: string;
  problem: string;
}

async function check(page: Page, where: string, href: string | null, findings: Finding[], notes: string[]) {
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
    const known = KNOWN_AXE.find((k) => k.path.test(path) && violation.startsWith(`${k.rule} `));
    if (known) notes.push(`${where}: ${violation} — skipped: ${known.reason}`);
    else findings.push({ where, problem: violation });
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
      const notes: string[] = [];
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
            if (home?.status() === 403 && HOME_PENDING_FOR.has(role)) {
              notes.push(`${homeWhere}: 403, skipped: no home for this role until the homes part lands`);
            } else {
              assert.ok((home?.status() ?? 0) < 400, `${homeWhere} answered ${home?.status()}`);
              await check(page, homeWhere, entries.includes('/console') ? '/console' : null, findings, notes);
            }
            for (const href of entries) {
              const where = `${role} ${lang} ${viewport.width} ${href}`;
              const response = await page.goto(`${served!.baseUrl}${href}`);
              if ((response?.status() ?? 0) >= 400) {
                findings.push({ where, problem: `answered ${response?.status()}` });
                continue;
              }
              await check(page, where, href, findings, notes);
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
      for (const note of notes) console.log(`note: ${note}`);
      assert.deepEqual(
        findings.map((f) => `${f.where}: ${f.problem}`),
        [],
      );
    });
  }
});
