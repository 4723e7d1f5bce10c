// Jobs the dispatch module causes. The payload is the dispatch id: the text, the number and the place are
// read back when the job runs, so none of them sits in the queue.
import { defineJob } from '../../jobs/jobs.ts';
import { isUuid } from '../../http/ids.ts';

export interface SendDispatchTextPayload {
  dispatchId: string;
}

/**
 * A text to a responder about one dispatch. A dispatch is urgent and stale within the hour; a few quick retries
 * ride out a provider hiccup. The payload is exactly { dispatchId }.
 */
function dispatchTextJob(name: string) {
  return defineJob<SendDispatchTextPayload>({
    name,
    queue: { retryLimit: 3, retryDelay: 5, retryBackoff: true, expireInSeconds: 120 },
    parse(data) {
      const { dispatchId, ...rest } = (data ?? {}) as Record<string, unknown>;
      if (!isUuid(dispatchId) || Object.keys(rest).length > 0) {
        throw new Error(`${name} takes exactly { dispatchId: <uuid> }.`);
      }
      return { dispatchId };
    },
  });
}

/** Texts a responder the dispatch: enqueued with the dispatch row, so it is sent only if that commits. */
export const sendDispatchTextJob = dispatchTextJob('dispatch.send-text');

/**
 * Texts a responder a callout (dispatch.callout.ts): the same dispatch row and answers, worded as a call for
 * observers. Its own name rather than a flag in the payload, so the payload stays the dispatch id alone.
 */
export const sendCalloutTextJob = dispatchTextJob('dispatch.send-callout-text');

/**
 * Tells a responder they are stood down: enqueued with the cancellation, so it goes only if that commits.
 * Same payload and urgency as the dispatch text: someone on their way must hear it before they get there.
 */
export const sendStandDownTextJob = dispatchTextJob('dispatch.send-stand-down');
