// The staff navigation, pinned per role: which entries each role sees, in which order, with which words.
// Modules declare their own entries; this proves the collected entries render as the hand-written list did.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Role } from '../db/schema.ts';
import { loadModules } from '../modules/index.ts';
import { orderNavigation } from './navigation.ts';
import { createStaffSession } from '../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../test/support/test-context.ts';

const ROLE_SETS: Record<string, Role[]> = {
  admin: ['admin'],
  coordinator: ['coordinator'],
  dispatcher: ['dispatcher'],
  responder: ['responder'],
  legal: ['legal'],
  'legal and dispatcher': ['legal', 'dispatcher'],
  'every role': ['admin', 'coordinator', 'dispatcher', 'responder', 'legal'],
};

const EXPECTED: Record<string, string[]> = {
  admin: [
    '/console Home',
    '/console/reports Reports',
    '/console/incidents Incidents',
    '/console/operations Operations',
    '/console/alerts Alerts',
    '/console/outbox Outbox',
    '/console/facilities Facilities',
    '/console/attorneys Attorneys',
    '/console/hotline/simulator Text simulator',
    '/console/roster On shift',
    '/console/users Staff',
    '/console/teams Legal teams',
    '/console/provider-copies Copies at Twilio',
    '/console/signing-key Signing key',
    '/console/profile My profile',
    '/console/account My account',
  ],
  coordinator: [
    '/console Home',
    '/console/reports Reports',
    '/console/incidents Incidents',
    '/console/operations Operations',
    '/console/alerts Alerts',
    '/console/outbox Outbox',
    '/console/facilities Facilities',
    '/console/attorneys Attorneys',
    '/console/hotline/simulator Text simulator',
    '/console/roster On shift',
    '/console/profile My profile',
    '/console/account My account',
  ],
  dispatcher: [
    '/console Home',
    '/console/reports Reports',
    '/console/incidents Incidents',
    '/console/operations Operations',
    '/console/alerts Alerts',
    '/console/outbox Outbox',
    '/console/hotline/simulator Text simulator',
    '/console/roster On shift',
    '/console/profile My profile',
    '/console/account My account',
  ],
  responder: ['/console Home', '/console/profile My profile', '/console/account My account'],
  legal: [
    '/console Home',
    '/console/operations Operations',
    '/console/outbox Outbox',
    '/console/followups Follow-ups',
    '/console/cases Cases',
    '/console/cases/checks-due Locator checks due',
    '/console/locating Locator worklist',
    '/console/facilities Facilities',
    '/console/my-tasks My tasks',
    '/console/attorneys Attorneys',
    '/console/profile My profile',
    '/console/account My account',
  ],
  'legal and dispatcher': [
    '/console Home',
    '/console/reports Reports',
    '/console/incidents Incidents',
    '/console/operations Operations',
    '/console/alerts Alerts',
    '/console/outbox Outbox',
    '/console/followups Follow-ups',
    '/console/cases Cases',
    '/console/cases/checks-due Locator checks due',
    '/console/locating Locator worklist',
    '/console/facilities Facilities',
    '/console/my-tasks My tasks',
    '/console/attorneys Attorneys',
    '/console/hotline/simulator Text simulator',
    '/console/roster On shift',
    '/console/profile My profile',
    '/console/account My account',
  ],
  'every role': [
    '/console Home',
    '/console/reports Reports',
    '/console/incidents Incidents',
    '/console/operations Operations',
    '/console/alerts Alerts',
    '/console/outbox Outbox',
    '/console/followups Follow-ups',
    '/console/cases Cases',
    '/console/cases/checks-due Locator checks due',
    '/console/locating Locator worklist',
    '/console/facilities Facilities',
    '/console/my-tasks My tasks',
    '/console/attorneys Attorneys',
    '/console/hotline/simulator Text simulator',
    '/console/roster On shift',
    '/console/users Staff',
    '/console/teams Legal teams',
    '/console/provider-copies Copies at Twilio',
    '/console/signing-key Signing key',
    '/console/profile My profile',
    '/console/account My account',
  ],
};
const EXPECTED_ES: string[] = [
  '/console Inicio',
  '/console/reports Reportes',
  '/console/incidents Incidentes',
  '/console/operations Operativos',
  '/console/alerts Alertas',
  '/console/outbox Bandeja de salida',
  '/console/followups Seguimiento',
  '/console/cases Casos',
  '/console/cases/checks-due Búsquedas pendientes',
  '/console/locating Lista para localizar',
  '/console/facilities Centros',
  '/console/my-tasks Mis tareas',
  '/console/attorneys Abogados',
  '/console/hotline/simulator Simulador de mensajes',
  '/console/roster De turno',
  '/console/users Personal',
  '/console/teams Equipos legales',
  '/console/provider-copies Copias en Twilio',
  '/console/signing-key Clave de firma',
  '/console/profile Mi perfil',
  '/console/account Mi cuenta',
];

describe('staff navigation', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => t.close());

  async function navOf(roles: Role[], lang = 'en'): Promise<string[]> {
    const session = await createStaffSession(t.context, roles);
    const res = await t.app.inject({
      url: '/console/account',
      headers: { accept: 'text/html', cookie: session.cookie, 'accept-language': lang },
    });
    assert.equal(res.statusCode, 200, res.body);
    const nav = /<nav class="console-nav"[^>]*>[\s\S]*?<ul class="nav-bar">([\s\S]*?)<\/ul>/.exec(res.body);
    assert.ok(nav, 'the console page has the staff navigation');
    return [...nav[1]!.matchAll(/<a href="([^"]*)"[^>]*>([^<]*)/g)].map(
      ([, href, text]) => `${href} ${text}`,
    );
  }

  for (const [name, roles] of Object.entries(ROLE_SETS)) {
    test(`${name} sees the pinned entries, in order`, async () => {
      const got = await navOf(roles);
      assert.deepEqual(got, EXPECTED[name]);
    });
  }

  test('the entries are in the reader language', async () => {
    const got = await navOf(['admin', 'legal'], 'es');
    assert.deepEqual(got, EXPECTED_ES);
  });
});

describe('navigation entries', () => {
  test('every module entry has its own position', async () => {
    const { navigation } = await loadModules();
    assert.equal(orderNavigation(navigation).length, navigation.length);
  });

  test('two entries at one position are refused at start', () => {
    assert.throws(
      () =>
        orderNavigation([
          { href: '/console/a', label: 'cases.nav', roles: 'any', position: 10 },
          { href: '/console/b', label: 'alerts.nav', roles: ['admin'], position: 10 },
        ]),
      /share a position/,
    );
  });
});

describe('tables', () => {
  test('every table of a page sits in a box that scrolls and takes keyboard focus; text that looks like one is left alone', async () => {
    const { boxTables } = await import('./layout.ts');
    const { html } = await import('./html.ts');
    const out = boxTables(
      html`<p>${'<table>'}</p><table class="wide"><tr><td>1</td></tr></table><table></table>`,
    ).value;
    assert.equal(
      out,
      '<p>&lt;table&gt;</p><div class="table-box" tabindex="0"><table class="wide"><tr><td>1</td></tr></table></div>' +
        '<div class="table-box" tabindex="0"><table></table></div>',
    );
    // A table the page already put in a scrolling box is not boxed twice; its box takes focus.
    const own = boxTables(html`<div class="table-scroll"><table id="x"></table></div><table></table>`).value;
    assert.equal(
      own,
      '<div class="table-scroll" tabindex="0"><table id="x"></table></div>' +
        '<div class="table-box" tabindex="0"><table></table></div>',
    );
  });
});
