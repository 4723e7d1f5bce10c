// Jobs the cases module causes. Payloads carry ids and a change kind, never a name, number or text.
import { defineJob, parseEmptyPayload } from '../../jobs/jobs.ts';
import { isUuid } from '../../http/ids.ts';

/**
 * What a family is told about: the text names the kind of change only, and says what really happened: the
 * person was located (the first facility known), moved to another facility, released; a hearing was set or
 * changed; other news about the case. 'facility' is the older, vaguer kind, still read from queued jobs.
 */
export const FAMILY_CHANGES = ['located', 'moved', 'released', 'facility', 'hearing', 'outcome'] as const;
export type FamilyChange = (typeof FAMILY_CHANGES)[number];

export function isFamilyChange(value: unknown): value is FamilyChange {
  return typeof value === 'string' && (FAMILY_CHANGES as readonly string[]).includes(value);
}

export interface TextFamilyPayload {
  caseId: string;
  change: FamilyChange;
  /** One id per change: the ledger keys on it with each contact, so a retry texts nobody twice. */
  notificationId: string;
}

/** Texts every family contact who consented, in their language, that something changed in the case. */
export const textFamilyJob = defineJob<TextFamilyPayload>({
  name: 'cases.text-family',
  queue: { retryLimit: 5, retryDelay: 30, retryBackoff: true },
  parse(data) {
    const { caseId, change, notificationId, ...rest } = (data ?? {}) as Record<string, unknown>;
    if (
      typeof caseId !== 'string' ||
      !isUuid(caseId) ||
      !isFamilyChange(change) ||
      typeof notificationId !== 'string' ||
      !isUuid(notificationId) ||
      Object.keys(rest).length > 0
    ) {
      throw new Error('cases.text-family takes exactly { caseId: <uuid>, change, notificationId: <uuid> }.');
    }
    return { caseId, change, notificationId };
  },
});

/** Daily: destroys the keys of closed cases whose retention has run out. */
export const destroyCaseKeysJob = defineJob<Record<string, never>>({
  name: 'cases.destroy-keys',
  queue: { retryLimit: 3, retryDelay: 300, expireInSeconds: 3600 },
  parse: parseEmptyPayload('cases.destroy-keys'),
});
