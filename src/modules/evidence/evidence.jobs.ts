// Jobs the evidence module causes. The working copy (a photo re-encoded, a video or recording remuxed without
// its tags) takes long for a large video, so it is made after the upload is answered, not during its last
// request. The payload is the item's id alone: the file name and the bytes stay sealed where they are.
import { isUuid } from '../../http/ids.ts';
import { defineJob, parseEmptyPayload } from '../../jobs/jobs.ts';

export interface WorkingCopyPayload {
  itemId: string;
}

/** Makes one item's working copy; enqueued with the item's row, so it exists only if the receipt commits. */
export const workingCopyJob = defineJob<WorkingCopyPayload>({
  name: 'evidence.working-copy',
  // A 300 MB video remuxes in well under a minute; a crash mid-way is retried, the copy written again whole.
  queue: { retryLimit: 3, retryDelay: 30, retryBackoff: true, expireInSeconds: 1800 },
  pollingIntervalSeconds: 1,
  parse(data) {
    const { itemId, ...rest } = (data ?? {}) as Record<string, unknown>;
    if (!isUuid(itemId) || Object.keys(rest).length > 0) {
      throw new Error('evidence.working-copy takes exactly { itemId: <uuid> }.');
    }
    return { itemId };
  },
});

/** An upload nothing was added to for this long is given up on: a weak signal resumes within hours, not days. */
export const ABANDONED_UPLOAD_MS = 3 * 24 * 60 * 60 * 1000;

/** Daily: removes the sealed parts of uploads abandoned half-way. The payload carries nothing. */
export const sweepAbandonedUploadsJob = defineJob<Record<string, never>>({
  name: 'evidence.sweep-abandoned-uploads',
  queue: { retryLimit: 3, retryDelay: 300, expireInSeconds: 1800 },
  parse: parseEmptyPayload('evidence.sweep-abandoned-uploads'),
});
