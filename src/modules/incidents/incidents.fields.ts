// How the incidents module's encrypted values are bound (field encryption). Other modules that read an
// incident's point or summary use these, never their own literals.
import { fieldRef, type EncryptedColumn, type FieldRef } from '../../crypto/field-encryption.ts';

export function incidentField(
  incidentId: string,
  column: EncryptedColumn<'incidents'>,
): FieldRef<'incidents'> {
  return fieldRef('incidents', column, incidentId);
}

export function incidentEventNoteField(eventId: string): FieldRef<'incident_events'> {
  return fieldRef('incident_events', 'note', eventId);
}
