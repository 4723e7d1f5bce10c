// Reads a multipart form made of typed fields and at most one photo, as the public report form and the
// responder's verification form are. Streamed, with the photo as the form's last field: when the photo is too
// large every typed value has already arrived, so the form can come back with what the person typed.
import type { Multipart } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { AppError } from './errors.ts';

export interface PhotoFormFields<TextField extends string, ListField extends string> {
  /** Fields with one value each: the first one sent wins, later repeats are ignored. */
  textFields: readonly TextField[];
  /** Fields that may repeat (a group of checkboxes): every value is kept, in the order sent. */
  listFields?: readonly ListField[];
  /** Longest value in bytes of any one field; longer values are cut there and noted in `truncated`. */
  fieldByteLimit: number;
  /** The name of the one file field (a spreadsheet on an import form); `photo` unless given. */
  fileField?: string;
}

export interface SubmittedPhotoForm<TextField extends string, ListField extends string> {
  /** The values as typed, kept verbatim so a rejected form can be shown again exactly as it was. */
  values: Partial<Record<TextField, string>> & Partial<Record<ListField, string[]>>;
  /** The first `_csrf` value sent, unchecked. */
  csrf: unknown;
  /** The bytes of the `photo` file, or undefined when none was chosen. */
  photo: Buffer | undefined;
  /** The file's name as the browser sent it (user data), when a file was chosen. */
  fileName?: string | undefined;
  /** A photo was sent but exceeded the upload limit; its bytes were dropped. */
  photoTooLarge: boolean;
  /** Text fields whose value was cut at `fieldByteLimit`. */
  truncated: Set<TextField>;
}

function isFileTooLarge(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'FST_REQ_FILE_TOO_LARGE';
}

export async function readPhotoForm<TextField extends string, ListField extends string = never>(
  request: FastifyRequest,
  fields: PhotoFormFields<TextField, ListField>,
): Promise<SubmittedPhotoForm<TextField, ListField>> {
  if (!request.isMultipart()) throw new AppError('unsupported_media_type');
  const textFields: readonly string[] = fields.textFields;
  const listFields: readonly string[] = fields.listFields ?? [];
  const isTextField = (name: string): name is TextField => textFields.includes(name);
  const isListField = (name: string): name is ListField => listFields.includes(name);

  const text: Partial<Record<TextField, string>> = {};
  const lists: Partial<Record<ListField, string[]>> = {};
  const form: Omit<SubmittedPhotoForm<TextField, ListField>, 'values'> = {
    csrf: undefined,
    photo: undefined,
    photoTooLarge: false,
    truncated: new Set(),
  };
  const finished = (): SubmittedPhotoForm<TextField, ListField> => ({
    ...form,
    values: { ...text, ...lists },
  });

  const parts: AsyncIterableIterator<Multipart> = request.parts({
    limits: { fieldSize: fields.fieldByteLimit },
  });
  try {
    for await (const part of parts) {
      if (part.type === 'file') {
        if (
          part.fieldname !== (fields.fileField ?? 'photo') ||
          form.photo !== undefined ||
          form.photoTooLarge
        ) {
          part.file.resume();
          continue;
        }
        try {
          const bytes = await part.toBuffer();
          // Browsers send an empty file part when no photo was chosen.
          if (bytes.length > 0) {
            form.photo = bytes;
            form.fileName = part.filename;
          }
        } catch (error) {
          if (!isFileTooLarge(error)) throw error;
          form.photoTooLarge = true;
        }
        continue;
      }
      if (typeof part.value !== 'string') continue;
      if (part.fieldname === '_csrf') form.csrf ??= part.value;
      else if (isListField(part.fieldname)) (lists[part.fieldname] ??= []).push(part.value);
      else if (isTextField(part.fieldname) && text[part.fieldname] === undefined) {
        text[part.fieldname] = part.value;
        if (part.valueTruncated) form.truncated.add(part.fieldname);
      }
    }
  } catch (error) {
    // The plugin re-raises a too-large file once the body has been read to the end; by then every field
    // has arrived, and the oversized photo is already noted.
    if (form.photoTooLarge && isFileTooLarge(error)) return finished();
    // Limits carry Fastify codes that the app maps to clear answers (413 and so on).
    if (error instanceof AppError || typeof (error as { code?: unknown }).code === 'string') throw error;
    // The multipart parser reports a body that is not multipart at all (no boundary, cut off half-way) as a
    // plain Error: that is bad input, not a fault of ours.
    throw new AppError('invalid_request');
  }
  return finished();
}
