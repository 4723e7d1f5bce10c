// The short code a reporter is shown and can read over the phone. The alphabet leaves out 0/O and 1/I/L
// so it survives being read aloud or copied by hand; 31^8 codes make guessing a valid one in bulk hopeless.
import { randomInt } from 'node:crypto';

export const REFERENCE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const REFERENCE_LENGTH = 8;
export const REFERENCE_PATTERN = new RegExp(`^[${REFERENCE_ALPHABET}]{${REFERENCE_LENGTH}}$`);

export function newReferenceCode(): string {
  let code = '';
  // randomInt is uniform over the alphabet (no modulo bias).
  for (let i = 0; i < REFERENCE_LENGTH; i++) code += REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)];
  return code;
}
