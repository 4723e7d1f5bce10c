// What a packet is made of comes from two other modules built alongside this one: the observation log
// (observations: the timeline, who may read it) and the media (evidence: the items, their originals). This
// file is the only place that reaches them (renaming their fields to the packet's), and tests put a double in.
import type { Readable } from 'node:stream';
import type { AppContext } from '../../app/context.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { listEvidenceItems, mayViewEvidence, openEvidenceOriginal } from '../evidence/evidence.service.ts';
import { mayReadObservationLog, readObservationTimeline } from '../observations/observations.service.ts';

export interface EvidenceItemSummary {
  id: string;
  kind: string;
  originalFileName: string;
  size: number;
  sha256: string;
  receivedAt: Date;
  observerName: string;
}

export interface EvidenceOriginal {
  stream: Readable;
  sha256: string;
  size: number;
  fileName: string;
}

export interface ObservationTimelineEntry {
  authorName: string;
  eventAt: Date;
  writtenAt: Date;
  kind: string;
  text: string;
  edited: boolean;
}

export interface PacketSources {
  listEvidenceItems(context: AppContext, incidentId: string): Promise<EvidenceItemSummary[]>;
  /** Opens an original for the packet and records the custody event (who, why, which hash). */
  openEvidenceOriginal(
    context: AppContext,
    itemId: string,
    use: { actorId: string; reason: string },
  ): Promise<EvidenceOriginal>;
  readObservationTimeline(context: AppContext, incidentId: string): Promise<ObservationTimelineEntry[]>;
  mayReadObservationLog(context: AppContext, principal: StaffPrincipal, incidentId: string): Promise<boolean>;
  mayViewEvidence(context: AppContext, principal: StaffPrincipal, incidentId: string): Promise<boolean>;
}

/** The real sources: the evidence and observations modules' exports, with the packet's field names. */
const wired: PacketSources = {
  listEvidenceItems: async (context, incidentId) =>
    (await listEvidenceItems(context, incidentId)).map((item) => ({
      id: item.id,
      kind: item.kind,
      originalFileName: item.fileName,
      size: item.size,
      sha256: item.sha256,
      receivedAt: item.receivedAt,
      observerName: item.observerName ?? '',
    })),
  openEvidenceOriginal: async (context, itemId, use) =>
    openEvidenceOriginal(context, itemId, { ...use, action: 'exported' }),
  readObservationTimeline: async (context, incidentId) =>
    (await readObservationTimeline(context, incidentId)).map((entry) => ({
      authorName: entry.authorName ?? '',
      eventAt: entry.eventAt,
      writtenAt: entry.writtenAt,
      kind: entry.kind,
      text: entry.text,
      edited: entry.edited,
    })),
  mayReadObservationLog: (context, principal, incidentId) =>
    mayReadObservationLog(context, principal, incidentId),
  mayViewEvidence: (context, principal, incidentId) => mayViewEvidence(context, principal, incidentId),
};

let sources: PacketSources = wired;

export function packetSources(): PacketSources {
  return sources;
}

/** For tests: a double in place of the other modules; returns the function that puts the real ones back. */
export function usePacketSourcesForTests(double: PacketSources): () => void {
  const previous = sources;
  sources = double;
  return () => {
    sources = previous;
  };
}
