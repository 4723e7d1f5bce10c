// Jobs the reports module causes. Payloads carry the report id and nothing else.
import { defineJob, parseEmptyPayload } from '../../jobs/jobs.ts';
import { isUuid } from '../../http/ids.ts';

const DAY_SECONDS = 24 * 60 * 60;
/** The longest retention config allows, plus a week: a queued job must outlive its own delay. */
const QUEUE_RETENTION_SECONDS = (3650 + 7) * DAY_SECONDS;

export interface ExpireReportPayload {
  reportId: string;
}

/**
 * Deletes one report that nobody judged worth keeping. Earlier versions queued one per report, due when
 * its retention ended; the expiry sweep does that work now, and this definition stays so that jobs already
 * queued drain instead of waiting forever. Nothing enqueues it any more.
 */
export const expireReportJob = defineJob<ExpireReportPayload>({
  name: 'reports.expire',
  queue: { retentionSeconds: QUEUE_RETENTION_SECONDS },
  parse(data) {
    const { reportId, ...rest } = (data ?? {}) as Record<string, unknown>;
    if (typeof reportId !== 'string' || !isUuid(reportId) || Object.keys(rest).length > 0) {
      throw new Error('reports.expire takes exactly { reportId: <uuid> }.');
    }
    return { reportId };
  },
});

/**
 * Every five minutes: deletes the unverified reports whose retention has passed (a few minutes late at
 * most, against a retention counted in days).
 */
export const sweepExpiredReportsJob = defineJob<Record<string, never>>({
  name: 'reports.sweep-expired',
  queue: { retryLimit: 1, expireInSeconds: 600 },
  parse: parseEmptyPayload('reports.sweep-expired'),
});

/** Hourly: removes photo files left without a report by a crash between writing the file and committing. */
export const sweepPhotosJob = defineJob<Record<string, never>>({
  name: 'reports.sweep-photos',
  queue: { retryLimit: 1, expireInSeconds: 600 },
  parse: parseEmptyPayload('reports.sweep-photos'),
});
