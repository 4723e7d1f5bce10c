// How a follow-up's encrypted answers are bound (field encryption): the detained person's name and the
// family's relationship to them, from the short family intake.
import { fieldRef, type EncryptedColumn, type FieldRef } from '../../crypto/field-encryption.ts';

export function followupField(
  taskId: string,
  column: EncryptedColumn<'followup_tasks'>,
): FieldRef<'followup_tasks'> {
  return fieldRef('followup_tasks', column, taskId);
}
