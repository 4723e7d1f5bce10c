// What a packet is made of comes from two other modules built alongside this one: the observation log
// (observations: the timeline, who may read it) and the media (evidence: the items, their originals). This
// file is the only place that reaches them, so wiring them in is one change here, and tests put a double in.
import type { Readable } from 'node:stream';
import type { AppContext } from '../../app/context.ts';
import type { StaffPrincipal } from '../../http/access.ts';

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
}

// MERGE: until the observations and evidence modules are merged, an incident has no log and no media here.
// At merge, replace this with their exports: listEvidenceItems and openEvidenceOriginal from
// ../evidence/evidence.service.ts, readObservationTimeline and mayReadObservationLog from
// ../observations/observations.service.ts.
const unmerged: PacketSources = {
  listEvidenceItems: async () => [],
  openEvidenceOriginal: async () => {
    throw new Error('The evidence module is not wired into packets yet.');
  },
  readObservationTimeline: async () => [],
  mayReadObservationLog: async () => false,
};

let sources: PacketSources = unmerged;

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
