// How evidence items' sealed values are bound (field encryption): the original file's name as the phone gave it
// (user data: it can name a person or a place), and the reason given for a view, download or export.
import { fieldRef, type FieldRef } from '../../crypto/field-encryption.ts';

export function evidenceFileNameField(itemId: string): FieldRef<'evidence_items'> {
  return fieldRef('evidence_items', 'file_name', itemId);
}

export function custodyReasonField(eventId: string): FieldRef<'evidence_custody_events'> {
  return fieldRef('evidence_custody_events', 'reason', eventId);
}
