// Helpers the case-tracking tests share: console form posts as a browser sends them, an attorney assigned to
// a case (placed directly in the support module's tables: these tests are about what tracking does with one),
// and reading back what was texted and what the reminder tables hold.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { hashToken } from '../../crypto/secrets.ts';
import { CsrfTokens } from '../../http/csrf.ts';
import type { StaffSession } from '../../../test/support/staff.ts';
import { attorneyPhoneField } from '../case-support/case-support.attorneys.ts';

/**
 * Console form posts and page loads as a browser sends them. The clock in these tests moves on by days, so
 * each request first keeps the session alive and takes a fresh form token (see refreshSession).
 */
export function formPoster(app: FastifyInstance, context: AppContext) {
  return async (session: StaffSession, url: string, form: Record<string, string>, lang = 'en') => {
    const live = await refreshSession(context, session);
    return app.inject({
      method: 'POST',
      url,
      headers: {
        accept: 'text/html',
        cookie: live.cookie,
        'accept-language': lang,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({ _csrf: live.csrfToken, ...form }).toString(),
    });
  };
}

export function pageGetter(app: FastifyInstance, context: AppContext) {
  return async (session: StaffSession, url: string, lang = 'en') => {
    await refreshSession(context, session);
    return app.inject({
      url,
      headers: { accept: 'text/html', cookie: session.cookie, 'accept-language': lang },
    });
  };
}

/** An attorney in the directory, with a phone, assigned to the case now. */
export async function assignTestAttorney(
  context: AppContext,
  caseId: string,
  options: { phone: string | null; languages?: string[]; name?: string },
): Promise<string> {
  const id = randomUUID();
  const now = context.clock.now();
  await context.db
    .insertInto('attorneys')
    .values({
      id,
      name: options.name ?? 'Lic. Alma Torres',
      organization: 'Legal Aid Chicago',
      languages: options.languages ?? ['en', 'es'],
      capacity: 10,
      phone_ciphertext: options.phone
        ? context.secrets.fields.encrypt(attorneyPhoneField(id), options.phone)
        : null,
      archived_at: null,
      created_by: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await context.db
    .insertInto('case_attorney_assignments')
    .values({
      id: randomUUID(),
      case_id: caseId,
      attorney_id: id,
      assigned_by: null,
      assigned_at: now,
      conflict_acknowledged: false,
      ended_by: null,
      ended_at: null,
    })
    .execute();
  return id;
}

export async function remindersOf(context: AppContext, caseId: string) {
  return context.db
    .selectFrom('case_reminders')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('due_at')
    .orderBy('created_at')
    .execute();
}

/** Every text in the console outbox, decrypted, with its recipient: for "nobody else got anything". */
export async function allOutboxTexts(context: AppContext): Promise<{ toIndex: string; body: string }[]> {
  const rows = await context.db
    .selectFrom('sms_outbox')
    .select(['id', 'to_index', 'body_ciphertext'])
    .orderBy('created_at')
    .execute();
  return rows.map((row) => ({
    toIndex: row.to_index,
    body: context.secrets.fields.decrypt(
      { table: 'sms_outbox', column: 'body', rowId: row.id },
      row.body_ciphertext,
    ),
  }));
}

/**
 * The same signed-in staff member after the test clock has moved on hours or days: the session is kept alive
 * (as if they had been active) and a fresh form token issued.
 */
export async function refreshSession<Session extends StaffSession>(
  context: AppContext,
  session: Session,
): Promise<Session> {
  const now = context.clock.now();
  const row = await context.db
    .updateTable('sessions')
    .set({ last_seen_at: now, expires_at: new Date(now.getTime() + 12 * 3600_000) })
    .where('id', '=', hashToken(session.sessionToken))
    .returning('csrf_secret')
    .executeTakeFirstOrThrow();
  const csrf = new CsrfTokens(context.secrets.keyring.derive('csrf'), context.clock);
  return { ...session, csrfToken: csrf.issue(row.csrf_secret) };
}
