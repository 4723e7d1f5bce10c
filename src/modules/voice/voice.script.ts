// What the hotline says on the phone, as TwiML. Pure functions: the service decides which step a call is at,
// these say it. Every <Say> is in the caller's language (both languages before the caller has chosen), and
// every URL Twilio is sent to is absolute, built from AMPARO_PUBLIC_URL like the signature check, so the
// callbacks verify even when Amparo is served under a path prefix.
import type { AppConfig, Language } from '../../config/config.ts';
import type { SayVoice } from '../../config/voices.ts';
import { translator, type MessageKey } from '../../i18n/i18n.ts';
import { dial, gather, hangup, record, redirect, response, say } from '../../integrations/twilio/twiml.ts';
import { STATUS_PATH } from '../../integrations/twilio/status.ts';
import { EMPTY_TWIML, publishedUrl } from '../../integrations/twilio/webhook.ts';
import { rightsSpoken } from '../public/rights.ts';

export const VOICE_PATH = '/webhooks/twilio/voice';

/** What the caller chose; 'message' is the recording offered when the menu did not work out. */
export const CALL_CHOICES = ['now', 'past', 'family_detained', 'rights', 'message'] as const;
export type CallChoice = (typeof CALL_CHOICES)[number];
export type RecordingPurpose = Exclude<CallChoice, 'rights'>;

/** The menu's keys. */
export const MENU_KEYS: Readonly<Record<string, CallChoice>> = {
  '1': 'now',
  '2': 'past',
  '3': 'family_detained',
  '4': 'rights',
};
export const LANGUAGE_KEYS: Readonly<Record<string, Language>> = { '1': 'en', '2': 'es' };

/** The key for "not sure, or somewhere else" when the caller is asked which operation site it was. */
export const SITE_NOT_SURE_KEY = '9';

/** After this many plays of a prompt without a usable key, the caller is offered a recording instead. */
export const MAX_PROMPT_ATTEMPTS = 3;
/**
 * Listening to the rights message brings the menu back with the next attempt number; past this many the
 * call ends politely, so a stuck caller (or a dialler bot) cannot keep the line open for ever.
 */
export const MAX_MENU_PLAYS = 10;
export const GATHER_TIMEOUT_SECONDS = 6;
/** Long enough for a family to give a name, a country of birth and an A-number. */
export const MAX_RECORDING_SECONDS = 300;
const RECORDING_SILENCE_SECONDS = 8;
/** How long a dispatcher's phone has, once answered, to press the key that takes the call. */
export const SCREEN_TIMEOUT_SECONDS = 5;
export const SCREEN_ACCEPT_KEY = '1';
/** Twilio rings at most ten <Number>s in one <Dial>. */
export const MAX_DIALED_NUMBERS = 10;

const RECORD_PROMPTS: Record<RecordingPurpose, MessageKey> = {
  now: 'voice.record_now',
  past: 'voice.record_past',
  family_detained: 'voice.record_family',
  message: 'voice.record_fallback',
};

/** A reference read one character at a time ("7, K, 3, …"), which speech engines say clearly. */
export function spokenReference(reference: string): string {
  return reference.split('').join(', ');
}

export class VoiceScript {
  readonly #publicUrl: URL;
  readonly #networkName: string;
  readonly #ringSeconds: number;
  readonly #defaultLanguage: Language;
  readonly #voices: Record<Language, SayVoice>;

  constructor(config: Pick<AppConfig, 'publicUrl' | 'networkName' | 'hotline' | 'defaultLanguage'>) {
    this.#publicUrl = config.publicUrl;
    this.#networkName = config.networkName;
    this.#ringSeconds = config.hotline.voiceRingSeconds;
    this.#defaultLanguage = config.defaultLanguage;
    this.#voices = config.hotline.voices;
  }

  /** Every <Say> names the language's configured voice: Twilio's default voice does not speak es-MX. */
  #say(lang: Language, text: string) {
    return say(this.#voices[lang], text);
  }

  get defaultLanguage(): Language {
    return this.#defaultLanguage;
  }

  url(pathAndQuery: string): string {
    return publishedUrl(this.#publicUrl, pathAndQuery);
  }

  /** Both languages, each saying its own key, so nobody needs the other language to choose. */
  languageMenu(attempt: number, retry: boolean): string {
    const en = translator('en');
    const es = translator('es');
    const step = this.url(`${VOICE_PATH}/language?attempt=${attempt}`);
    const network = this.#networkName;
    return response(
      ...(retry
        ? [this.#say('en', en('voice.language_retry')), this.#say('es', es('voice.language_retry'))]
        : []),
      gather(
        { action: step, input: 'dtmf', numDigits: 1, timeout: GATHER_TIMEOUT_SECONDS },
        this.#say('en', en('voice.language_prompt', { network })),
        this.#say('es', es('voice.language_prompt', { network })),
      ),
      // No key pressed: Twilio goes on to the next verb, which asks the same step again without Digits.
      redirect(step),
    );
  }

  mainMenu(
    lang: Language,
    attempt: number,
    options: { retry?: boolean; rightsFirst?: boolean } = {},
  ): string {
    const t = translator(lang);
    const step = this.url(`${VOICE_PATH}/menu?lang=${lang}&attempt=${attempt}`);
    return response(
      ...(options.rightsFirst ? [this.#say(lang, rightsSpoken(lang))] : []),
      ...(options.retry ? [this.#say(lang, t('voice.menu_retry'))] : []),
      gather(
        { action: step, input: 'dtmf', numDigits: 1, timeout: GATHER_TIMEOUT_SECONDS },
        this.#say(lang, t('voice.menu_prompt')),
      ),
      redirect(step),
    );
  }

  /**
   * Option 3 while an operation is open: "was it at <site>?", one key per site (1 to 8) and 9 for not sure
   * or somewhere else. The sites are read again at the answer, in the same order.
   */
  askSite(lang: Language, sites: readonly { siteName: string }[], attempt: number, retry: boolean): string {
    const t = translator(lang);
    const step = this.url(`${VOICE_PATH}/site?lang=${lang}&attempt=${attempt}`);
    return response(
      ...(retry ? [this.#say(lang, t('voice.site_retry'))] : []),
      gather(
        { action: step, input: 'dtmf', numDigits: 1, timeout: GATHER_TIMEOUT_SECONDS },
        this.#say(lang, t('voice.site_prompt')),
        ...sites.map((site, index) =>
          this.#say(lang, t('voice.site_option', { site: site.siteName, key: String(index + 1) })),
        ),
        this.#say(lang, t('voice.site_not_sure')),
      ),
      redirect(step),
    );
  }

  /** Asks for a message and records it; Twilio posts the result (even on a hang-up) to /recorded. */
  recordMessage(lang: Language, purpose: RecordingPurpose): string {
    const t = translator(lang);
    return response(this.#say(lang, t(RECORD_PROMPTS[purpose])), ...this.#recording(lang));
  }

  /** The menu did not work out before a language was chosen: the offer goes out in both languages. */
  recordMessageInBothLanguages(): string {
    const lang = this.#defaultLanguage;
    const other: Language = lang === 'en' ? 'es' : 'en';
    return response(
      this.#say(lang, translator(lang)('voice.record_fallback')),
      this.#say(other, translator(other)('voice.record_fallback')),
      ...this.#recording(lang),
    );
  }

  #recording(lang: Language) {
    return [
      record({
        action: this.url(`${VOICE_PATH}/recorded?lang=${lang}`),
        maxLength: MAX_RECORDING_SECONDS,
        timeout: RECORDING_SILENCE_SECONDS,
        playBeep: true,
        finishOnKey: '#',
        recordingStatusCallback: this.url(STATUS_PATH),
      }),
      // Twilio only reaches the verbs after <Record> when it heard nothing at all (it then skips the
      // action): the same step is asked without a recording, so a family's number is still kept.
      redirect(this.url(`${VOICE_PATH}/recorded?lang=${lang}`)),
    ];
  }

  /**
   * Dispatchers are rung on a separate step that is never stored as a webhook receipt, so their phone
   * numbers are not written to the database in clear.
   */
  connectToDispatchers(lang: Language): string {
    const t = translator(lang);
    return response(
      this.#say(lang, t('voice.connecting')),
      redirect(this.url(`${VOICE_PATH}/connect?lang=${lang}`)),
    );
  }

  /**
   * Rings the dispatchers showing `callerId`, the hotline's own number: without it Twilio shows the caller's
   * number, and every reporter's number would stay in each dispatcher's personal call log.
   */
  dialDispatchers(lang: Language, numbers: readonly string[], callerId: string | undefined): string {
    return response(
      dial(
        {
          action: this.url(`${VOICE_PATH}/dial-result?lang=${lang}`),
          timeout: this.#ringSeconds,
          // The caller hears ringing until a dispatcher picks up, not silence.
          answerOnBridge: true,
          callerId,
        },
        // Each phone that answers is screened first, so a dispatcher's voicemail cannot take the call.
        numbers
          .slice(0, MAX_DIALED_NUMBERS)
          .map((number) => ({ number, url: this.url(`${VOICE_PATH}/screen?lang=${lang}`) })),
      ),
    );
  }

  /**
   * Played to a dispatcher's phone when it answers, before the caller is connected: only a person pressing
   * 1 takes the call. Silence or another key (a voicemail greeting) drops that phone alone; the others keep
   * ringing, and if none takes it the caller is offered a recording.
   */
  screenDispatcher(callerLang: Language): string {
    const en = translator('en');
    const es = translator('es');
    return response(
      gather(
        {
          action: this.url(`${VOICE_PATH}/screen-result?lang=${callerLang}`),
          input: 'dtmf',
          numDigits: 1,
          timeout: SCREEN_TIMEOUT_SECONDS,
        },
        this.#say('en', en('voice.screen_prompt', { language: en(`voice.language_${callerLang}`) })),
        this.#say('es', es('voice.screen_prompt', { language: es(`voice.language_${callerLang}`) })),
      ),
      hangup(),
    );
  }

  /** The dispatcher's key: 1 connects (an empty answer lets <Dial> bridge the call); anything else hangs up. */
  screenResult(digits: string | undefined): string {
    return digits === SCREEN_ACCEPT_KEY ? EMPTY_TWIML : response(hangup());
  }

  thanks(lang: Language, reference: string, purpose: RecordingPurpose): string {
    const t = translator(lang);
    const key = purpose === 'family_detained' ? 'voice.thanks_family' : 'voice.thanks';
    return response(
      this.#say(lang, t(key, { reference: spokenReference(reference) })),
      this.#say(lang, t('voice.goodbye')),
      hangup(),
    );
  }

  /** A family that left no message: their number was kept, and they hear that the legal team will call. */
  familyWithoutMessage(lang: Language, reference: string): string {
    const t = translator(lang);
    return response(
      this.#say(lang, t('voice.family_no_message', { reference: spokenReference(reference) })),
      this.#say(lang, t('voice.goodbye')),
      hangup(),
    );
  }

  noMessage(lang: Language): string {
    const t = translator(lang);
    return response(this.#say(lang, t('voice.no_message')), this.#say(lang, t('voice.goodbye')), hangup());
  }

  rightsThenGoodbye(lang: Language): string {
    const t = translator(lang);
    return response(
      this.#say(lang, rightsSpoken(lang, false)),
      this.#say(lang, t('voice.goodbye')),
      hangup(),
    );
  }

  goodbye(lang: Language): string {
    return response(this.#say(lang, translator(lang)('voice.goodbye')), hangup());
  }
}
