// The working copy: what people look at, without the location and device data a phone writes into its files.
// Photos go through the reports' photo path (decoded and encoded again by sharp, which drops EXIF and GPS).
// Video and audio are remuxed by mediabunny: the same encoded packets in a new container, nothing re-encoded,
// and no metadata tag carried over (`tags: {}`). The original is read straight from its sealed file, frame by
// frame (a CustomSource), so no plaintext copy of it is made; the remuxed copy is written to a private
// temporary file, sealed, and the temporary file removed at once.
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  ADTS,
  AdtsOutputFormat,
  Conversion,
  CustomSource,
  FLAC,
  FilePathTarget,
  FlacOutputFormat,
  Input,
  MATROSKA,
  MP3,
  MP4,
  MkvOutputFormat,
  MovOutputFormat,
  Mp3OutputFormat,
  Mp4OutputFormat,
  OGG,
  OggOutputFormat,
  Output,
  QTFF,
  WAVE,
  WEBM,
  WavOutputFormat,
  WebMOutputFormat,
  type InputFormat,
  type OutputFormat,
} from 'mediabunny';
import type { AppContext } from '../../app/context.ts';
import type { EvidenceKind } from '../../db/schema.ts';
import { MAX_PHOTO_BYTES, photoDecoder, sniffPhotoType } from '../reports/photo.ts';
import { SealedReader, sealStream } from './evidence.sealed-file.ts';

const MEDIA_FORMATS: InputFormat[] = [MP4, QTFF, WEBM, MATROSKA, MP3, OGG, WAVE, ADTS, FLAC];

function outputFormatFor(format: InputFormat): OutputFormat {
  if (format === QTFF) return new MovOutputFormat();
  if (format === WEBM) return new WebMOutputFormat();
  if (format === MATROSKA) return new MkvOutputFormat();
  if (format === MP3) return new Mp3OutputFormat();
  if (format === OGG) return new OggOutputFormat();
  if (format === WAVE) return new WavOutputFormat();
  if (format === ADTS) return new AdtsOutputFormat();
  if (format === FLAC) return new FlacOutputFormat();
  return new Mp4OutputFormat();
}

export interface WorkingCopyOutcome {
  kind: EvidenceKind;
  /** The original's type as judged by its content. */
  contentType: string;
  /** The working copy's type, or null when none could be made (an unknown file, a container we cannot remux). */
  workingContentType: string | null;
}

export interface EvidencePaths {
  original(itemId: string): string;
  working(itemId: string): string;
  tmp: string;
}

export function workingFileId(itemId: string): string {
  return `${itemId}:working`;
}

/**
 * What the original is, judged by its first bytes (a photo) or its container (video or audio), without making
 * anything: quick, so it is done at receipt; the working copy itself is made later by a job.
 */
export async function judgeOriginal(
  context: AppContext,
  paths: EvidencePaths,
  itemId: string,
): Promise<Pick<WorkingCopyOutcome, 'kind' | 'contentType'>> {
  const reader = await SealedReader.open(context.secrets.keyring, paths.original(itemId), itemId);
  try {
    const photoType = sniffPhotoType(await reader.read(0, 16));
    if (photoType) return { kind: 'photo', contentType: photoType };
    const input = new Input({
      formats: MEDIA_FORMATS,
      source: new CustomSource({ getSize: () => reader.size, read: (start, end) => reader.read(start, end) }),
    });
    try {
      await input.getFormat();
      const kind: EvidenceKind = (await input.getPrimaryVideoTrack()) ? 'video' : 'audio';
      return { kind, contentType: await input.getMimeType() };
    } catch {
      return { kind: 'other', contentType: 'application/octet-stream' };
    } finally {
      input.dispose();
    }
  } finally {
    await reader.close();
  }
}

/** Judges the original by its bytes and writes its sealed working copy when it is a photo, video or audio. */
export async function makeWorkingCopy(
  context: AppContext,
  paths: EvidencePaths,
  itemId: string,
): Promise<WorkingCopyOutcome> {
  const keyring = context.secrets.keyring;
  const reader = await SealedReader.open(keyring, paths.original(itemId), itemId);
  try {
    const photoType = sniffPhotoType(await reader.read(0, 16));
    if (photoType) {
      if (reader.size > MAX_PHOTO_BYTES)
        return { kind: 'photo', contentType: photoType, workingContentType: null };
      const prepared = await photoDecoder(context)
        .prepare(await reader.read(0, reader.size))
        .catch(() => undefined);
      if (!prepared) return { kind: 'photo', contentType: photoType, workingContentType: null };
      await sealStream(keyring, paths.working(itemId), workingFileId(itemId), [prepared.stripped]);
      return { kind: 'photo', contentType: photoType, workingContentType: prepared.contentType };
    }
    return await remux(context, paths, itemId, reader);
  } finally {
    await reader.close();
  }
}

async function remux(
  context: AppContext,
  paths: EvidencePaths,
  itemId: string,
  reader: SealedReader,
): Promise<WorkingCopyOutcome> {
  const unknown: WorkingCopyOutcome = {
    kind: 'other',
    contentType: 'application/octet-stream',
    workingContentType: null,
  };
  const input = new Input({
    formats: MEDIA_FORMATS,
    source: new CustomSource({ getSize: () => reader.size, read: (start, end) => reader.read(start, end) }),
  });
  let format: InputFormat;
  try {
    format = await input.getFormat();
  } catch {
    input.dispose();
    return unknown;
  }
  const kind: EvidenceKind = (await input.getPrimaryVideoTrack()) ? 'video' : 'audio';
  const contentType = await input.getMimeType();
  await mkdir(paths.tmp, { recursive: true, mode: 0o700 });
  const tmp = path.join(paths.tmp, `${randomUUID()}.part`);
  try {
    const output = new Output({ format: outputFormatFor(format), target: new FilePathTarget(tmp) });
    const conversion = await Conversion.init({ input, output, tags: {}, showWarnings: false });
    if (!conversion.isValid || conversion.utilizedTracks.length === 0) {
      return { kind, contentType, workingContentType: null };
    }
    await conversion.execute();
    await sealStream(
      context.secrets.keyring,
      paths.working(itemId),
      workingFileId(itemId),
      createReadStream(tmp),
    );
    return { kind, contentType, workingContentType: output.format.mimeType };
  } catch (error) {
    context.logger.warn({ err: error, itemId }, 'evidence working copy failed');
    return { kind, contentType, workingContentType: null };
  } finally {
    input.dispose();
    await rm(tmp, { force: true });
  }
}
