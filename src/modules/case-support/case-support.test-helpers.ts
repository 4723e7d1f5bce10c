// Helpers the case support tests share: staff forms posted as a browser would (url-encoded, with the
// session's CSRF token), attorneys and funds put in place, and what a case's timeline and rows hold.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { StaffSession } from '../../../test/support/staff.ts';
import { caseKeyStoreFor } from '../../crypto/case-keys.ts';
import { readCaseTimeline } from '../cases/cases.timeline.ts';
import { createAttorney } from './case-support.attorneys.ts';
import { createFund, recordDeposit } from './case-support.bond.ts';

export function postForm(
  app: FastifyInstance,
  session: StaffSession,
  url: string,
  fields: Record<string, string>,
  lang = 'en',
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url,
    headers: {
      cookie: session.cookie,
      accept: 'text/html',
      'accept-language': lang,
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: new URLSearchParams({ _csrf: session.csrfToken, ...fields }).toString(),
  });
}

export function getPage(
  app: FastifyInstance,
  session: StaffSession,
  url: string,
  lang = 'en',
): Promise<LightMyRequestResponse> {
  return app.inject({
    url,
    headers: { cookie: session.cookie, accept: 'text/html', 'accept-language': lang },
  });
}

export async function addAttorney(
  context: AppContext,
  actorId: string,
  attorney: { name: string; languages: string[]; capacity: number; phone?: string; organization?: string },
): Promise<string> {
  const created = await createAttorney(
    context,
    { userId: actorId, roles: ['legal'] },
    {
      name: attorney.name,
      organization: attorney.organization ?? null,
      languages: attorney.languages,
      capacity: attorney.capacity,
      phone: attorney.phone ?? null,
    },
  );
  if (created.outcome !== 'saved') throw new Error('the test attorney was not saved');
  return created.id;
}

/** A fund with this much deposited (cents). */
export async function addFund(
  context: AppContext,
  actorId: string,
  name: string,
  depositCents: number,
): Promise<string> {
  const created = await createFund(context, actorId, name);
  if (created.outcome !== 'created') throw new Error('fund name taken');
  if (depositCents > 0) {
    await recordDeposit(context, actorId, created.fundId, {
      amountCents: depositCents,
      occurredOn: '2026-11-01',
      receipt: null,
    });
  }
  return created.fundId;
}

export async function timelineKinds(context: AppContext, caseId: string): Promise<string[]> {
  // Kinds are sealed with the details: read them through the case key, as the page does.
  const cipher = await caseKeyStoreFor(context).cipherFor(caseId);
  return (await readCaseTimeline(context.db, cipher, caseId)).map((entry) => entry.kind);
}

export async function auditActions(context: AppContext, subjectId: string): Promise<string[]> {
  const rows = await context.db
    .selectFrom('audit_log')
    .select('action')
    .where('subject_id', '=', subjectId)
    .orderBy('seq')
    .execute();
  return rows.map((row) => row.action);
}

/** Every row of a table as text, as a database dump would show it. */
export async function rawRows(context: AppContext, table: string): Promise<string> {
  const { rows } = await sql<{ row: string }>`select t::text as row from ${sql.table(table)} t`.execute(
    context.db,
  );
  return rows.map((r) => r.row).join('\n');
}

/** An incident row for cases opened from it (only its id matters here). */
export async function insertBareIncident(context: AppContext): Promise<string> {
  const id = randomUUID();
  const now = context.clock.now();
  await context.db
    .insertInto('incidents')
    .values({
      id,
      reference: `I-${id.slice(0, 6).toUpperCase()}`,
      type: 'workplace',
      agency: 'ice',
      status: 'confirmed',
      point_ciphertext: null,
      zip: '60623',
      h3_cell: null,
      summary_ciphertext: null,
      merged_into: null,
      created_by: null,
      created_at: now,
      updated_at: now,
      status_changed_by: null,
      status_changed_at: null,
    })
    .execute();
  return id;
}

/** The text of a page's element with this id, tags stripped and spaces collapsed. */
export function textOf(body: string, id: string): string {
  const start = body.indexOf(`id="${id}"`);
  if (start === -1) return '';
  const open = body.lastIndexOf('<', start);
  const tag = /^<(\w+)/.exec(body.slice(open))?.[1] ?? 'div';
  const end = body.indexOf(`</${tag}>`, start);
  return body
    .slice(open, end === -1 ? undefined : end)
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
