// One error type with stable codes. Each code is documented with when it is thrown, and mapped once to an
// HTTP status and a message key, so browsers get a page and API clients get JSON with the same code.
import type { MessageKey } from '../i18n/i18n.ts';

export const ERROR_CODES = {
  /** The request's fields are missing, too long, or of the wrong shape. */
  invalid_request: { status: 400, message: 'error.invalid_request' },
  /** The body is not valid UTF-8 (or percent-decodes to invalid UTF-8). */
  invalid_encoding: { status: 400, message: 'error.invalid_encoding' },
  /** A form's anti-forgery token is missing, wrong, or expired. */
  csrf_failed: { status: 403, message: 'error.csrf_failed' },
  /** The route needs a signed-in staff member and there is none. */
  unauthenticated: { status: 401, message: 'error.unauthenticated' },
  /** Signed in, but the role does not allow this. */
  forbidden: { status: 403, message: 'error.forbidden' },
  /** No such page or record (or the caller may not know it exists). */
  not_found: { status: 404, message: 'error.not_found' },
  /** The body is larger than the route accepts. */
  payload_too_large: { status: 413, message: 'error.payload_too_large' },
  /** The body's Content-Type is not one the route accepts. */
  unsupported_media_type: { status: 415, message: 'error.unsupported_media_type' },
  /** An uploaded file is not a JPEG or PNG image, judged by its content. */
  invalid_image: { status: 422, message: 'error.invalid_image' },
  /** Too many requests from one client (keyed by an HMAC of its address) or for one account. */
  rate_limited: { status: 429, message: 'error.rate_limited' },
  /** The link (setup, invite) was used already or has expired. */
  link_expired: { status: 410, message: 'error.link_expired' },
  /** A change conflicts with the current state (e.g. an email already has an account). */
  conflict: { status: 409, message: 'error.conflict' },
  /** Anything unexpected; the details go to the log without personal data. */
  internal: { status: 500, message: 'error.internal' },
} as const satisfies Record<string, { status: number; message: MessageKey }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  /** Optional field-level problems, as message keys, for forms and API clients. */
  readonly fields: Record<string, MessageKey> | undefined;

  constructor(code: ErrorCode, options: { fields?: Record<string, MessageKey>; detail?: string } = {}) {
    // The message is for developers and logs: it must never include user-supplied values.
    super(options.detail ?? code);
    this.code = code;
    this.fields = options.fields;
  }
}
