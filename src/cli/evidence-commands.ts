// amparo evidence verify PACKET [--key HEX]: checks an evidence packet on its own (no database, no master key),
// so an attorney or a court's expert can run it on the copy they were given.
import { parseArgs } from 'node:util';
import { verifyPacket } from '../modules/packets/packets.verify.ts';
import type { CommandOutput } from './commands.ts';

const USAGE = 'Usage: amparo evidence verify PACKET.zip [--key <public key in hex>]\n';

const processOutput: CommandOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Exits 0 when the signature and every file check out, 1 when anything does not, 2 on bad input. */
export async function runEvidenceVerify(
  args: string[],
  output: CommandOutput = processOutput,
): Promise<number> {
  let parsed: { values: { key?: string | undefined }; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: { key: { type: 'string' } }, strict: true, allowPositionals: true });
  } catch (error) {
    output.err(`${error instanceof Error ? error.message : 'Invalid arguments.'}\n${USAGE}`);
    return 2;
  }
  const [file, ...more] = parsed.positionals;
  const key = parsed.values.key?.replace(/\s+/g, '').toLowerCase();
  if (!file || more.length > 0) {
    output.err(`Name one packet file.\n${USAGE}`);
    return 2;
  }
  if (key !== undefined && !/^[0-9a-f]{64}$/.test(key)) {
    output.err(`The key must be the 64 hexadecimal digits of the network's public key.\n${USAGE}`);
    return 2;
  }
  const result = await verifyPacket(file, key === undefined ? {} : { keyHex: key });
  if (result.unreadable) {
    output.err(`NOT VERIFIED: ${file} is not a readable evidence packet (${result.unreadable}).\n`);
    return 1;
  }
  const lines: string[] = [];
  const signature = {
    valid:
      key === undefined
        ? 'The signature is valid for the key in the manifest.'
        : 'The signature is valid for the key you gave.',
    invalid:
      'The signature does not match manifest.json: the manifest was changed or not signed by this key.',
    missing: 'There is no signature (manifest.sig is missing).',
    key_differs:
      'The manifest was signed by a different key than the one you gave: compare the fingerprint with the network.',
  }[result.signature];
  lines.push(signature);
  if (result.fingerprint) lines.push(`Key fingerprint in the manifest: ${result.fingerprint}`);
  for (const path of result.changed)
    lines.push(`CHANGED: ${path} (its content no longer matches the manifest)`);
  for (const path of result.missing)
    lines.push(`MISSING: ${path} (listed in the manifest, not in the packet)`);
  for (const path of result.extra) lines.push(`ADDED: ${path} (in the packet, not in the manifest)`);
  if (result.ok) {
    lines.push(`VERIFIED: all ${result.checked} files match the signed manifest.`);
    output.out(`${lines.join('\n')}\n`);
    return 0;
  }
  lines.push('NOT VERIFIED: this packet is not as it was when it was exported.');
  output.err(`${lines.join('\n')}\n`);
  return 1;
}
