// Helpers the reports tests share: fetching the form with its token, and building multipart bodies.
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';

export interface FormSession {
  cookie: string;
  csrf: string;
}

export async function openReportForm(app: FastifyInstance, lang = 'en'): Promise<FormSession> {
  const res = await app.inject({ url: '/report', headers: { accept: 'text/html', 'accept-language': lang } });
  assert.equal(res.statusCode, 200);
  const form = res.cookies.find((c) => c.name.endsWith('amparo_form'));
  assert.ok(form, 'the form page sets the form-binding cookie');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
  assert.ok(csrf, 'the form carries a token');
  return { cookie: `${form.name}=${form.value}`, csrf };
}

export interface Upload {
  name?: string;
  type?: string;
  bytes: Buffer;
}

/** A multipart body as a browser sends it, built through the platform's own FormData encoder. */
export async function multipartBody(
  fields: Record<string, string>,
  photo?: Upload,
): Promise<{ payload: Buffer; contentType: string }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (photo) {
    form.append(
      'photo',
      new Blob([new Uint8Array(photo.bytes)], { type: photo.type ?? 'image/jpeg' }),
      photo.name ?? 'photo.jpg',
    );
  }
  const response = new Response(form);
  return {
    payload: Buffer.from(await response.arrayBuffer()),
    contentType: response.headers.get('content-type') ?? '',
  };
}

export async function postReport(
  app: FastifyInstance,
  session: FormSession,
  fields: Record<string, string>,
  options: { photo?: Upload; lang?: string; csrf?: string } = {},
) {
  const { payload, contentType } = await multipartBody(
    { _csrf: options.csrf ?? session.csrf, ...fields },
    options.photo,
  );
  return app.inject({
    method: 'POST',
    url: '/report',
    payload,
    headers: {
      'content-type': contentType,
      cookie: session.cookie,
      accept: 'text/html',
      'accept-language': options.lang ?? 'en',
    },
  });
}

/** The reference the confirmation page was sent with (its `ref` parameter), from a 303's Location. */
export function referenceFromLocation(location: unknown): string {
  return new URL(String(location), 'http://amparo.test').searchParams.get('ref') ?? '';
}

export const EXIF_CANARY = 'CANARY-EXIF-7731';

export async function jpegWithExif(): Promise<Buffer> {
  return sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } })
    .jpeg()
    .withMetadata({ exif: { IFD0: { Copyright: EXIF_CANARY } } })
    .toBuffer();
}

export const VALID_FIELDS: Record<string, string> = {
  activity: 'detaining',
  location: 'Corner of 5th and Main, by the laundromat',
  zip: '60623',
  seen_when: 'now',
  agents_count: '4',
  vehicles_count: '2',
  uniform: 'Vests saying POLICE ICE',
  agency: 'ice',
  source: 'saw',
  details: 'Two people put in a grey van',
};
