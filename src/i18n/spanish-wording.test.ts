// Issue 14, "Spanish": the Spanish catalogue is read by people who are afraid, many with little schooling. These
// tests pin the wording fixes so that a later edit does not bring the old words back: no anglicisms
// ("respondedores"), nothing that leaves women out ("lo vi yo mismo", "un voluntario", "otro administrador"), one
// name for the hotline on the website and on the phone, "placas" only for licence plates, and words people use
// for immigration agents.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CATALOG_FILES, CATALOGS } from './i18n.ts';

const es = CATALOGS.es as Record<string, string>;
const allSpanish = () =>
  Object.entries(CATALOG_FILES.es).flatMap(([file, messages]) =>
    Object.entries(messages).map(([key, text]) => ({ file, key, text: String(text) })),
  );

const offending = (pattern: RegExp) =>
  allSpanish()
    .filter(({ text }) => pattern.test(text))
    .map(({ file, key, text }) => `${file}: ${key}: ${text}`);

test('Spanish: no anglicism "respondedor(es)"; the people who go and check are "personas verificadoras"', () => {
  assert.deepEqual(offending(/respondedor/iu), []);
  assert.match(es['incidents.event_dispatch_on_way']!, /Persona verificadora/);
  assert.equal(
    es['users.role_responder'],
    es['dispatch.role_responder'],
    'one name for the role on every page',
  );
});

test('Spanish: wording that leaves women out is gone ("yo mismo", "usted mismo", "un voluntario", "otro administrador")', () => {
  assert.equal(es['report.source_saw'], 'Lo vi con mis propios ojos');
  assert.match(es['sms.question_source']!, /^¿Lo vio con sus propios ojos\?/);
  assert.deepEqual(offending(/\b(yo|usted) mismo\b/iu), []);
  assert.deepEqual(offending(/\bno (est[aá]|estoy) seguro\b/iu), []);
  assert.deepEqual(offending(/\bun voluntario\b/iu), []);
  assert.deepEqual(offending(/\b(un|otro|segundo|solo) administrador\b/iu), []);
  assert.deepEqual(offending(/\bun coordinador\b|\(despachador o coordinador\)/iu), []);
});

test('Spanish: the hotline has one name, "línea de ayuda", on the website, in the phone menu and in the report form', () => {
  assert.deepEqual(offending(/l[ií]nea de (emergencia|urgencia|auxilio)/iu), []);
  assert.match(es['public.hotline_heading']!, /línea de ayuda/);
  assert.match(es['voice.language_prompt']!, /^Esta es la línea de ayuda de \{network\}\./);
  // "la red" meant nothing to someone filling in the form: say who keeps the number.
  assert.doesNotMatch(es['report.consent']!, /la red/);
  assert.match(es['report.consent']!, /la línea de ayuda guarde este número/);
});

test('Spanish: immigration agents are named as people say it (agentes de inmigración, la migra)', () => {
  assert.deepEqual(offending(/acciones de inmigraci[oó]n/iu), []);
  assert.match(es['public.home_title']!, /agentes de inmigración/);
  assert.match(es['public.home_title']!, /la migra/);
  assert.match(es['voice.menu_prompt']!, /agentes de inmigración, la migra/);
});

test('Spanish: "placas" means licence plates only; badges are "insignias o credenciales"', () => {
  assert.deepEqual(offending(/placas? de identificaci[oó]n/iu), []);
  assert.doesNotMatch(es['verify.identified_badges']!, /placa/iu);
  assert.match(es['verify.identified_badges']!, /Insignias o credenciales/);
  assert.match(es['verify.identified_vehicles']!, /placas \(matrículas\)/);
});
