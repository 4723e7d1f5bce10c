// A video as a phone's camera would write it, for the evidence tests: an H.264 MP4 of about the size asked for,
// tagged with a location and the phone's make and model. The packets are filler (the remux copies them; nothing
// decodes them), so any size is made quickly.
import { BufferTarget, EncodedPacket, EncodedVideoPacketSource, Mp4OutputFormat, Output } from 'mediabunny';

/** An H.264 MP4 of about `bytes`, tagged with a location and the phone's name (filler frames: nothing decodes). */
export async function taggedVideo(bytes: number): Promise<Buffer> {
  const output = new Output({ format: new Mp4OutputFormat(), target: new BufferTarget() });
  const source = new EncodedVideoPacketSource('avc');
  output.addVideoTrack(source);
  output.setMetadataTags({
    comment: 'Pixel 7',
    raw: { '©xyz': '+41.8479-087.7041/', '©mak': 'Google', '©mod': 'Pixel 7' },
  });
  await output.start();
  const sps = [0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x47, 0xfe, 0xc8];
  const pps = [0x68, 0xce, 0x3c, 0x80];
  const description = new Uint8Array([
    1,
    0x42,
    0xc0,
    0x1e,
    0xff,
    0xe1,
    0,
    sps.length,
    ...sps,
    1,
    0,
    pps.length,
    ...pps,
  ]);
  const frame = new Uint8Array(256 * 1024);
  const frames = Math.ceil(bytes / frame.length);
  for (let i = 0; i < frames; i += 1) {
    frame.fill(i % 251);
    await source.add(
      new EncodedPacket(frame, i % 30 === 0 ? 'key' : 'delta', i / 30, 1 / 30),
      i === 0
        ? { decoderConfig: { codec: 'avc1.42c01e', codedWidth: 160, codedHeight: 120, description } }
        : undefined,
    );
  }
  await output.finalize();
  return Buffer.from(output.target.buffer!);
}
