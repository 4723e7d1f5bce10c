// Making an evidence packet: legal staff choose the items one by one; the packet holds the summary (the
// incident, the observation timeline, the chosen items with the hashes taken at receipt), the originals as
// received, and the signed manifest. The export is audited before the first byte goes out, and each original
// gets its custody event from the evidence module as the zip reaches it.
import type { Readable } from 'node:stream';
import type { AppContext } from '../../app/context.ts';
import { OBSERVATION_KINDS, type ObservationKind } from '../../db/schema.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { AppError } from '../../http/errors.ts';
import type { MessageKey, Translator } from '../../i18n/i18n.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { renderSummaryPdf } from '../cases/cases.export.ts';
import { packetFilePath, SUMMARY_PATH } from './packets.format.ts';
import type { PacketScope } from './packets.access.ts';
import { networkSigningKey } from './packets.signing-key.ts';
import { packetSources, type EvidenceItemSummary, type ObservationTimelineEntry } from './packets.sources.ts';
import { packetStream, type PacketEntry } from './packets.zip.ts';

export interface PacketChoices {
  items: EvidenceItemSummary[];
  timeline: ObservationTimelineEntry[];
}

/** What the export page offers: the incident's items and its timeline. */
export async function readPacketChoices(context: AppContext, scope: PacketScope): Promise<PacketChoices> {
  const sources = packetSources();
  const [items, timeline] = await Promise.all([
    sources.listEvidenceItems(context, scope.incident.id),
    sources.readObservationTimeline(context, scope.incident.id),
  ]);
  return { items, timeline };
}

const KINDS = {
  photo: 'packets.kind_photo',
  video: 'packets.kind_video',
  audio: 'packets.kind_audio',
} as const satisfies Record<string, MessageKey>;

/** The media module's kind of item, in words (a kind it adds later reads as "File" until named here). */
export function kindLabel(t: Translator, kind: string): string {
  return t(kind in KINDS ? KINDS[kind as keyof typeof KINDS] : 'packets.kind_other');
}

/** An observation's kind in words (the log's own labels); an unknown kind reads as itself. */
function timelineKindLabel(t: Translator, kind: string): string {
  return (OBSERVATION_KINDS as readonly string[]).includes(kind)
    ? t(`observations.kind_${kind as ObservationKind}`)
    : kind;
}

export interface PacketText {
  t: Translator;
  formatWhen: (date: Date) => string;
}

export async function renderPacketSummary(
  context: AppContext,
  scope: PacketScope,
  chosen: readonly EvidenceItemSummary[],
  timeline: readonly ObservationTimelineEntry[],
  { t, formatWhen }: PacketText,
): Promise<Uint8Array> {
  const incident = scope.incident;
  return renderSummaryPdf({
    title: t('packets.summary_title', { reference: incident.reference }),
    note: t('packets.summary_note', {
      network: context.config.networkName,
      when: formatWhen(context.clock.now()),
    }),
    nothing: t('packets.summary_nothing'),
    parts: [
      {
        title: t('packets.summary_incident'),
        lines: [
          { label: t('packets.field_reference'), value: incident.reference },
          { label: t('packets.field_status'), value: t(`incidents.status_${incident.status}`) },
          { label: t('packets.field_created'), value: formatWhen(incident.created_at) },
        ],
      },
      {
        title: t('packets.summary_timeline'),
        lines: timeline.map((entry) => ({
          label: formatWhen(entry.eventAt),
          value: [
            `${timelineKindLabel(t, entry.kind)}: ${entry.text}`,
            `${entry.authorName}, ${t('packets.written_at', { when: formatWhen(entry.writtenAt) })}`,
            entry.edited ? t('packets.edited') : '',
          ]
            .filter(Boolean)
            .join(' · '),
        })),
      },
      {
        title: t('packets.summary_items'),
        lines: chosen.map((item, index) => ({
          label: packetFilePath(index + 1, item.originalFileName),
          value: [
            kindLabel(t, item.kind),
            `SHA-256 ${item.sha256}`,
            t('packets.item_bytes', { count: item.size }),
            t('packets.item_received', { when: formatWhen(item.receivedAt), observer: item.observerName }),
          ].join(' · '),
        })),
      },
    ],
  });
}

/**
 * The packet of the chosen items (in the order the incident lists them). An id that is not one of the
 * incident's items is refused: nobody exports another incident's media through this one.
 */
export async function exportEvidencePacket(
  context: AppContext,
  principal: StaffPrincipal,
  scope: PacketScope,
  itemIds: readonly string[],
  text: PacketText,
): Promise<{ fileName: string; stream: Readable }> {
  const sources = packetSources();
  const { items, timeline } = await readPacketChoices(context, scope);
  const wanted = new Set(itemIds.map((id) => id.toLowerCase()));
  const chosen = items.filter((item) => wanted.delete(item.id.toLowerCase()));
  if (wanted.size > 0) throw new AppError('invalid_request');
  const summary = await renderPacketSummary(context, scope, chosen, timeline, text);
  const signer = await networkSigningKey(context);
  const createdAt = context.clock.now();
  await recordAudit(context.db, context, {
    actorId: principal.userId,
    action: 'evidence.packet_exported',
    subjectType: 'incident',
    subjectId: scope.incident.id,
    details: { items: chosen.map((item) => item.id), caseId: scope.caseRow?.id ?? null },
  });
  const reason = text.t('packets.custody_reason', { reference: scope.incident.reference });
  const entries: PacketEntry[] = [
    { path: SUMMARY_PATH, open: async () => [summary] },
    ...chosen.map((item, index) => ({
      path: packetFilePath(index + 1, item.originalFileName),
      sha256AtReceipt: item.sha256,
      open: async () =>
        (await sources.openEvidenceOriginal(context, item.id, { actorId: principal.userId, reason })).stream,
    })),
  ];
  const stream = packetStream({
    network: context.config.networkName,
    createdAt,
    incidentReference: scope.incident.reference,
    entries,
    signer,
  });
  const day = createdAt.toISOString().slice(0, 10);
  return { fileName: `evidence-${scope.incident.reference}-${day}.zip`, stream };
}
