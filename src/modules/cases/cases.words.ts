// How timeline entries read. Each case module words its own kinds as `<area>.event_<kind>` messages in its
// own area file; the entry's plain details are the message's parameters ("Transferred to {facility}").
import { CATALOGS, type MessageKey, type Translator } from '../../i18n/i18n.ts';
import type { CaseTimelineEntry } from './cases.timeline.ts';

const AREAS = ['cases', 'case_tracking', 'case_support'] as const;

function messageKeyFor(kind: string): MessageKey | undefined {
  for (const area of AREAS) {
    const key = `${area}.event_${kind}`;
    if (key in CATALOGS.en) return key as MessageKey;
  }
  return undefined;
}

/** The entry in words, in the reader's language; an unknown kind is shown as its own word. */
export function timelineLabel(
  t: Translator,
  entry: Pick<CaseTimelineEntry, 'kind' | 'details'>,
  staffNames: ReadonlyMap<string, string> = new Map(),
): string {
  const params: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(entry.details)) {
    if (typeof value === 'string' || typeof value === 'number') params[name] = value;
  }
  const userId = entry.details.userId;
  if (typeof userId === 'string') params.user = staffNames.get(userId) ?? t('cases.someone');
  const source = entry.details.source;
  if (entry.kind === 'opened' && typeof source === 'string' && `cases.source_${source}` in CATALOGS.en) {
    params.source = t(`cases.source_${source}` as MessageKey);
  }
  const key = messageKeyFor(entry.kind);
  return key ? t(key, params) : entry.kind;
}
