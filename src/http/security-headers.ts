// Strict security headers on every response. Pages load nothing from another origin: no CDN, fonts,
// analytics or map tiles, so a network observer learns nothing from third-party requests.
import type { FastifyInstance } from 'fastify';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  // Voicemails play in the console from its own origin.
  "media-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The headers every response carries; also written by hand on hijacked replies (event streams). */
export function securityHeaders(options: { secure: boolean }): Record<string, string> {
  return {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'geolocation=(self), camera=(), microphone=(), interest-cohort=()',
    ...(options.secure ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

export function registerSecurityHeaders(app: FastifyInstance, options: { secure: boolean }): void {
  const headers = securityHeaders(options);
  app.addHook('onSend', async (request, reply, payload) => {
    reply.headers(headers);
    // Only static assets may be cached; every page may be personal or signed-in.
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    reply.removeHeader('server');
    reply.removeHeader('x-powered-by');
    return payload;
  });
}
