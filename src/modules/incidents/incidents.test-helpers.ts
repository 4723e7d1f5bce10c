// Helpers the incident tests share: reports stored as the hotline stores them, and staff form posts.
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { StaffSession } from '../../../test/support/staff.ts';
import { insertIncomingReport, type IncomingReport } from '../reports/reports.service.ts';

/** Little Village, Chicago, and its ZIP code: the place most tests happen. */
export const BASE = { lat: 41.85, lon: -87.717 };
export const BASE_ZIP = '60623';

/** A point this many metres north of BASE (a thousandth of a degree of latitude is about 111 m). */
export function northOf(meters: number): { lat: number; lon: number } {
  return { lat: BASE.lat + meters / 111_195, lon: BASE.lon };
}

export function coordinates(point: { lat: number; lon: number }): string {
  return `${point.lat.toFixed(5)}, ${point.lon.toFixed(5)} (approximate)`;
}

export async function storeReport(
  context: AppContext,
  input: Partial<IncomingReport> = {},
): Promise<{ id: string; reference: string }> {
  return context.db.transaction().execute((trx) =>
    insertIncomingReport(context, trx, {
      channel: 'sms',
      language: 'en',
      activity: 'detaining',
      agency: 'ice',
      zip: BASE_ZIP,
      location: coordinates(BASE),
      ...input,
    }),
  );
}

export function formBody(fields: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const one of [value].flat()) params.append(name, one);
  }
  return params.toString();
}

export async function postForm(
  app: FastifyInstance,
  session: StaffSession,
  url: string,
  fields: Record<string, string | string[]>,
  options: { lang?: string; csrf?: boolean } = {},
) {
  return app.inject({
    method: 'POST',
    url,
    payload: formBody(options.csrf === false ? fields : { _csrf: session.csrfToken, ...fields }),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: session.cookie,
      accept: 'text/html',
      'accept-language': options.lang ?? 'en',
    },
  });
}

/** Creates an incident from a report through the console form; returns its id. */
export async function createIncidentByForm(
  app: FastifyInstance,
  session: StaffSession,
  reportId: string,
  fields: Record<string, string> = {},
): Promise<string> {
  const res = await postForm(app, session, '/console/incidents', {
    report_id: reportId,
    type: 'street',
    agency: 'ice',
    summary: 'two vans by the laundromat',
    ...fields,
  });
  assert.equal(res.statusCode, 303, res.body);
  const id = /^\/console\/incidents\/([0-9a-f-]{36})$/.exec(String(res.headers.location))?.[1];
  assert.ok(id, `redirected to ${String(res.headers.location)}`);
  return id;
}
