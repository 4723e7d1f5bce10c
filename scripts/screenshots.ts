// npm run screenshots: starts Amparo on a throwaway database (as the browser journeys do), seeds a little
// realistic data, and writes small PNGs of each role's console home and of a case page, at 375 and 1440 px, to
// docs/screenshots/ (<role>-home-375.png, <role>-home-1440.png, case-375.png, case-1440.png). A page that
// does not answer is reported, not fatal: the rest are still taken.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { globalSetup, globalTeardown } from '../test/support/global-setup.ts';
import { closeAll, launchBrowser, serveApp, signedInContext, type ServedApp } from '../test/e2e/browser.ts';
import { CONSOLE_ROLES, seedConsole } from '../test/e2e/console-seed.ts';
import type { StaffSession } from '../test/support/staff.ts';

const OUT = path.join(import.meta.dirname, '..', 'docs', 'screenshots');
const WIDTHS = [375, 1440] as const;
const HEIGHTS: Record<(typeof WIDTHS)[number], number> = { 375: 812, 1440: 900 };
/** Long pages are cut here: the top of a page is what the next person needs to see. */
const MAX_HEIGHT = 1600;

interface Shot {
  file: string;
  url: string;
  staff: StaffSession;
  width: (typeof WIDTHS)[number];
}

async function take(browser: Browser, served: ServedApp, shot: Shot, problems: string[]): Promise<void> {
  const context = await signedInContext(browser, served.baseUrl, shot.staff, {
    viewport: { width: shot.width, height: HEIGHTS[shot.width] },
    deviceScaleFactor: 1,
  });
  try {
    const page = await context.newPage();
    const response = await page.goto(`${served.baseUrl}${shot.url}`);
    const status = response?.status() ?? 0;
    if (status >= 400) {
      problems.push(`${shot.file}: ${shot.url} answered ${status}, not taken`);
      return;
    }
    const height = Math.min(MAX_HEIGHT, await page.evaluate(() => document.documentElement.scrollHeight));
    await page.screenshot({
      path: path.join(OUT, shot.file),
      type: 'png',
      clip: { x: 0, y: 0, width: shot.width, height },
    });
    console.log(`wrote docs/screenshots/${shot.file}`);
  } catch (error) {
    problems.push(`${shot.file}: ${shot.url} failed: ${(error as Error).message}`);
  } finally {
    await context.close();
  }
}

async function main(): Promise<number> {
  await globalSetup();
  let browser: Browser | undefined;
  let served: ServedApp | undefined;
  const problems: string[] = [];
  try {
    await mkdir(OUT, { recursive: true });
    served = await serveApp({ env: { AMPARO_TIMEZONE: 'America/Chicago' } });
    browser = await launchBrowser();
    const seeded = await seedConsole(served.context, served.app);
    const shots: Shot[] = [];
    for (const width of WIDTHS) {
      for (const role of CONSOLE_ROLES) {
        shots.push({ file: `${role}-home-${width}.png`, url: '/console', staff: seeded.staff[role], width });
      }
      shots.push({
        file: `case-${width}.png`,
        url: `/console/cases/${seeded.caseId}`,
        staff: seeded.staff.legal,
        width,
      });
    }
    for (const shot of shots) await take(browser, served, shot, problems);
  } finally {
    await closeAll(browser, served);
    await globalTeardown();
  }
  for (const problem of problems) console.error(`not taken: ${problem}`);
  return 0;
}

process.exitCode = await main();
