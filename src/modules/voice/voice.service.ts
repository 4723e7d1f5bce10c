// The call flow: which step a call is at and what it says next. No HTTP here. Each step that stores
// something runs through answerOnce, keyed by the CallSid and the step's path and query, so a retried
// callback is answered again and stored once, while the menu played again (with the next attempt number)
// is a new step.
import type { AppContext } from '../../app/context.ts';
import type { Language } from '../../config/config.ts';
import { normalizePhone } from '../../phone/phone.ts';
import { handleMessageStatus, type MessageStatusNotice } from '../../integrations/twilio/status.ts';
import { answerOnce, EMPTY_TWIML, RECEIPT_RETENTION_HOURS } from '../../integrations/twilio/webhook.ts';
import { anyoneOnShiftToRing, onShiftPhones } from '../staff/staff.service.ts';
import { recordCall, recordCallStatus } from '../provider-retention/provider-retention.service.ts';
import {
  keepFamilyCallWithoutMessage,
  newCallRow,
  takeRecording,
  type RecordingNotice,
} from './recordings.service.ts';
import { deleteCallsStartedBefore, insertCallOnce, updateCall } from './voice.repository.ts';
import {
  LANGUAGE_KEYS,
  MAX_DIALED_NUMBERS,
  MAX_MENU_PLAYS,
  MAX_PROMPT_ATTEMPTS,
  MENU_KEYS,
  SITE_NOT_SURE_KEY,
  type VoiceScript,
} from './voice.script.ts';
import { openOperationSites } from './operation-sites.ts';

export interface CallStep {
  callSid: string;
  /** The caller's number as Twilio sent it; every callback of a call carries it. */
  from: string | undefined;
  /** The step's path and query, exactly as Twilio requested it. */
  path: string;
}

export interface VoiceDeps {
  context: AppContext;
  script: VoiceScript;
}

function stepKey(step: CallStep): string {
  return `${step.callSid} ${step.path}`;
}

function answerStep(
  deps: VoiceDeps,
  step: CallStep,
  produce: Parameters<typeof answerOnce>[3],
): Promise<string> {
  const { clock } = deps.context;
  return answerOnce(deps.context, stepKey(step), clock.now(), async (trx) => {
    // Whatever callback arrives first notes the call, so later steps always find its row (and the call's
    // record at Twilio is deleted once it has ended).
    await insertCallOnce(trx, newCallRow(deps.context, step.callSid, step.from));
    await recordCall(trx, clock.now(), step.callSid);
    return produce(trx);
  });
}

export async function answerIncomingCall(deps: VoiceDeps, step: CallStep): Promise<string> {
  return answerStep(deps, step, async () => deps.script.languageMenu(1, false));
}

export async function answerLanguageChoice(
  deps: VoiceDeps,
  step: CallStep,
  input: { attempt: number; digits: string | undefined },
): Promise<string> {
  const { script } = deps;
  return answerStep(deps, step, async (trx) => {
    const lang = input.digits === undefined ? undefined : LANGUAGE_KEYS[input.digits];
    if (lang) {
      await updateCall(trx, step.callSid, { language: lang });
      return script.mainMenu(lang, 1);
    }
    if (input.attempt >= MAX_PROMPT_ATTEMPTS) {
      // Someone who cannot use the keypad can still leave a message rather than be cut off.
      await updateCall(trx, step.callSid, { language: script.defaultLanguage, choice: 'message' });
      return script.recordMessageInBothLanguages();
    }
    return script.languageMenu(input.attempt + 1, true);
  });
}

/** A key pressed (or none) at a step asked in a language, at an attempt. */
export interface KeyPressed {
  lang: Language;
  attempt: number;
  digits: string | undefined;
}

export async function answerMenuChoice(deps: VoiceDeps, step: CallStep, input: KeyPressed): Promise<string> {
  const { script } = deps;
  const { lang, attempt } = input;
  return answerStep(deps, step, async (trx) => {
    const choice = input.digits === undefined ? undefined : MENU_KEYS[input.digits];
    if (choice !== undefined) await updateCall(trx, step.callSid, { language: lang, choice });
    switch (choice) {
      case undefined:
        if (attempt >= MAX_PROMPT_ATTEMPTS) {
          await updateCall(trx, step.callSid, { language: lang, choice: 'message' });
          return script.recordMessage(lang, 'message');
        }
        return script.mainMenu(lang, attempt + 1, { retry: true });
      case 'rights':
        if (attempt >= MAX_MENU_PLAYS) return script.rightsThenGoodbye(lang);
        return script.mainMenu(lang, attempt + 1, { rightsFirst: true });
      case 'now': {
        return (await anyoneOnShiftToRing(trx, 'dispatcher'))
          ? script.connectToDispatchers(lang)
          : script.recordMessage(lang, 'now');
      }
      case 'family_detained': {
        // While an operation is open, one more question first: which of its sites it was.
        const sites = await openOperationSites(trx);
        return sites.length > 0 ? script.askSite(lang, sites, 1, false) : script.recordMessage(lang, choice);
      }
      case 'past':
      case 'message':
        return script.recordMessage(lang, choice);
    }
  });
}

/**
 * The answer to "was it at <site>?": a site's key notes the operation and site on the call (its follow-up
 * takes them), 9 or repeated silence goes on without one; either way the family then leaves their message.
 */
export async function answerSiteChoice(deps: VoiceDeps, step: CallStep, input: KeyPressed): Promise<string> {
  const { lang, attempt } = input;
  return answerStep(deps, step, async (trx) => {
    const { script } = deps;
    const sites = await openOperationSites(trx);
    const picked = /^[1-9]$/.test(input.digits ?? '') ? sites[Number(input.digits) - 1] : undefined;
    if (picked) {
      await updateCall(trx, step.callSid, {
        operation_id: picked.operationId,
        operation_site_id: picked.siteId,
        operation_site_name: picked.siteName,
      });
      return script.recordMessage(lang, 'family_detained');
    }
    const notSure = input.digits === SITE_NOT_SURE_KEY;
    if (notSure || sites.length === 0 || attempt >= MAX_PROMPT_ATTEMPTS) {
      // Not sure: the operation alone is still worth knowing when only one is open.
      const operations = new Set(sites.map((site) => site.operationId));
      if (notSure && operations.size === 1) {
        await updateCall(trx, step.callSid, { operation_id: sites[0]!.operationId });
      }
      return script.recordMessage(lang, 'family_detained');
    }
    return script.askSite(lang, sites, attempt + 1, true);
  });
}

/**
 * Rings every on-shift dispatcher at once. Not stored as a receipt (it stores nothing, and its answer
 * holds the dispatchers' numbers in clear), so a retry simply asks who is on shift again.
 */
export async function answerConnect(
  deps: VoiceDeps,
  lang: Language,
  calledNumber: string | undefined,
): Promise<string> {
  const { logger, config } = deps.context;
  const { phones, unreadable } = await onShiftPhones(deps.context, 'dispatcher', MAX_DIALED_NUMBERS);
  const numbers = phones.map((p) => p.phone);
  if (unreadable > 0) logger.warn({ unreadable }, 'on-shift dispatcher phone numbers could not be decrypted');
  if (numbers.length === 0) return deps.script.recordMessage(lang, 'now');
  // Dispatchers see the hotline's number, never the caller's: the number the caller dialled (Twilio accepts
  // the called number as caller ID), else the configured sender or hotline number.
  const callerId =
    (calledNumber === undefined ? undefined : normalizePhone(calledNumber)) ??
    config.twilio.from ??
    (config.hotlineNumber === undefined ? undefined : normalizePhone(config.hotlineNumber));
  if (callerId === undefined)
    logger.warn('dialling dispatchers without a caller ID: the caller’s number shows');
  return deps.script.dialDispatchers(lang, numbers, callerId);
}

/*
 * Call screening: the steps a dispatcher's phone is sent to when it answers. They run on the dispatcher's
 * leg, change nothing and store nothing (no answerOnce, no receipt, no call row): a retry is answered afresh
 * with the same TwiML, and the leg's CallSid and the dispatcher's number are never written down.
 */
export function answerScreen(deps: VoiceDeps, callerLang: Language): string {
  return deps.script.screenDispatcher(callerLang);
}

export function answerScreenResult(deps: VoiceDeps, digits: string | undefined): string {
  return deps.script.screenResult(digits);
}

/** After ringing the dispatchers: a call that was answered simply ends; otherwise the caller may record. */
export async function answerDialResult(
  deps: VoiceDeps,
  step: CallStep,
  input: { lang: Language; dialCallStatus: string | undefined },
): Promise<string> {
  return answerStep(deps, step, async () =>
    input.dialCallStatus === 'completed'
      ? deps.script.goodbye(input.lang)
      : deps.script.recordMessage(input.lang, 'now'),
  );
}

/**
 * The <Record> action: Twilio posts it when the caller presses #, falls silent, reaches the time limit or
 * hangs up, so a hang-up mid-message still becomes a report.
 */
export async function answerRecorded(
  deps: VoiceDeps,
  step: CallStep,
  input: { lang: Language; recording: Omit<RecordingNotice, 'callSid' | 'from' | 'lang'> | undefined },
): Promise<string> {
  const { context, script } = deps;
  return answerStep(deps, step, async (trx) => {
    if (!input.recording) {
      const kept = await keepFamilyCallWithoutMessage(context, trx, step.callSid, input.lang);
      return kept ? script.familyWithoutMessage(kept.language, kept.reference) : script.noMessage(input.lang);
    }
    const taken = await takeRecording(context, trx, {
      ...input.recording,
      callSid: step.callSid,
      from: step.from,
      lang: input.lang,
    });
    return script.thanks(taken.language, taken.reference, taken.purpose);
  });
}

/** recordingStatusCallback: a completed recording is taken like the Record action takes it. */
export async function answerRecordingStatus(
  deps: VoiceDeps,
  notice: { status: string; recording: Omit<RecordingNotice, 'from' | 'lang'> },
): Promise<string> {
  const { context } = deps;
  const key = `${notice.recording.recordingSid}:${notice.status}`;
  return answerOnce(context, key, context.clock.now(), async (trx) => {
    if (notice.status === 'completed') await takeRecording(context, trx, notice.recording);
    return EMPTY_TWIML;
  });
}

/**
 * The call's own status callback (the number's "call status changes" URL). A completed call may be a family
 * who chose option 3 and hung up before leaving a message: their number is kept for the legal team. Stored
 * once per CallSid and status, so a retry changes nothing.
 */
export async function answerCallStatus(
  deps: VoiceDeps,
  notice: { callSid: string; status: string },
): Promise<string> {
  const { context } = deps;
  const key = `${notice.callSid}:call:${notice.status}`;
  return answerOnce(context, key, context.clock.now(), async (trx) => {
    if (notice.status === 'completed') await keepFamilyCallWithoutMessage(context, trx, notice.callSid);
    await recordCallStatus(trx, context.clock.now(), notice);
    return EMPTY_TWIML;
  });
}

/**
 * Delivery statuses of texts, handed to the modules that registered for them (integrations/twilio/status.ts):
 * alerts moves an alert text's ledger row forward with its ErrorCode (a repeat or a late one changes
 * nothing), so no receipt is kept: an alert to 100,000 people must not leave 100,000 receipts. sms notes an
 * ErrorCode that says the number is dead, for any text, and stops texts to it (opt-outs.reachability).
 */
export async function answerMessageStatus(context: AppContext, notice: MessageStatusNotice): Promise<string> {
  await handleMessageStatus(context, notice);
  return EMPTY_TWIML;
}

/**
 * The voice.purge-calls job: a call's row holds the caller's number, which its report keeps (encrypted) if
 * there is one; once Twilio can no longer retry the call's webhooks, the row has no use left.
 */
export async function forgetOldCalls(context: AppContext): Promise<number> {
  const cutoff = new Date(context.clock.now().getTime() - RECEIPT_RETENTION_HOURS * 3600_000);
  return deleteCallsStartedBefore(context.db, cutoff);
}
