// Photos sent by MMS. Twilio holds each attachment until Amparo fetches it; the sms.fetch-media job runs
// once the conversation has become a report (a stored photo always has a report to belong to, so it shares
// the report's retention and the reports module's orphan sweep never mistakes it for debris). The job
// downloads the attachment with the account's credentials, checks and strips it like a web form photo,
// stores it encrypted as one of the report's photos, and then deletes Twilio's copy.
//
// Attachments that are not JPEG or PNG photos (video, audio, contact cards) cannot be checked or stripped
// here, so they are not kept: the report's transcript records that they were sent and of what type, so a
// dispatcher can ask for them another way, and Twilio's copy is deleted all the same.
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../../app/context.ts';
import type { BlobStore } from '../../integrations/storage/storage.ts';
import { TwilioApiError, TwilioRestClient } from '../../integrations/twilio/rest-client.ts';
import { forgetDeletedCopy } from '../provider-retention/provider-retention.service.ts';
import { InvalidImageError, MAX_PHOTO_BYTES, photoDecoder, type PreparedPhoto } from '../reports/photo.ts';
import { linkReportPhoto } from '../reports/reports.service.ts';
import { findMedia, updateMedia } from './sms.repository.ts';
import type { FieldRef } from '../../crypto/field-encryption.ts';
import { reportPhotoField } from '../reports/reports.fields.ts';

export type MediaOutcome =
  /** Stored as a photo of its report, and deleted at Twilio. */
  | 'stored'
  /** Not a photo Amparo can keep; deleted at Twilio. */
  | 'not_kept'
  /** Its conversation has not become a report yet; the job is enqueued again when it does. */
  | 'waiting'
  /** Nothing left to do (done before, or the report is gone). */
  | 'done'
  /** The URL is not one of this account's media; nothing was requested. */
  | 'refused';

/** The report photo's encryption binding: the same one the reports module uses to read it back. */
function photoField(photoId: string): FieldRef<'report_photos'> {
  return reportPhotoField(photoId);
}

function twilioClient(context: AppContext): TwilioRestClient | undefined {
  const { accountSid, authToken, apiBase } = context.config.twilio;
  if (!accountSid || !authToken) return undefined;
  return new TwilioRestClient({ accountSid, authToken, apiBase });
}

function isGone(error: unknown): boolean {
  return error instanceof TwilioApiError && error.status === 404;
}

const PHOTO_TYPES = new Set(['image/jpeg', 'image/jpg', 'image/png']);

/** The sms.fetch-media job. Safe to run again at any point: each step checks what is already done. */
export async function fetchSmsMedia(
  context: AppContext,
  store: BlobStore,
  mediaId: string,
): Promise<MediaOutcome> {
  const media = await findMedia(context.db, mediaId);
  if (!media || media.deleted_at_twilio_at !== null || media.twilio_url_ciphertext === null) return 'done';
  if (media.report_id === null) return 'waiting';
  const reportId = media.report_id;
  const client = twilioClient(context);
  const url = context.secrets.fields.decrypt(
    { table: 'sms_media', column: 'twilio_url', rowId: media.id },
    media.twilio_url_ciphertext,
  );
  const resource = client?.resourcePath(url);
  if (!client || !resource || resource.kind !== 'media') {
    // Never send the account's credentials anywhere but Twilio's API for this account's own media.
    await updateMedia(context.db, media.id, { twilio_url_ciphertext: null, fetched_at: context.clock.now() });
    context.logger.warn({ mediaId: media.id }, 'MMS attachment URL is not this account’s media; not fetched');
    return 'refused';
  }

  let outcome: MediaOutcome = 'not_kept';
  if (media.fetched_at === null) {
    let photo: PreparedPhoto | undefined;
    if (PHOTO_TYPES.has(media.content_type.toLowerCase())) {
      try {
        const downloaded = await client.download(resource, MAX_PHOTO_BYTES);
        photo = await photoDecoder(context).prepare(downloaded.bytes);
      } catch (error) {
        if (isGone(error)) {
          await updateMedia(context.db, media.id, {
            twilio_url_ciphertext: null,
            fetched_at: context.clock.now(),
            deleted_at_twilio_at: context.clock.now(),
          });
          await forgetDeletedCopy(context.db, resource.sid);
          return 'done';
        }
        // Too large (Twilio answered, but with more than a photo may be; or more pixels than a photo may
        // have), or not really an image: not kept. No decode place free, or anything else (Twilio
        // unreachable or refusing), is thrown, and the job retried later.
        const tooLarge = error instanceof TwilioApiError && error.status !== undefined && error.status < 400;
        const refused = error instanceof InvalidImageError && error.reason !== 'busy';
        if (!refused && !tooLarge) throw error;
      }
    }
    if (photo) outcome = (await keepPhoto(context, store, media.id, reportId, photo)) ? 'stored' : 'done';
    else await updateMedia(context.db, media.id, { fetched_at: context.clock.now() });
  } else if (media.storage_key !== null) {
    outcome = 'stored';
  }

  try {
    await client.deleteResource(resource);
  } catch (error) {
    if (!isGone(error)) throw error;
  }
  await updateMedia(context.db, media.id, {
    twilio_url_ciphertext: null,
    deleted_at_twilio_at: context.clock.now(),
  });
  // Its message may go now.
  await forgetDeletedCopy(context.db, resource.sid);
  return outcome;
}

/**
 * Writes the encrypted photo, then links it to the report in one transaction. The file goes first, as for
 * a web form photo: a crash in between leaves a file without a row, which the reports module's sweep
 * removes, never a row without its file. The photo row takes the media row's id, so a retry links once.
 */
async function keepPhoto(
  context: AppContext,
  store: BlobStore,
  mediaId: string,
  reportId: string,
  photo: PreparedPhoto,
): Promise<boolean> {
  const key = randomBytes(16).toString('hex');
  await store.put(key, Buffer.from(context.secrets.fields.encrypt(photoField(mediaId), photo.stripped)));
  const now = context.clock.now();
  const linked = await context.db.transaction().execute(async (trx) => {
    // The report may have expired or been deleted while the photo was downloading.
    const added = await linkReportPhoto(trx, {
      id: mediaId,
      report_id: reportId,
      storage_key: key,
      original_sha256: photo.originalSha256,
      content_type: photo.contentType,
      size_bytes: photo.stripped.length,
      created_at: now,
    });
    if (!added) return false;
    await updateMedia(trx, mediaId, {
      storage_key: key,
      original_sha256: photo.originalSha256,
      fetched_at: now,
    });
    return true;
  });
  if (!linked) await store.delete(key);
  return linked;
}
