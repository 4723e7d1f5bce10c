// TwiML, Twilio's XML for answering calls and texts, built from a few element functions that escape every
// text and attribute: nothing a caller or sender typed can change the document's structure.
import type { Language } from '../../config/config.ts';
import type { SayVoice } from '../../config/voices.ts';

export interface Twiml {
  readonly xml: string;
}

function escapeXml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

type Attributes = Record<string, string | number | boolean | undefined>;

function element(name: string, attributes: Attributes, children: readonly (Twiml | string)[]): Twiml {
  const attrs = Object.entries(attributes)
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${escapeXml(String(value))}"`)
    .join('');
  const body = children.map((child) => (typeof child === 'string' ? escapeXml(child) : child.xml)).join('');
  return { xml: body === '' ? `<${name}${attrs}/>` : `<${name}${attrs}>${body}</${name}>` };
}

/** The whole document Twilio receives. */
export function response(...children: Twiml[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${element('Response', {}, children).xml}`;
}

/** The locale Twilio listens for a language in (<Gather> speech recognition). */
export const SAY_LANGUAGE: Record<Language, string> = { en: 'en-US', es: 'es-MX' };

/** Text read aloud by a named voice, in that voice's own locale (an unmatched pair makes the <Say> fail). */
export function say(voice: SayVoice, text: string): Twiml {
  return element('Say', { voice: voice.name, language: voice.locale }, [text]);
}

/** A reply text; `action` is where Twilio reports its status (and so its SID) as for any sent text. */
export function message(text: string, attributes: { action?: string } = {}): Twiml {
  return element('Message', { ...attributes, method: attributes.action ? 'POST' : undefined }, [text]);
}

export function gather(
  attributes: { action: string; numDigits?: number; timeout?: number; input?: string; language?: Language },
  ...children: Twiml[]
): Twiml {
  const { language, ...rest } = attributes;
  return element(
    'Gather',
    { method: 'POST', ...rest, language: language === undefined ? undefined : SAY_LANGUAGE[language] },
    children,
  );
}

export function record(attributes: {
  action: string;
  maxLength?: number;
  timeout?: number;
  playBeep?: boolean;
  finishOnKey?: string;
  recordingStatusCallback?: string;
}): Twiml {
  return element(
    'Record',
    {
      method: 'POST',
      ...attributes,
      recordingStatusCallbackMethod: attributes.recordingStatusCallback ? 'POST' : undefined,
    },
    [],
  );
}

/**
 * A number to ring, optionally with a `url` Twilio fetches (POST) for that leg when it answers, before it is
 * connected: its TwiML plays to the answering phone only (call screening), and a <Hangup/> there drops just
 * that leg.
 */
export interface DialedNumber {
  number: string;
  url?: string;
}

/** Rings every number at once; the first to answer (and pass its `url`, if any) takes the call. */
export function dial(
  attributes: { action: string; timeout: number; answerOnBridge?: boolean; callerId?: string },
  numbers: readonly (string | DialedNumber)[],
): Twiml {
  return element(
    'Dial',
    { method: 'POST', ...attributes },
    numbers.map((entry) =>
      typeof entry === 'string'
        ? element('Number', {}, [entry])
        : element('Number', { url: entry.url, method: entry.url === undefined ? undefined : 'POST' }, [
            entry.number,
          ]),
    ),
  );
}

export function redirect(url: string): Twiml {
  return element('Redirect', { method: 'POST' }, [url]);
}

export function pause(seconds: number): Twiml {
  return element('Pause', { length: seconds }, []);
}

export function hangup(): Twiml {
  return element('Hangup', {}, []);
}
