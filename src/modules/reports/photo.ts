// Photos sent with a report. The type is judged by the file's first bytes, never by its name or the type the
// browser claims. The image is decoded and encoded again, which drops EXIF, GPS and every other piece of
// metadata (a phone photo's location could identify the person who took it). The hash of the bytes as they
// arrived is kept, so the copy can later be matched to the original a reporter still holds.
import { createHash } from 'node:crypto';

export type PhotoType = 'image/jpeg' | 'image/png';

export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
/** Larger than any phone camera; a tiny file claiming more pixels is a decompression bomb. */
const MAX_PHOTO_PIXELS = 100_000_000;

export interface PreparedPhoto {
  contentType: PhotoType;
  /** The re-encoded image, without metadata. */
  stripped: Buffer;
  originalSha256: string;
}

export class InvalidImageError extends Error {
  override name = 'InvalidImageError';
}

const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff]);
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function sniffPhotoType(bytes: Buffer): PhotoType | undefined {
  if (bytes.subarray(0, JPEG_MAGIC.length).equals(JPEG_MAGIC)) return 'image/jpeg';
  if (bytes.subarray(0, PNG_MAGIC.length).equals(PNG_MAGIC)) return 'image/png';
  return undefined;
}

export async function preparePhoto(original: Buffer): Promise<PreparedPhoto> {
  const contentType = sniffPhotoType(original);
  if (!contentType) throw new InvalidImageError('Not a JPEG or PNG by content.');
  const originalSha256 = createHash('sha256').update(original).digest('hex');
  let stripped: Buffer;
  try {
    // rotate() first: once the orientation tag is gone the image must already stand the right way up.
    // Loaded with the first photo: libvips costs every process memory that most never need.
    const { default: sharp } = await import('sharp');
    const pipeline = sharp(original, { limitInputPixels: MAX_PHOTO_PIXELS, failOn: 'error' }).rotate();
    stripped = await (
      contentType === 'image/jpeg' ? pipeline.jpeg({ quality: 88, mozjpeg: true }) : pipeline.png()
    ).toBuffer();
  } catch {
    // The right first bytes followed by something that does not decode.
    throw new InvalidImageError('The image could not be decoded.');
  }
  return { contentType, stripped, originalSha256 };
}
