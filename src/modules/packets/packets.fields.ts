// How the packets module's sealed values are bound (field encryption).
import { fieldRef, type FieldRef } from '../../crypto/field-encryption.ts';

/** The signing key's private half: one row, bound to a fixed row name. */
export function signingKeyPrivateField(): FieldRef<'packet_signing_keys'> {
  return fieldRef('packet_signing_keys', 'private_key', 'network');
}

export function legalHoldReasonField(holdId: string): FieldRef<'legal_holds'> {
  return fieldRef('legal_holds', 'reason', holdId);
}
