// Fixtures for the packets tests and the export page's browser journey: incidents and linked cases made
// directly, and the observation log and media modules doubled (packets.sources.ts).
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { AppContext } from '../../app/context.ts';
import { createCase } from '../cases/cases.service.ts';
import { testCaseDetails, testContact } from '../cases/cases.test-helpers.ts';
import { usePacketSourcesForTests, type EvidenceItemSummary } from './packets.sources.ts';

export async function insertIncident(context: AppContext, status: 'concluded' | 'confirmed' = 'concluded') {
  const id = randomUUID();
  const now = context.clock.now();
  const reference = `INC-${id.slice(0, 6)}`;
  await context.db
    .insertInto('incidents')
    .values({
      id,
      reference,
      type: 'street',
      agency: 'ice',
      status,
      point_ciphertext: null,
      zip: null,
      h3_cell: null,
      summary_ciphertext: null,
      merged_into: null,
      created_by: null,
      created_at: now,
      updated_at: now,
      status_changed_by: null,
      status_changed_at: now,
    })
    .execute();
  return { id, reference };
}

export async function linkCase(context: AppContext, userId: string, incidentId: string) {
  return createCase(
    context,
    { userId },
    {
      source: 'console',
      followupTaskId: null,
      incidentId,
      teamId: null,
      details: testCaseDetails(),
      contacts: [testContact()],
    },
  );
}

/** The other parts' modules, doubled: items and originals in memory, custody events noted. */
export function sourcesDouble(itemsByIncident: Map<string, { item: EvidenceItemSummary; bytes: Buffer }[]>) {
  const custody: { itemId: string; actorId: string; reason: string }[] = [];
  const restore = usePacketSourcesForTests({
    listEvidenceItems: async (_context, incidentId) =>
      (itemsByIncident.get(incidentId) ?? []).map((e) => e.item),
    openEvidenceOriginal: async (_context, itemId, use) => {
      const found = [...itemsByIncident.values()].flat().find((e) => e.item.id === itemId);
      if (!found) throw new Error('no such item');
      custody.push({ itemId, ...use });
      return {
        stream: Readable.from([found.bytes.subarray(0, 1000), found.bytes.subarray(1000)]),
        sha256: found.item.sha256,
        size: found.bytes.length,
        fileName: found.item.originalFileName,
      };
    },
    readObservationTimeline: async () => [
      {
        authorName: 'Observer One',
        eventAt: new Date('2026-12-17T10:00:00Z'),
        writtenAt: new Date('2026-12-17T10:02:00Z'),
        kind: 'arrival',
        text: 'Two vans arrived',
        edited: false,
      },
    ],
    mayReadObservationLog: async () => true,
    mayViewEvidence: async () => true,
  });
  return { custody, restore };
}

export function item(
  id: string,
  fileName: string,
  bytes: Buffer,
): { item: EvidenceItemSummary; bytes: Buffer } {
  return {
    item: {
      id,
      kind: 'video',
      originalFileName: fileName,
      size: bytes.length,
      sha256: 'recorded-at-receipt',
      receivedAt: new Date('2026-12-17T10:05:00Z'),
      observerName: 'Observer One',
    },
    bytes,
  };
}
