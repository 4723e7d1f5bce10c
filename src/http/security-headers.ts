// Strict security headers on every response. Pages load nothing from another origin: no CDN, fonts,
// analytics or map tiles, so a network observer learns nothing from third-party requests.
import type { FastifyInstance, FastifyReply } from 'fastify';

/** The policy, optionally with more image origins (only ever for one reply: see allowImagesFrom). */
export function contentSecurityPolicy(extraImageOrigins: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    ["img-src 'self' data:", ...extraImageOrigins].join(' '),
    // Voicemails play in the console from its own origin.
    "media-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

const extraImageOrigins = new WeakMap<FastifyReply, string[]>();

/**
 * Lets this one reply load images from one more origin (the map's street tiles, when a network configured
 * them). Every other reply keeps the strict policy. Only a bare https origin is accepted, so nothing can
 * smuggle another directive into the header.
 */
export function allowImagesFrom(reply: FastifyReply, origin: string): void {
  if (!/^https:\/\/[a-z0-9.-]+(:[0-9]{1,5})?$/i.test(origin)) {
    throw new Error('allowImagesFrom takes an https:// origin without a path');
  }
  const origins = extraImageOrigins.get(reply) ?? [];
  if (!origins.includes(origin)) origins.push(origin);
  extraImageOrigins.set(reply, origins);
}

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
    const images = extraImageOrigins.get(reply);
    if (images) reply.header('content-security-policy', contentSecurityPolicy(images));
    // Only static assets may be cached; every page may be personal or signed-in.
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    reply.removeHeader('server');
    reply.removeHeader('x-powered-by');
    return payload;
  });
}
