// A day like Mississippi (issue 16's "Done when"): one operation with 700 people, 1,500 family contacts and
// 300 locator results recorded in one hour, then p50/p95 of the pages the legal team lives on during a surge,
// each over HTTP as a legal user on the operation's team:
//   - the operation page          GET /console/operations/:id
//   - the operation's worklist    GET /console/operations/:id/worklist
//   - the locator worklist        GET /console/locating
//   - the legal home              GET /console
// and the wall time of the roster import of the 700 rows (preview + import), which is how the 700 are opened.
//
// The data goes in through the modules' own service functions, sealed as they seal it: the roster import
// (cases: previewRoster, importRoster, one family phone per row), addFamilyContact for the other 800
// contacts, addDependent for the children left without care, and recordLocatorCheck (case-tracking) for the
// locator results, 12 s apart on the injectable clock. Amparo runs in this process (the test helpers'
// createTestApp, listening on loopback) and is asked one request at a time with fetch.
//
// Run:  node bench/surge.ts [--requests 100] [--people 700] [--contacts 1500] [--locator 300]
//       On the PostgreSQL server named by AMPARO_BENCH_DATABASE_URL (or AMPARO_TEST_DATABASE_URL), else on
//       an embedded one started for the run; either way in a database of its own, dropped afterwards.
//       --statements: Amparo reaches PostgreSQL through a counting proxy in this process, and the table gives
//       statements and round trips per request (its latencies then include the proxy: compare without).
// Targets (issue 16): each page p95 < 300 ms; the roster import of 700 rows < 30 s.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import type { StaffPrincipal } from '../src/http/access.ts';
import { recordLocatorCheck } from '../src/modules/case-tracking/case-tracking.service.ts';
import { refreshSession } from '../src/modules/case-tracking/case-tracking.test-helpers.ts';
import { saveFacility } from '../src/modules/case-tracking/facilities.service.ts';
import { openCaseForStaff } from '../src/modules/cases/cases.access.ts';
import { importRoster, previewRoster } from '../src/modules/cases/cases.roster.ts';
import { addFamilyContact } from '../src/modules/cases/cases.service.ts';
import { createTestTeam } from '../src/modules/cases/cases.test-helpers.ts';
import { addDependent, createOperation } from '../src/modules/operations/operations.service.ts';
import { createStaffSession, type StaffSession } from '../test/support/staff.ts';
import { createTestApp, TestClock, type TestApp } from '../test/support/test-context.ts';
import {
  createTestDatabase,
  ensureTemplate,
  startTestServer,
  TEST_DATABASE_URL_VARIABLE,
  type TestServer,
} from '../test/support/test-database.ts';
import { startStatementCounter, type StatementCounter } from './statement-counter.ts';
import { BENCH_DATABASE_URL, quantile } from './support.ts';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '100' },
    people: { type: 'string', default: '700' },
    contacts: { type: 'string', default: '1500' },
    locator: { type: 'string', default: '300' },
    statements: { type: 'boolean', default: false },
  },
});
const REQUESTS = Number(args.requests);
const PEOPLE = Number(args.people);
const CONTACTS = Number(args.contacts);
const LOCATOR_RESULTS = Number(args.locator);
/** Amparo's connections go through a counting proxy (bench/statement-counter.ts): statements per request. */
const COUNT_STATEMENTS = args.statements;
const WARMUP = 10;
const PAGE_TARGET_MS = 300;
const ROSTER_TARGET_S = 30;

// 7 August 2019, 06:30 in Mississippi: the morning of the raid.
const RAID_AT = Date.parse('2019-08-07T11:30:00Z');
const ZONE = 'America/Chicago';
const SITES = [
  { name: 'Koch Foods, Morton', zip: '39117' },
  { name: 'PH Food, Morton', zip: '39117' },
  { name: 'Peco Foods, Canton', zip: '39046' },
  { name: 'Peco Foods, Sebastopol', zip: '39359' },
  { name: 'Pearl River Foods, Carthage', zip: '39051' },
  { name: 'Peco Foods, Bay Springs', zip: '39422' },
];
const FACILITIES = [
  ['Madison County Jail', '2935 US-51\nCanton, MS 39046'],
  ['Adams County Correctional Center', '20 Hobo Fork Rd\nNatchez, MS 39120'],
  ['Jena Processing Center', '830 Pinehill Rd\nJena, LA 71342'],
  ['River Correctional Center', '26362 Hwy 15\nFerriday, LA 71334'],
  ['LaSalle ICE Processing Center', '830 Pinehill Rd\nJena, LA 71342 (annex)'],
  ['Richwood Correctional Center', '180 Pine Bayou Cir\nMonroe, LA 71202'],
] as const;

const FIRST = ['María', 'José', 'Juan', 'Ana', 'Luis', 'Rosa', 'Carlos', 'Elena', 'Pedro', 'Lucía', 'Jorge'];
const MORE = ['Guadalupe', 'Antonio', 'Isabel', 'Miguel', 'Teresa', 'Francisco', 'Carmen', 'Rafael'];
const LAST = [
  'García',
  'López',
  'Pérez',
  'Hernández',
  'Ramírez',
  'Cruz',
  'Gómez',
  'Díaz',
  'Reyes',
  'Morales',
];
const COUNTRIES = ['Guatemala', 'Mexico', 'Honduras', 'El Salvador'];

const say = (line: string) => console.log(line);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A deterministic, distinct person for row i (distinct names, dates of birth and A-numbers: all new). */
function person(i: number) {
  const name = `${FIRST[i % FIRST.length]} ${MORE[Math.floor(i / 11) % MORE.length]} ${LAST[i % LAST.length]} ${LAST[Math.floor(i / 10) % LAST.length]}-${i}`;
  const day = new Date(Date.UTC(1970 + (i % 35), i % 12, 1 + (i % 28)));
  return {
    name,
    birth: i % 5 === 0 ? String(20 + (i % 40)) : day.toISOString().slice(0, 10),
    country: COUNTRIES[i % COUNTRIES.length]!,
    aNumber: i % 3 === 0 ? '' : String(200_000_000 + i * 7919),
    site: SITES[i % SITES.length]!.name,
    phone: `+1601555${String(1000 + i).padStart(4, '0')}`,
  };
}

function rosterCsv(count: number): Uint8Array {
  const quote = (cell: string) => (/[",\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);
  const lines = ['Nombre,Fecha de nacimiento / edad,País,Número A,Lugar,Teléfono de familia,Notas'];
  for (let i = 0; i < count; i++) {
    const p = person(i);
    lines.push(
      [p.name, p.birth, p.country, p.aNumber, p.site, p.phone, i % 4 === 0 ? 'Night shift, line 2' : '']
        .map(quote)
        .join(','),
    );
  }
  return new TextEncoder().encode(`\uFEFF${lines.join('\r\n')}\r\n`);
}

interface Seeded {
  operationId: string;
  legal: StaffSession;
  rosterMs: number;
  rosterPreviewMs: number;
  created: number;
}

async function seed(t: TestApp): Promise<Seeded> {
  const { context, clock } = t;
  const coordinator = await createStaffSession(context, ['coordinator']);
  const legal = await createStaffSession(context, ['legal']);
  const teamId = await createTestTeam(context, 'Jackson legal team', [legal.userId]);
  const principal: StaffPrincipal = { userId: legal.userId, roles: ['legal'], sessionId: '', csrfSecret: '' };
  const operationId = await createOperation(context, coordinator.userId, {
    name: 'Scott County poultry plants',
    raidAt: new Date(RAID_AT),
    agencies: ['ice'],
    sites: SITES,
    incidentIds: [],
    teamIds: [teamId],
  });
  const facilityIds: string[] = [];
  for (const [name, address] of FACILITIES) {
    const saved = await saveFacility(context, undefined, { name, operator: 'ICE', address });
    if (saved.outcome !== 'saved') throw new Error(`facility ${name}: ${saved.outcome}`);
    facilityIds.push(saved.id);
  }

  // The roster: 700 people from the union's list, each with a family phone (700 contacts).
  clock.advance(5 * 3600_000);
  const bytes = rosterCsv(PEOPLE);
  const started = performance.now();
  const preview = await previewRoster(context, principal, { bytes, operationId, teamId });
  if (!preview.ok) throw new Error(`roster preview: ${JSON.stringify(preview)}`);
  const rosterPreviewMs = performance.now() - started;
  const classes = { new: 0, matched: 0, doubtful: 0 };
  for (const row of preview.preview.rows) classes[row.class]++;
  const report = await importRoster(context, principal, {
    previewId: preview.preview.id,
    confirmedLines: [],
  });
  const rosterMs = performance.now() - started;
  if (report === 'expired') throw new Error('roster preview expired');
  say(
    `roster: ${preview.preview.rows.length} rows (${classes.new} new, ${classes.matched} matched, ` +
      `${classes.doubtful} doubtful, ${preview.preview.problems.length} problems); ` +
      `${report.created.length} cases opened, ${report.skipped} skipped, ${report.failed.length} failed; ` +
      `preview ${seconds(rosterPreviewMs)}, preview + import ${seconds(rosterMs)}`,
  );
  const caseIds = report.created.map((created) => created.id);

  // The other family contacts, through the case page's own service (800 more: 1,500 in all).
  const contactsStarted = performance.now();
  let contacts = caseIds.length;
  for (let i = 0; contacts < CONTACTS; i++) {
    const caseId = caseIds[i % caseIds.length]!;
    const { caseRow, cipher } = await openCaseForStaff(context, principal, caseId);
    const added = await addFamilyContact(context, legal.userId, caseRow, cipher, {
      name: `${FIRST[(i + 3) % FIRST.length]} ${LAST[(i + 5) % LAST.length]}`,
      relationship: i % 2 === 0 ? 'spouse' : 'sister',
      phone: `+1769555${String(1000 + i).padStart(4, '0')}`,
      language: i % 5 === 0 ? 'en' : 'es',
      consentToUpdates: i % 3 !== 0,
    });
    if (added !== 'added') throw new Error(`contact: ${added}`);
    contacts++;
  }
  say(
    `family contacts: ${contacts} (${contacts - caseIds.length} added in ${seconds(performance.now() - contactsStarted)})`,
  );

  // Children left without care: one case in five; a third of them with a caregiver since.
  let dependents = 0;
  for (let i = 0; i < caseIds.length; i += 5) {
    await addDependent(context, undefined, {
      operationId,
      caseId: caseIds[i]!,
      need: i % 2 === 0 ? 'school_pickup' : 'childcare',
      description: `Two children at Morton Elementary (${i})`,
      actorId: legal.userId,
    });
    dependents++;
  }
  say(`dependents without care: ${dependents}`);

  // 300 locator results in one hour, 12 s apart: two in three found at a facility, the rest not found.
  const hour = 3600_000;
  const step = hour / LOCATOR_RESULTS;
  const checksStarted = performance.now();
  for (let i = 0; i < LOCATOR_RESULTS; i++) {
    clock.advance(step);
    const found = i % 3 !== 2;
    const outcome = await recordLocatorCheck(
      context,
      principal,
      caseIds[(i * 7) % caseIds.length]!,
      found
        ? { result: 'found', facility_id: facilityIds[i % facilityIds.length]! }
        : { result: 'not_found' },
    );
    if (outcome.outcome !== 'saved') throw new Error(`locator check: ${JSON.stringify(outcome)}`);
  }
  say(
    `locator results: ${LOCATOR_RESULTS} over one hour of the clock (${seconds(performance.now() - checksStarted)})`,
  );
  await refreshSession(context, legal);
  return { operationId, legal, rosterMs, rosterPreviewMs, created: caseIds.length };
}

interface PageFigures {
  label: string;
  path: string;
  p50: number;
  p95: number;
  max: number;
  /** CPU time of this process (Amparo and the client) per request: steadier than latency on a shared machine. */
  cpuMs: number;
  statements: number | undefined;
  roundTrips: number | undefined;
  kib: number;
}

async function measurePage(
  baseUrl: string,
  session: StaffSession,
  label: string,
  path: string,
  counter?: StatementCounter,
) {
  const once = async (): Promise<{ ms: number; bytes: number }> => {
    const started = performance.now();
    const res = await fetch(`${baseUrl}${path}`, {
      headers: { accept: 'text/html', cookie: session.cookie, 'accept-language': 'en' },
      redirect: 'manual',
    });
    const body = await res.text();
    const ms = performance.now() - started;
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 200)}`);
    return { ms, bytes: body.length };
  };
  for (let i = 0; i < WARMUP; i++) await once();
  const times: number[] = [];
  let bytes = 0;
  const cpuBefore = process.cpuUsage();
  const tallyBefore = counter?.snapshot();
  for (let i = 0; i < REQUESTS; i++) {
    const { ms, bytes: size } = await once();
    times.push(ms);
    bytes = size;
  }
  const cpu = process.cpuUsage(cpuBefore);
  const tallyAfter = counter?.snapshot();
  times.sort((a, b) => a - b);
  return {
    cpuMs: (cpu.user + cpu.system) / 1000 / REQUESTS,
    statements:
      tallyAfter && tallyBefore ? (tallyAfter.statements - tallyBefore.statements) / REQUESTS : undefined,
    roundTrips:
      tallyAfter && tallyBefore ? (tallyAfter.roundTrips - tallyBefore.roundTrips) / REQUESTS : undefined,
    label,
    path,
    p50: quantile(times, 0.5),
    p95: quantile(times, 0.95),
    max: times.at(-1)!,
    kib: bytes / 1024,
  } satisfies PageFigures;
}

async function run(): Promise<void> {
  let server: TestServer | undefined;
  if (BENCH_DATABASE_URL) process.env[TEST_DATABASE_URL_VARIABLE] = BENCH_DATABASE_URL;
  else {
    server = await startTestServer();
    process.env[TEST_DATABASE_URL_VARIABLE] = server.url;
  }
  const backend = server ? 'embedded PostgreSQL' : 'PostgreSQL (AMPARO_BENCH_DATABASE_URL)';
  let t: TestApp | undefined;
  let counter: StatementCounter | undefined;
  let ownDatabase: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  try {
    await ensureTemplate();
    // Counting: a database of our own, reached through the proxy (createTestApp's env names it; its own copy
    // of the template then goes unused and is dropped with it).
    if (COUNT_STATEMENTS) {
      ownDatabase = await createTestDatabase();
      counter = await startStatementCounter(ownDatabase.url);
    }
    t = await createTestApp({
      env: { AMPARO_TIMEZONE: ZONE, ...(counter ? { AMPARO_DATABASE_URL: counter.url } : {}) },
      clock: new TestClock(RAID_AT),
    });
    const version = await t.context.db
      .selectNoFrom((eb) => eb.fn<string>('current_setting', [eb.val('server_version')]).as('v'))
      .executeTakeFirstOrThrow();
    say(
      `${backend} ${version.v}; ${PEOPLE} people, ${CONTACTS} family contacts, ${LOCATOR_RESULTS} locator results`,
    );
    const seeded = await seed(t);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const pages: [string, string][] = [
      ['operation page', `/console/operations/${seeded.operationId}`],
      ['operation worklist', `/console/operations/${seeded.operationId}/worklist`],
      ['locator worklist', '/console/locating'],
      ['legal home', '/console'],
    ];
    const figures: PageFigures[] = [];
    for (const [label, path] of pages)
      figures.push(await measurePage(baseUrl, seeded.legal, label, path, counter));

    const rows = [
      ['what', 'p50 ms', 'p95 ms', 'max ms', 'node CPU ms/req', 'statements/req', 'KiB', 'target', 'met'],
      ...figures.map((f) => [
        `${f.label} (${f.path.replace(seeded.operationId, ':id')})`,
        f.p50.toFixed(1),
        f.p95.toFixed(1),
        f.max.toFixed(1),
        f.cpuMs.toFixed(1),
        f.statements === undefined ? '-' : `${f.statements.toFixed(0)} (${f.roundTrips!.toFixed(0)} trips)`,
        f.kib.toFixed(0),
        `p95 < ${PAGE_TARGET_MS} ms`,
        f.p95 < PAGE_TARGET_MS ? 'yes' : 'NO',
      ]),
      [
        `roster import, ${PEOPLE} rows (preview + import)`,
        '',
        '',
        '',
        '',
        '',
        '',
        `< ${ROSTER_TARGET_S} s`,
        seeded.rosterMs < ROSTER_TARGET_S * 1000 ? 'yes' : 'NO',
      ],
    ];
    const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
    say('');
    say(
      `${REQUESTS} requests per page, one at a time, after ${WARMUP} to warm up; as a legal user on the team`,
    );
    for (const row of rows)
      say(
        row
          .map((cell, column) =>
            column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
          )
          .join('  '),
      );
    say(
      `load average (1 min) at the end: ${loadavg()[0]!.toFixed(1)} on this machine's cores, shared with anything else running`,
    );
    say(`roster import wall time: ${seconds(seeded.rosterMs)} (preview ${seconds(seeded.rosterPreviewMs)})`);
  } finally {
    await t?.close();
    await counter?.close();
    await ownDatabase?.drop();
    await server?.stop();
  }
}

await run();
