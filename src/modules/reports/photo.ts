// Photos sent with a report. The type is judged by the file's first bytes, never by its name or the type the
// browser claims. The image is decoded and encoded again, which drops EXIF, GPS and every other piece of
// metadata (a phone photo's location could identify the person who took it). The hash of the bytes as they
// arrived is kept, so the copy can later be matched to the original a reporter still holds.
//
// Decoding is bounded (anyone can send a photo): the dimensions are read from the file's headers before
// anything is decoded, and a photo of more than MAX_PHOTO_PIXELS is refused; decodes go through a gate of
// AMPARO_IMAGE_DECODE_CONCURRENCY places with a bounded queue and a time limit (decode-gate.ts).
import { createHash } from 'node:crypto';
import type SharpModule from 'sharp';
import type { AppContext } from '../../app/context.ts';
import { DecodeBusyError, DecodeGate, DecodeTimeoutError } from './decode-gate.ts';

export type PhotoType = 'image/jpeg' | 'image/png';

export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
/**
 * 40 megapixels: more than a phone camera's usual photo (12 to 24 MP). A small file claiming more pixels
 * is a decompression bomb: a one-colour 10,000 × 10,000 JPEG weighs about 1 MB and takes 600 MB to decode.
 */
export const MAX_PHOTO_PIXELS = 40_000_000;
export const MAX_PHOTO_MEGAPIXELS = MAX_PHOTO_PIXELS / 1_000_000;

export interface PreparedPhoto {
  contentType: PhotoType;
  /** The re-encoded image, without metadata. */
  stripped: Buffer;
  originalSha256: string;
}

/**
 * Why a photo was not kept. Only 'busy' is worth trying again soon; the others are the photo itself.
 * - not_image: not a JPEG or PNG by its content, or it does not decode;
 * - too_many_pixels: its headers say more than MAX_PHOTO_PIXELS (nothing was decoded);
 * - timed_out: the decode ran past the time limit;
 * - busy: every decode place is taken and the queue is full, or no place came free in time.
 */
export type PhotoRefusal = 'not_image' | 'too_many_pixels' | 'timed_out' | 'busy';

export class InvalidImageError extends Error {
  override name = 'InvalidImageError';
  readonly reason: PhotoRefusal;
  constructor(reason: PhotoRefusal, message: string) {
    super(message);
    this.reason = reason;
  }
}

const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff]);
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function sniffPhotoType(bytes: Buffer): PhotoType | undefined {
  if (bytes.subarray(0, JPEG_MAGIC.length).equals(JPEG_MAGIC)) return 'image/jpeg';
  if (bytes.subarray(0, PNG_MAGIC.length).equals(PNG_MAGIC)) return 'image/png';
  return undefined;
}

type Sharp = typeof SharpModule;
let sharpModule: Promise<Sharp> | undefined;

/**
 * Loaded with the first photo: libvips costs every process memory that most never need. One libvips thread
 * per decode (the gate decides how many run at once, so N decodes take N cores, not N × all of them), and no
 * operation cache: photos are decoded once, and a cache would only keep their pixels in memory.
 */
async function loadSharp(): Promise<Sharp> {
  sharpModule ??= import('sharp').then(({ default: sharp }) => {
    sharp.concurrency(1);
    sharp.cache(false);
    return sharp;
  });
  return sharpModule;
}

export interface PhotoDecoderOptions {
  concurrency: number;
  queueLimit: number;
  timeoutSeconds: number;
}

export class PhotoDecoder {
  readonly gate: DecodeGate;
  readonly #timeoutSeconds: number;

  constructor(options: PhotoDecoderOptions) {
    this.#timeoutSeconds = options.timeoutSeconds;
    this.gate = new DecodeGate({
      concurrency: options.concurrency,
      queueLimit: options.queueLimit,
      // libvips stops itself at the limit (below); the gate answers the caller a little after, should it not.
      timeoutMs: options.timeoutSeconds * 1000 + 500,
    });
  }

  /**
   * The checks that decode nothing: the type by the first bytes, the size by the headers (metadata() reads
   * only those, so the size is known before a single pixel is decoded).
   */
  async inspect(original: Buffer): Promise<PhotoType> {
    const contentType = sniffPhotoType(original);
    if (!contentType) throw new InvalidImageError('not_image', 'Not a JPEG or PNG by content.');
    const sharp = await loadSharp();
    let pixels: number;
    try {
      const { width, height } = await sharp(original).metadata();
      pixels = width * height;
    } catch {
      throw new InvalidImageError('not_image', 'The image headers could not be read.');
    }
    if (!(pixels > 0)) throw new InvalidImageError('not_image', 'The image has no size.');
    if (pixels > MAX_PHOTO_PIXELS) {
      throw new InvalidImageError('too_many_pixels', 'The image has more pixels than a photo may have.');
    }
    return contentType;
  }

  async prepare(original: Buffer): Promise<PreparedPhoto> {
    const contentType = await this.inspect(original);
    const originalSha256 = createHash('sha256').update(original).digest('hex');
    const sharp = await loadSharp();

    try {
      const stripped = await this.gate.run(async () => {
        // rotate() first: once the orientation tag is gone the image must already stand the right way up.
        // limitInputPixels again in case the decoder finds more pixels than the headers first said.
        const pipeline = sharp(original, { limitInputPixels: MAX_PHOTO_PIXELS, failOn: 'error' })
          .timeout({ seconds: this.#timeoutSeconds })
          .rotate();
        return (
          contentType === 'image/jpeg' ? pipeline.jpeg({ quality: 88, mozjpeg: true }) : pipeline.png()
        ).toBuffer();
      });
      return { contentType, stripped, originalSha256 };
    } catch (error) {
      if (error instanceof DecodeBusyError) throw new InvalidImageError('busy', error.message);
      if (error instanceof DecodeTimeoutError || (error instanceof Error && /timeout/i.test(error.message))) {
        throw new InvalidImageError('timed_out', 'The image took too long to decode.');
      }
      // The right first bytes followed by something that does not decode.
      throw new InvalidImageError('not_image', 'The image could not be decoded.');
    }
  }
}

const decoders = new WeakMap<AppContext, PhotoDecoder>();

/** The running context's one decoder, shared by the report form, MMS photos and the verification form. */
export function photoDecoder(context: AppContext): PhotoDecoder {
  let decoder = decoders.get(context);
  if (!decoder) {
    decoder = new PhotoDecoder(context.config.imageDecoding);
    decoders.set(context, decoder);
  }
  return decoder;
}
