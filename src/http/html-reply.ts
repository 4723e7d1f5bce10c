import type { FastifyReply } from 'fastify';
import type { Html } from './html.ts';

/** Sends a rendered page as UTF-8 HTML, with 200 unless another status is given. */
export function sendHtml(reply: FastifyReply, page: Html, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(page.value);
}
