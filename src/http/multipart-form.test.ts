import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import { AppError } from './errors.ts';
import { readPhotoForm } from './multipart-form.ts';

const BOUNDARY = 'amparo-test-boundary';
const FIELD_BYTE_LIMIT = 16;
const FILE_BYTE_LIMIT = 32;

type Part = { name: string; value: string } | { name: string; filename: string; bytes: Buffer };

/** What the test route answers: the form as read, or the code of the error the reader threw. */
interface ReadForm {
  values?: { name?: string; notes?: string; tags?: string[] };
  csrf?: unknown;
  photo?: string | null;
  photoTooLarge?: boolean;
  truncated?: string[];
  error?: string;
}

function multipartBody(parts: Part[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    if ('value' in part) {
      chunks.push(
        Buffer.from(
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`,
        ),
      );
    } else {
      chunks.push(
        Buffer.from(
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\n` +
            'Content-Type: application/octet-stream\r\n\r\n',
        ),
        part.bytes,
        Buffer.from('\r\n'),
      );
    }
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

describe('readPhotoForm', () => {
  let app: FastifyInstance;

  before(async () => {
    app = Fastify();
    await app.register(multipart, {
      limits: { fileSize: FILE_BYTE_LIMIT, files: 2 },
      throwFileSizeLimit: true,
    });
    app.post('/form', async (request) => {
      try {
        const form = await readPhotoForm(request, {
          textFields: ['name', 'notes'],
          listFields: ['tags'],
          fieldByteLimit: FIELD_BYTE_LIMIT,
        });
        return {
          values: form.values,
          csrf: form.csrf,
          photo: form.photo?.toString('utf8') ?? null,
          photoTooLarge: form.photoTooLarge,
          truncated: [...form.truncated],
        };
      } catch (error) {
        if (error instanceof AppError) return { error: error.code };
        throw error;
      }
    });
    await app.ready();
  });

  after(async () => {
    await app.close();
  });

  const post = async (
    payload: Buffer | string,
    contentType = `multipart/form-data; boundary=${BOUNDARY}`,
  ): Promise<ReadForm> => {
    const res = await app.inject({
      method: 'POST',
      url: '/form',
      payload,
      headers: { 'content-type': contentType },
    });
    return res.json<ReadForm>();
  };

  test('keeps the first value and first token, every list value, notes cut values, ignores the rest', async () => {
    const form = await post(
      multipartBody([
        { name: '_csrf', value: 'first-token' },
        { name: 'name', value: 'Ana' },
        { name: 'tags', value: 'vests' },
        { name: 'name', value: 'Second' },
        { name: '_csrf', value: 'second-token' },
        { name: 'notes', value: 'x'.repeat(FIELD_BYTE_LIMIT + 5) },
        { name: 'tags', value: 'vehicles' },
        { name: 'unknown', value: 'dropped' },
        { name: 'attachment', filename: 'other.bin', bytes: Buffer.from('not the photo') },
        { name: 'photo', filename: 'photo.jpg', bytes: Buffer.from('photo bytes') },
      ]),
    );
    assert.equal(form.csrf, 'first-token');
    assert.equal(form.values?.name, 'Ana');
    assert.deepEqual(form.values?.tags, ['vests', 'vehicles']);
    assert.equal(form.values?.notes, 'x'.repeat(FIELD_BYTE_LIMIT));
    assert.equal('unknown' in (form.values ?? {}), false);
    assert.deepEqual(form.truncated, ['notes']);
    assert.equal(form.photo, 'photo bytes');
    assert.equal(form.photoTooLarge, false);
  });

  test('an empty file part means no photo was chosen', async () => {
    const form = await post(
      multipartBody([
        { name: 'name', value: 'Ana' },
        { name: 'photo', filename: '', bytes: Buffer.alloc(0) },
      ]),
    );
    assert.equal(form.photo, null);
    assert.equal(form.photoTooLarge, false);
    assert.equal(form.values?.name, 'Ana');
  });

  test('a photo over the limit is flagged and what was typed is kept', async () => {
    const form = await post(
      multipartBody([
        { name: 'name', value: 'Ana' },
        { name: 'tags', value: 'vests' },
        { name: 'photo', filename: 'big.jpg', bytes: Buffer.alloc(FILE_BYTE_LIMIT + 1, 1) },
      ]),
    );
    assert.equal(form.photoTooLarge, true);
    assert.equal(form.photo, null);
    assert.deepEqual(form.values, { name: 'Ana', tags: ['vests'] });
  });

  test('a body that is not multipart is refused; a broken one is a bad request', async () => {
    assert.deepEqual(await post('name=Ana', 'text/plain'), {
      error: 'unsupported_media_type',
    });
    const cutOff = multipartBody([{ name: 'name', value: 'Ana' }]).subarray(0, 30);
    assert.deepEqual(await post(cutOff), { error: 'invalid_request' });
  });
});
