/** PostgreSQL's SQLSTATE for a unique constraint or unique index refusing a write. */
const UNIQUE_VIOLATION = '23505';

/** Whether a unique constraint or unique index refused the write (for example two people racing to the same name). */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === UNIQUE_VIOLATION;
}
