// Shared set-up for the browser journeys: a real Chromium (Debian's, or AMPARO_CHROMIUM_PATH) driven by
// playwright-core, and a full Amparo listening on a real port over an embedded database.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { StaffSession } from '../support/staff.ts';
import { createTestApp, type TestApp } from '../support/test-context.ts';

/** How long any single wait for the page may take: generous, because CI machines are slow and shared. */
export const WAIT_MS = 15_000;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-quic',
  '--no-first-run',
  '--disable-sync',
];

export function chromiumPath(): string {
  return process.env.AMPARO_CHROMIUM_PATH || '/usr/bin/chromium';
}

/**
 * Starts Chromium. A missing browser fails the journey loudly instead of skipping it: a skipped journey
 * looks like a passing one in CI.
 */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}. Install it (Debian: apt-get install chromium) or set ` +
        'AMPARO_CHROMIUM_PATH to a Chromium executable; the browser journeys cannot run without it.',
    );
  }
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

export interface ServedApp extends TestApp {
  /** http://127.0.0.1:<port>, the address the browser uses (config's public URL points elsewhere). */
  baseUrl: string;
}

/** A full app (jobs running) listening on a free port on the loopback interface, with any extra settings. */
export async function serveApp(options: { env?: Record<string, string> } = {}): Promise<ServedApp> {
  const t = await createTestApp({ work: true, ...(options.env ? { env: options.env } : {}) });
  try {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
  } catch (error) {
    await t.close();
    throw error;
  }
  const { port } = t.app.server.address() as AddressInfo;
  return { ...t, baseUrl: `http://127.0.0.1:${port}` };
}

/** Closes whatever was opened, in reverse order, even when set-up failed half way. */
export async function closeAll(browser: Browser | undefined, served: ServedApp | undefined): Promise<void> {
  try {
    await browser?.close();
  } finally {
    await served?.close();
  }
}

/** A browser context signed in as `staff` (its session cookie), in English unless `options` say otherwise. */
export async function signedInContext(
  browser: Browser,
  baseUrl: string,
  staff: StaffSession,
  options: Parameters<Browser['newContext']>[0] = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: 'en-US', ...options });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  const separator = staff.cookie.indexOf('=');
  await context.addCookies([
    {
      name: staff.cookie.slice(0, separator),
      value: staff.cookie.slice(separator + 1),
      url: baseUrl,
      httpOnly: true,
      sameSite: 'Strict',
    },
  ]);
  return context;
}

interface AxeViolation {
  id: string;
  impact: string | null;
  nodes: { target: string[] }[];
}

let axeSource: string | undefined;

/**
 * axe-core's violations on the page, as `id (impact): targets`. It is evaluated through the debugger, so the
 * page's strict CSP need not allow it. It needs JavaScript on: without it a page's timers never fire.
 */
/**
 * A page as a member of the public opens it: no session, in the language asked for, with or without
 * JavaScript. Any request to another origin fails the test. The context joins `contexts`, which the journey
 * closes when it ends.
 */
export async function visitorPage(
  browser: Browser,
  served: ServedApp,
  contexts: BrowserContext[],
  options: { javaScript: boolean; lang: 'en' | 'es'; viewport: { width: number; height: number } },
): Promise<Page> {
  const context = await browser.newContext({
    javaScriptEnabled: options.javaScript,
    viewport: options.viewport,
    locale: options.lang === 'es' ? 'es-MX' : 'en-US',
    extraHTTPHeaders: { 'Accept-Language': options.lang === 'es' ? 'es-MX,es' : 'en-US,en' },
  });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  contexts.push(context);
  const page = await context.newPage();
  page.on('request', (request) => {
    assert.ok(request.url().startsWith(served.baseUrl), `a request to ${request.url()}`);
  });
  return page;
}

export async function axeViolations(page: Page): Promise<string[]> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
