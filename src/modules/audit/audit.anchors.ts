// Anchors: the audit head leaves the database. A scheduled job writes the latest head's sequence number and MAC
// to AMPARO_AUDIT_ANCHOR_FILE (outside the data directory, one JSON line per anchor, appended) and to the log.
// Neither carries anything personal: a number and a MAC. `amparo audit verify` checks the log against every
// anchor, so cutting the newest rows, replaying an older head from a copy of the database, or truncating and
// resetting the log is caught once an anchor past that point has left the database.
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AppContext } from '../../app/context.ts';
import { defineJob, parseEmptyPayload } from '../../jobs/jobs.ts';
import { readHead } from './audit.repository.ts';
import { headIsAuthentic, headMac, type AuditAnchor } from './audit.service.ts';

export const auditAnchorJob = defineJob<Record<string, never>>({
  name: 'audit.anchor',
  queue: { retryLimit: 2, expireInSeconds: 300 },
  parse: parseEmptyPayload('audit.anchor'),
});

/** Every half hour, so an anchor leaves at least hourly even when one run fails. */
export const AUDIT_ANCHOR_SCHEDULE = '*/30 * * * *';

function isAnchor(value: unknown): value is AuditAnchor {
  if (!value || typeof value !== 'object') return false;
  const { seq, mac } = value as Record<string, unknown>;
  return typeof seq === 'string' && /^\d+$/.test(seq) && typeof mac === 'string' && mac.length > 0;
}

/**
 * The anchors in a text: the anchor file's lines, or Amparo's own JSON log lines (the `auditAnchor` field),
 * so a kept log works as an anchor file too. Other lines are skipped.
 */
export function parseAnchors(text: string): AuditAnchor[] {
  const anchors: AuditAnchor[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('"mac"')) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line.slice(line.indexOf('{')));
    } catch {
      continue;
    }
    const candidate = (parsed as { auditAnchor?: unknown }).auditAnchor ?? parsed;
    if (isAnchor(candidate)) anchors.push({ seq: candidate.seq, mac: candidate.mac });
  }
  return anchors;
}

/** The anchors in a file; none when it does not exist yet. */
export async function readAnchorFile(file: string): Promise<AuditAnchor[]> {
  try {
    return parseAnchors(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * Writes the current head as an anchor: to the log every time, to the file when it differs from the file's last
 * anchor. A head that is not authentic is never anchored (that would bless a cut log); it is logged as an error.
 */
export async function writeAuditAnchor(
  context: Pick<AppContext, 'db' | 'secrets' | 'clock' | 'logger' | 'config'>,
): Promise<AuditAnchor | undefined> {
  const head = await readHead(context.db);
  if (!headIsAuthentic(context, head)) {
    context.logger.error({ auditSeq: head.seq }, 'audit head is not authentic: no anchor written');
    return undefined;
  }
  const anchor: AuditAnchor = { seq: head.seq, mac: head.mac ?? headMac(context, head.seq, head.hash) };
  const file = context.config.audit.anchorFile;
  const previous = (await readAnchorFile(file)).at(-1);
  if (previous?.seq !== anchor.seq || previous.mac !== anchor.mac) {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const handle = await open(file, 'a', 0o600);
    try {
      await handle.appendFile(`${JSON.stringify({ at: context.clock.now().toISOString(), ...anchor })}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
  context.logger.info({ auditAnchor: anchor }, 'audit anchor');
  return anchor;
}
