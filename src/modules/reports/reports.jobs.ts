// Jobs the reports module causes. Payloads carry the report id and nothing else.
import { defineJob, parseEmptyPayload } from '../../jobs/jobs.ts';
import { isUuid } from './reports.schemas.ts';

const DAY_SECONDS = 24 * 60 * 60;
/** The longest retention config allows, plus a week: a queued job must outlive its own delay. */
const QUEUE_RETENTION_SECONDS = (3650 + 7) * DAY_SECONDS;

export interface ExpireReportPayload {
  reportId: string;
}

/** Deletes a report that nobody judged worth keeping once its retention period has passed. */
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

/** When a report's expiry job runs, and how long pg-boss must keep it waiting until then. */
export function expirySchedule(
  now: Date,
  retentionDays: number,
): { startAfter: Date; retentionSeconds: number } {
  return {
    startAfter: new Date(now.getTime() + retentionDays * DAY_SECONDS * 1000),
    retentionSeconds: (retentionDays + 7) * DAY_SECONDS,
  };
}

/** Hourly: removes photo files left without a report by a crash between writing the file and committing. */
export const sweepPhotosJob = defineJob<Record<string, never>>({
  name: 'reports.sweep-photos',
  queue: { retryLimit: 1, expireInSeconds: 600 },
  parse: parseEmptyPayload('reports.sweep-photos'),
});
