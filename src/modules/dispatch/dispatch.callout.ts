// Responder callouts: one action on an incident's dispatch panel texts the nearest free on-shift responders,
// as many as the crowd cap still has room for and never more. Each one is recorded as an ordinary dispatch
// (recordDispatch), so it counts toward the cap, shows on the panel, can be stood down, and is answered by
// the same texts ("1", "1 15", "2") and the same page.
//
// A separate channel from community alerts, on purpose. Recipients are read only from staff profiles
// (enabled staff holding the responder role, on shift, with a phone: listReachableOnShift), never from
// `subscribers`; the texts go through this module's own job, never through the alerts module's delivery
// ledger; nothing here reads the subscriptions or alerts modules, and they read no staff profile. So a
// community subscriber never receives a callout and a callout never goes to a subscriber. Keep the two paths
// apart: a community alert tells neighbours what is happening and their rights; a callout asks trained
// people to come and watch, and sent to the wrong list it would draw a crowd to a raid.
//
// Who is called: responders only. The observers domain.md caps at a scene are the responders sent to
// observe (the crowd cap counts dispatches). The `legal` role here is the legal team (families' follow-ups,
// A-numbers): it cannot open or answer a dispatch, and its "1" by text would reach the hotline as a report,
// so a legal-only account is never called out. A legal observer who goes out in the field holds the
// responder role as well, and is called out as a responder like anyone else.
//
// How many: the cap minus everyone already asked who has not said no: on their way or there (what the cap
// counts) and texted without an answer yet. Counting the unanswered too means that pressing the button
// twice, or two dispatchers pressing it at once (the incident row is locked), never asks more people than
// the cap. A dispatcher who gives up on a silent responder stands them down, and the next callout fills
// the place.
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Database, DispatchStatus } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { markIncidentChanged } from '../incidents/incidents.lifecycle.ts';
import { lockIncident } from '../incidents/incidents.queries.ts';
import { optedOutAmong } from '../opt-outs/opt-outs.queries.ts';
import { pickForCallout, rankResponders, type Suggestion } from './dispatch.ranking.ts';
import { respondersWithOpenDispatches } from './dispatch.repository.ts';
import { listDispatches, type DispatchRow } from './dispatch.named.ts';
import { listReachableOnShift, staffPhoneIndexes } from '../staff/staff.service.ts';
import { isUuid } from '../../http/ids.ts';
import {
  AT_SCENE_OR_COMING,
  DISPATCHABLE_STATUSES,
  incidentPlace,
  recordDispatch,
  type PanelView,
} from './dispatch.service.ts';

/** Asked and not answered yet: they may well be on their way, so they take a place under the cap. */
const AWAITING_ANSWER: readonly DispatchStatus[] = ['sent'];

export interface CrowdCount {
  cap: number;
  /** On their way or there: what the crowd cap counts. */
  onTheWay: number;
  /** Texted, no answer yet. */
  awaiting: number;
}

export function countCrowd(dispatches: readonly Pick<DispatchRow, 'status'>[], cap: number): CrowdCount {
  return {
    cap,
    onTheWay: dispatches.filter((d) => AT_SCENE_OR_COMING.includes(d.status)).length,
    awaiting: dispatches.filter((d) => AWAITING_ANSWER.includes(d.status)).length,
  };
}

/** How many more people a callout may ask: never below zero, never past the cap. */
export function calloutRoom(crowd: CrowdCount): number {
  return Math.max(0, crowd.cap - crowd.onTheWay - crowd.awaiting);
}

/** Why a callout can ask nobody, when it cannot. */
export type CalloutBlock = 'at_cap' | 'all_asked' | 'no_place' | 'nobody_nearby';

function blockOf(
  crowd: CrowdCount,
  room: number,
  hasPlace: boolean,
  picks: number,
): CalloutBlock | undefined {
  if (crowd.onTheWay >= crowd.cap) return 'at_cap';
  if (room === 0) return 'all_asked';
  if (!hasPlace) return 'no_place';
  if (picks === 0) return 'nobody_nearby';
  return undefined;
}

export interface CalloutPreview extends CrowdCount {
  room: number;
  /** Whom pressing the button now would text, in order. */
  picks: Suggestion[];
  block: CalloutBlock | undefined;
}

/**
 * Responders a callout never texts: anyone this incident already had (on their way, there, done, said they
 * can't, or stood down: asking them again by a mass text would only confuse; a dispatcher can still send
 * them by hand), anyone with a dispatch still open at another incident, and anyone whose number texted
 * STOP (the text would never reach them, and they would hold a place under the cap).
 */
async function leftOutOfCallout(
  db: Kysely<Database>,
  dispatchesHere: readonly Pick<DispatchRow, 'responder_id'>[],
): Promise<Set<string>> {
  const leaveOut = await respondersWithOpenDispatches(db);
  for (const d of dispatchesHere) leaveOut.add(d.responder_id);
  // Staff whose phone number texted STOP to the hotline: nothing may text them until they text START.
  const phones = await staffPhoneIndexes(db);
  const optedOut = await optedOutAmong(
    db,
    phones.map((p) => p.phoneIndex),
  );
  for (const p of phones) if (optedOut.has(p.phoneIndex)) leaveOut.add(p.userId);
  return leaveOut;
}

/** What the panel's callout section shows: how many places are left and who would be texted. */
export async function calloutPreview(context: AppContext, view: PanelView): Promise<CalloutPreview> {
  const crowd = countCrowd(view.dispatches, view.crowdCap);
  const room = calloutRoom(crowd);
  const leaveOut = await leftOutOfCallout(context.db, view.dispatches);
  const picks = pickForCallout(
    view.suggestions.filter((s) => !leaveOut.has(s.userId)),
    room,
  );
  return { ...crowd, room, picks, block: blockOf(crowd, room, view.placeSource !== 'none', picks.length) };
}

export type CalloutResult =
  | { outcome: 'called_out'; dispatchIds: string[]; room: number }
  | { outcome: 'not_found' | 'closed' }
  | { outcome: 'blocked'; block: CalloutBlock; crowd: CrowdCount };

/**
 * The callout itself: one transaction under the incident's row lock, so the count of who is already asked
 * and the dispatches it adds cannot interleave with another dispatcher's.
 */
export async function calloutResponders(
  context: AppContext,
  actorId: string,
  incidentId: string,
): Promise<CalloutResult> {
  if (!isUuid(incidentId)) return { outcome: 'not_found' };
  return context.db.transaction().execute(async (trx): Promise<CalloutResult> => {
    const incident = await lockIncident(trx, incidentId);
    if (!incident) return { outcome: 'not_found' };
    if (incident.merged_into !== null || !DISPATCHABLE_STATUSES.includes(incident.status))
      return { outcome: 'closed' };

    const dispatches = await listDispatches(trx, incidentId);
    const crowd = countCrowd(dispatches, context.config.hotline.crowdCap);
    const room = calloutRoom(crowd);
    const place = incidentPlace(context, incident);
    const leaveOut = await leftOutOfCallout(trx, dispatches);
    const candidates = (await listReachableOnShift(trx, 'responder')).filter((r) => !leaveOut.has(r.userId));
    const picks = pickForCallout(rankResponders(candidates, place.point, incident.reporter_language), room);
    const block = blockOf(crowd, room, place.point !== undefined, picks.length);

    const dispatchIds: string[] = [];
    let status = incident.status;
    for (const pick of block ? [] : picks) {
      const recorded = await recordDispatch(
        context,
        trx,
        { id: incidentId, status },
        { responderId: pick.userId, actorId, overCap: false, kind: 'callout' },
      );
      dispatchIds.push(recorded.dispatchId);
      status = recorded.incidentStatus;
    }
    // One entry for the action, also when it asked nobody: who pressed it, what the crowd was, and why.
    await recordAudit(trx, context, {
      actorId,
      action: 'dispatch.called_out',
      subjectType: 'incident',
      subjectId: incidentId,
      details: {
        outcome: block ?? 'called_out',
        cap: crowd.cap,
        onTheWay: crowd.onTheWay,
        awaiting: crowd.awaiting,
        room,
        dispatchIds,
      },
    });
    if (block) return { outcome: 'blocked', block, crowd };
    await markIncidentChanged(context, trx, incidentId);
    return { outcome: 'called_out', dispatchIds, room };
  });
}
