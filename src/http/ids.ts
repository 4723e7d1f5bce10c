// Ids taken from paths, forms and job payloads are checked by hand: a malformed id is "no such thing" (a 404 or
// a job that does nothing), not a malformed request.

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}
