// How the reports module's encrypted values are bound (field encryption) and indexed (blind index). Other
// modules that read a report's columns use these, never their own literals.
import type { BlindIndexer } from '../../crypto/blind-index.ts';
import { fieldRef, type EncryptedColumn, type FieldRef } from '../../crypto/field-encryption.ts';

export function reportField(reportId: string, column: EncryptedColumn<'reports'>): FieldRef<'reports'> {
  return fieldRef('reports', column, reportId);
}

/** The caller's callback number on a report (E.164), as the hotline and follow-ups read it. */
export function reportCallbackPhoneField(reportId: string): FieldRef<'reports'> {
  return reportField(reportId, 'callback_phone');
}

/** The blind index of a callback number (E.164): `reports.callback_phone_index`. */
export function reportCallbackPhoneIndex(blindIndex: BlindIndexer, e164: string): string {
  return blindIndex.index('reports.callback_phone', e164);
}

/** A report photo's file on disk. */
export function reportPhotoField(photoId: string): FieldRef<'report_photos'> {
  return fieldRef('report_photos', 'content', photoId);
}
