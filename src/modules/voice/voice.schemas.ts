// Request shapes for the voice webhooks and the follow-up pages. Twilio's bodies carry many more fields
// than these; only the ones Amparo reads are declared, and the signature (checked before validation) already
// proves they came from Twilio.
import { SUPPORTED_LANGUAGES, type Language } from '../../config/config.ts';
import { RECORDING_SID_PATTERN } from './recordings.service.ts';

const callSid = { type: 'string', pattern: '^CA[0-9a-fA-F]{32}$' } as const;
const lang = { type: 'string', enum: SUPPORTED_LANGUAGES } as const;
const attempt = { type: 'integer', minimum: 1, maximum: 100 } as const;

/** Every call webhook: the call, who is calling, and what they pressed. */
export const callBody = {
  type: 'object',
  properties: {
    CallSid: callSid,
    From: { type: 'string', maxLength: 64 },
    To: { type: 'string', maxLength: 64 },
    Digits: { type: 'string', maxLength: 32 },
    DialCallStatus: { type: 'string', maxLength: 32 },
    RecordingSid: { type: 'string', maxLength: 64 },
    RecordingUrl: { type: 'string', maxLength: 512 },
    RecordingDuration: { type: 'string', maxLength: 16 },
  },
  required: ['CallSid'],
} as const;

export interface CallBody {
  CallSid: string;
  From?: string;
  /** The number the caller dialled: the hotline's. */
  To?: string;
  Digits?: string;
  DialCallStatus?: string;
  RecordingSid?: string;
  RecordingUrl?: string;
  RecordingDuration?: string;
}

/** Delivery, recording and call status callbacks: the SID, and its status. */
export const statusBody = {
  type: 'object',
  properties: {
    CallSid: callSid,
    CallStatus: { type: 'string', maxLength: 32 },
    MessageSid: { type: 'string', maxLength: 64 },
    MessageStatus: { type: 'string', maxLength: 32 },
    ErrorCode: { type: 'string', maxLength: 16 },
    To: { type: 'string', maxLength: 64 },
    RecordingSid: { type: 'string', maxLength: 64 },
    RecordingStatus: { type: 'string', maxLength: 32 },
    RecordingUrl: { type: 'string', maxLength: 512 },
    RecordingDuration: { type: 'string', maxLength: 16 },
  },
} as const;

export interface StatusBody {
  CallSid?: string;
  CallStatus?: string;
  MessageSid?: string;
  MessageStatus?: string;
  /** Why a text was not delivered (Twilio's error dictionary), on 'undelivered' and 'failed'. */
  ErrorCode?: string;
  To?: string;
  RecordingSid?: string;
  RecordingStatus?: string;
  RecordingUrl?: string;
  RecordingDuration?: string;
}

export const languageStepQuery = {
  type: 'object',
  properties: { attempt },
  required: ['attempt'],
} as const;

export const menuStepQuery = {
  type: 'object',
  properties: { lang, attempt },
  required: ['lang', 'attempt'],
} as const;

export const languageQuery = {
  type: 'object',
  properties: { lang },
  required: ['lang'],
} as const;

export const idParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 64 } },
  required: ['id'],
} as const;

export type LanguageQuery = { lang: Language };

/** Twilio sends the length in whole seconds; anything else is left unknown rather than refused. */
export function parseDuration(value: string | undefined): number | null {
  if (value === undefined || !/^\d{1,6}$/.test(value)) return null;
  return Number(value);
}

/** A recording Twilio reported, or undefined when the callback carries none (nothing was said). */
export function recordingFrom(body: {
  RecordingSid?: string;
  RecordingUrl?: string;
  RecordingDuration?: string;
}): { recordingSid: string; recordingUrl: string | undefined; durationSeconds: number | null } | undefined {
  if (body.RecordingSid === undefined || !RECORDING_SID_PATTERN.test(body.RecordingSid)) return undefined;
  return {
    recordingSid: body.RecordingSid,
    recordingUrl: body.RecordingUrl,
    durationSeconds: parseDuration(body.RecordingDuration),
  };
}
