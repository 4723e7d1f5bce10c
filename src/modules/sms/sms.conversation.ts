// The hotline's text conversation as a pure state machine: no database, no HTTP, no clock of its own. It
// reads keywords (STOP, HELP, a language), guesses the language of a first text, pulls the SALUTE
// essentials out of free text (so one long message can answer several questions), and says which question
// comes next. Every text the sender wrote is kept verbatim, whatever the machine made of it: a dispatcher
// reads the raw words, the parsed fields only help triage.
import type { Language } from '../../config/config.ts';
import {
  REPORT_ACTIVITIES,
  REPORT_SEEN_WHEN,
  type ReportActivity,
  type ReportAgency,
  type ReportSeenWhen,
  type ReportSource,
} from '../../db/schema.ts';
import {
  isFamilyQuestion,
  parseFamilyIntake,
  pendingFamilyQuestion,
  receiveFamilyText,
  type FamilyIntake,
  type FamilyQuestion,
} from './sms.family.ts';
import { NUMBER_WORDS } from './sms.number-words.ts';

/** The questions, in the order they are asked: what, where, when, how many, uniforms, first-hand. */
export const QUESTIONS = ['activity', 'location', 'seen_when', 'count', 'uniform', 'source'] as const;
export type Question = (typeof QUESTIONS)[number];
/** What a conversation may be waiting on: a report's question, or one of the family intake's. */
export type Step = Question | FamilyQuestion;

function isQuestion(value: unknown): value is Question {
  return (QUESTIONS as readonly unknown[]).includes(value);
}

/** A text longer than any concatenated SMS is cut here; Twilio itself caps bodies at 1600 characters. */
export const MAX_TEXT_CHARS = 1600;
/** A conversation holding this many texts becomes a report, so one number cannot grow a row without end. */
export const MAX_TEXTS = 40;
const MAX_LOCATION_CHARS = 200;
const MAX_UNIFORM_CHARS = 200;
const MAX_COUNT = 1000;

export interface Answers {
  activity?: ReportActivity;
  location?: string;
  zip?: string;
  seenWhen?: ReportSeenWhen;
  agentsCount?: number;
  vehiclesCount?: number;
  uniform?: string;
  /** A hint from the words used (ICE, Border Patrol, sheriff); dispatchers decide. */
  agency?: ReportAgency;
  source?: ReportSource;
}

export interface ReceivedText {
  /** When it arrived, ISO 8601. */
  at: string;
  /** The question it was read as an answer to, if any. */
  question: Question | null;
  body: string;
  /** Content types of attached media (MMS), in order. */
  media: string[];
}

export interface Conversation {
  language: Language;
  answers: Answers;
  /** Questions settled, including those answered "don't know" or in words the machine did not map. */
  answered: Question[];
  /** The question last put to the sender; a text is read as its answer only while it is still open. */
  asked: Step | null;
  /** Questions whose answer did not fit what was asked, so they were asked again (once). */
  retried: Question[];
  texts: ReceivedText[];
  /** FAMILIA / FAMILY: the family intake this conversation is (its texts are not kept, only its answers). */
  family?: FamilyIntake;
}

export function newConversation(language: Language): Conversation {
  return { language, answers: {}, answered: [], asked: null, retried: [], texts: [] };
}

/** The next question to ask, or undefined when every question is settled. */
export function pendingQuestion(conversation: Conversation): Step | undefined {
  if (conversation.family) return pendingFamilyQuestion(conversation.family);
  return QUESTIONS.find((question) => !conversation.answered.includes(question));
}

/** True once the sender has sent anything a dispatcher could use (words or a photo). */
export function hasContent(conversation: Conversation): boolean {
  return conversation.texts.some((text) => text.body.trim() !== '' || text.media.length > 0);
}

// ---------------------------------------------------------------------------------------------------------
// Keywords

export type Keyword =
  | { kind: 'stop'; language: Language | undefined }
  | { kind: 'start'; language: Language | undefined }
  | { kind: 'help'; language: Language | undefined }
  /** RIGHTS / DERECHOS: the know-your-rights points, in the word's language. */
  | { kind: 'rights'; language: Language }
  /** EN / ES and the like, or REPORT / REPORTE, which also name the language. */
  | { kind: 'language'; language: Language }
  /** FAMILIA / FAMILY: a relative was detained; the short family intake, in the word's language. */
  | { kind: 'family'; language: Language };

const KEYWORDS: Record<string, Keyword> = {};
function keywords(words: string[], keyword: Keyword): void {
  for (const word of words) KEYWORDS[word] = keyword;
}
// The carrier opt-out words (CTIA), and the common Spanish ones. Only a text that is nothing but the word is
// a keyword: "Cancelar" alone opts out, "van a cancelar la cita" is a report.
keywords(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT', 'OPT OUT'], {
  kind: 'stop',
  language: undefined,
});
export const SPANISH_STOP_WORDS = [
  'ALTO',
  'PARA',
  'PARAR',
  'DETENER',
  'CANCELAR',
  'BAJA',
  'TERMINAR',
  'FIN',
  'SALIR',
  'DESUSCRIBIR',
] as const;
keywords([...SPANISH_STOP_WORDS], { kind: 'stop', language: 'es' });
// YES is one of Twilio's opt-in words, but here it answers "did you see it yourself?", so it is left out.
keywords(['START', 'UNSTOP'], { kind: 'start', language: undefined });
export const SPANISH_START_WORDS = ['INICIO', 'INICIAR', 'COMENZAR', 'EMPEZAR', 'REANUDAR'] as const;
keywords([...SPANISH_START_WORDS], { kind: 'start', language: 'es' });
keywords(['HELP', 'INFO'], { kind: 'help', language: undefined });
export const SPANISH_HELP_WORDS = ['AYUDA', 'INFORMACION'] as const;
keywords([...SPANISH_HELP_WORDS], { kind: 'help', language: 'es' });
keywords(['RIGHTS', 'MY RIGHTS'], { kind: 'rights', language: 'en' });
keywords(['DERECHOS', 'MIS DERECHOS'], { kind: 'rights', language: 'es' });
keywords(['FAMILY'], { kind: 'family', language: 'en' });
keywords(['FAMILIA'], { kind: 'family', language: 'es' });
keywords(['EN', 'ENGLISH', 'INGLES', 'REPORT'], { kind: 'language', language: 'en' });
keywords(['ES', 'ESPANOL', 'SPANISH', 'REPORTE', 'REPORTAR'], { kind: 'language', language: 'es' });

/** What Twilio itself did with a text before Amparo saw it: opted the sender out, back in, or answered HELP. */
export type ProviderKeyword = 'stop' | 'start' | 'help';

const OPT_OUT_TYPES: Readonly<Record<string, ProviderKeyword>> = {
  STOP: 'stop',
  START: 'start',
  HELP: 'help',
};

/**
 * Twilio's default opt-out handling, on for every long code: these words alone (case ignored) are answered
 * by Twilio, and the STOP words block the number (error 21610) until a START word. YES is also one of its
 * START words, but it is not counted here: it answers one of the hotline's questions, a network using
 * Advanced Opt-Out can remove it, and when Twilio did act on it the webhook says so (OptOutType).
 */
const TWILIO_DEFAULT_WORDS: Readonly<Record<string, ProviderKeyword>> = {
  STOP: 'stop',
  STOPALL: 'stop',
  UNSUBSCRIBE: 'stop',
  CANCEL: 'stop',
  END: 'stop',
  QUIT: 'stop',
  REVOKE: 'stop',
  OPTOUT: 'stop',
  START: 'start',
  UNSTOP: 'start',
  HELP: 'help',
  INFO: 'help',
};

/**
 * What Twilio did with an incoming text. The webhook's OptOutType (STOP, START or HELP) is authoritative:
 * Twilio sends it whenever its (advanced) opt-out handling matched the text. Without it, Twilio's default
 * handling still acted on its own fixed words, which carry no OptOutType.
 */
export function readProviderKeyword(
  optOutType: string | undefined,
  body: string,
): ProviderKeyword | undefined {
  if (optOutType !== undefined) {
    const declared = OPT_OUT_TYPES[optOutType.trim().toUpperCase()];
    if (declared) return declared;
  }
  return TWILIO_DEFAULT_WORDS[body.trim().toUpperCase()];
}

/** The last text folded and its folding: one text is read by a dozen patterns, each of which folds it. */
let lastFold: { text: string; folded: string } | undefined;

/** Folds case and accents, index for index, so matches on the folded text cut the original text. */
function fold(text: string): string {
  if (lastFold?.text === text) return lastFold.folded;
  const folded = foldUncached(text);
  lastFold = { text, folded };
  return folded;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function foldUncached(text: string): string {
  // ASCII has no accents, and its lower case keeps every index: the common case needs no character walk.
  if (isAscii(text)) return text.toLowerCase();
  let folded = '';
  for (const char of text) {
    const base = char.normalize('NFD').replace(/\p{M}/gu, '');
    const lower = base.toLowerCase();
    // Whatever would change length (a lone combining mark, a ligature) is replaced, keeping indexes aligned.
    folded += lower.length === char.length ? lower : base.length === 0 ? ' ' : char;
  }
  return folded;
}

/** The last text read for a keyword: the webhook and dispatch both ask about the same text. */
let lastKeyword: { body: string; keyword: Keyword | undefined } | undefined;

/** A text that is exactly one keyword (case, accents and surrounding punctuation ignored). */
export function parseKeyword(body: string): Keyword | undefined {
  if (lastKeyword?.body === body) return lastKeyword.keyword;
  const keyword = readKeyword(body);
  lastKeyword = { body, keyword };
  return keyword;
}

function readKeyword(body: string): Keyword | undefined {
  const word = fold(body.normalize('NFC'))
    .replace(/[.!¡¿?,;:'"()\s]+$/u, '')
    .replace(/^[.!¡¿?,;:'"()\s]+/u, '')
    .replace(/\s+/g, ' ')
    .toUpperCase();
  return KEYWORDS[word];
}

/** ALERTS 60623 60608 (or ALERTAS, ALERT, ALERTA): a request for community alerts and what follows it. */
export interface AlertsRequest {
  language: Language;
  /** Everything after the keyword, for the ZIP codes (checked by the subscriptions module). */
  rest: string;
}

/** A text that starts with the alerts keyword; anything else (including "alerts are scary") is not one. */
export function parseAlertsRequest(body: string): AlertsRequest | undefined {
  const match = /^[\s.!¡¿?,;:'"()]*(ALERTAS?|ALERTS?)(?:[\s:,.#-]+(.*?))?[\s.!?]*$/isu.exec(
    fold(body.normalize('NFC')),
  );
  if (!match) return undefined;
  const rest = match[2] ?? '';
  // Only ZIP-looking words may follow, so a report that begins with "Alert" stays a report.
  if (rest !== '' && !/^[\d\s,;/-]+$/.test(rest)) return undefined;
  return { language: match[1]!.toUpperCase().startsWith('ALERTA') ? 'es' : 'en', rest };
}

// ---------------------------------------------------------------------------------------------------------
// Language

const SPANISH_WORDS = new Set(
  (
    'hola hay la las los el una uno unos unas y en de del por favor que esta estan agentes agente calle ' +
    'esquina ahora ahorita personas gente carro carros camioneta camionetas trabajo casa frente cerca donde ' +
    'migra ayuda necesito reporte policia deteniendo detuvieron llevaron arrestaron arrestando vi veo mi ' +
    'mis vecino vecina se son con sin hombres chalecos dicen dice yo lo le nos buenas buenos dias tardes ' +
    'noches tienda afuera aqui alli estoy hace redada reten preguntando vigilando'
  ).split(' '),
);
const ENGLISH_WORDS = new Set(
  (
    'the is are at and there agents agent officers people now street ave help hi hello i saw see they ' +
    'taking detaining cops car cars van vans truck my neighbor with in on of a an just someone outside ' +
    'near corner right here happening arrested arresting stopped stopping checkpoint raid watching parked ' +
    'vests vest say says report please'
  ).split(' '),
);

/**
 * The language of a first text: Spanish accents and punctuation, then whichever language's common words
 * are more frequent; a tie keeps the network's default. Keywords switch it later; guesses never do.
 */
export function guessLanguage(text: string, fallback: Language): Language {
  let spanish = (text.match(/[ñáíóú¿¡]/giu) ?? []).length * 2;
  let english = 0;
  for (const word of fold(text).split(/[^\p{L}]+/u)) {
    if (SPANISH_WORDS.has(word)) spanish += 1;
    if (ENGLISH_WORDS.has(word)) english += 1;
  }
  if (spanish > english) return 'es';
  if (english > spanish) return 'en';
  return fallback;
}

// ---------------------------------------------------------------------------------------------------------
// Reading free text

const NUMBER = `(\\d{1,4}|${Object.keys(NUMBER_WORDS).join('|')})`;

function toNumber(token: string): number | undefined {
  const value = /^\d+$/.test(token) ? Number(token) : NUMBER_WORDS[token];
  return value !== undefined && value <= MAX_COUNT ? value : undefined;
}

const AGENT_WORDS = 'agents?|officers?|cops?|men|guys|feds|agentes?|oficiales?|policias?|hombres|federales';
const VEHICLE_WORDS =
  'cars?|trucks?|vans?|suvs?|vehicles?|carros?|camionetas?|trocas?|vehiculos?|patrullas?|autos?|coches?';
// "3 ICE agents", "tres agentes": a number, at most one word between, then what is counted.
const AGENTS_PATTERN = new RegExp(
  `(?<![\\p{L}\\d])${NUMBER}\\s+(?:\\p{L}+\\s+)?(?:${AGENT_WORDS})(?!\\p{L})`,
  'u',
);
const VEHICLES_PATTERN = new RegExp(
  `(?<![\\p{L}\\d])${NUMBER}\\s+(?:\\p{L}+\\s+)?(?:${VEHICLE_WORDS})(?!\\p{L})`,
  'u',
);

/** Agents and vehicles named with what they count ("3 agents, 2 cars"). */
export function readCounts(text: string): { agentsCount?: number; vehiclesCount?: number } {
  const folded = fold(text);
  const counts: { agentsCount?: number; vehiclesCount?: number } = {};
  const agents = AGENTS_PATTERN.exec(folded)?.[1];
  const vehicles = VEHICLES_PATTERN.exec(folded)?.[1];
  const agentsCount = agents === undefined ? undefined : toNumber(agents);
  const vehiclesCount = vehicles === undefined ? undefined : toNumber(vehicles);
  if (agentsCount !== undefined) counts.agentsCount = agentsCount;
  if (vehiclesCount !== undefined) counts.vehiclesCount = vehiclesCount;
  return counts;
}

// Most specific first: "pararon un carro" is a vehicle stop before it is a detention.
const ACTIVITY_PATTERNS: [ReportActivity, RegExp][] = [
  [
    'raid',
    /\b(raids?|raiding|redadas?|operativo|broke in|breaking in|entering (the|a|my) (house|home|building)|entraron a|knocking on doors|tocando puertas)\b/u,
  ],
  ['checkpoint', /\b(checkpoints?|reten|punto de control|road ?block)\b/u],
  [
    'vehicle_stop',
    /\b(pulled over|pulling over|traffic stop|stopp(ed|ing) (a|the|my) (car|truck|van|vehicle)|pararon (un|el|a un|mi) (carro|coche|auto|vehiculo|troca)|detuvieron (un|el|mi) (carro|coche|auto|vehiculo|troca)|parada de trafico)\b/u,
  ],
  [
    'detaining',
    /\b(detain\w*|arrest\w*|handcuff\w*|grabb\w*|taking (people|someone|him|her|them|a man|a woman)|took (people|someone|him|her|them)|deten\w*|detuv\w*|arrest\w*|llevando\w*|se llevaron|llevaron|esposa\w*|agarr\w*)\b/u,
  ],
  [
    'questioning',
    /\b(question\w*|asking (for )?(papers|ids?|documents)|checking (ids|papers)|interrogat\w*|preguntando|pidiendo (papeles|documentos|identificacion)|interrog\w*)\b/u,
  ],
  [
    'watching',
    /\b(parked|waiting|sitting (in|outside)|surveil\w*|(are|just|they're) watching|vigilando|estacionad\w*|esperando|observando)\b/u,
  ],
];

export function readActivity(text: string): ReportActivity | undefined {
  const folded = fold(text);
  return ACTIVITY_PATTERNS.find(([, pattern]) => pattern.test(folded))?.[0];
}

export function readSeenWhen(text: string): ReportSeenWhen | undefined {
  const folded = fold(text);
  const minutes = /\b(?:hace\s+)?(\d{1,3})\s*(?:min|mins|minutes?|minutos?)\b/u.exec(folded)?.[1];
  if (minutes !== undefined) {
    const value = Number(minutes);
    return value <= 15 ? 'last_15_minutes' : value <= 60 ? 'last_hour' : 'today';
  }
  if (
    /\b(right now|now|currently|as we speak|ahora|ahorita|ahora mismo|en este momento|en estos momentos|ya mismo)\b/u.test(
      folded,
    )
  )
    return 'now';
  if (/\b(an|one|1|half an?) hours?( ago)?\b|\bhace (una|1|media) hora\b/u.test(folded)) return 'last_hour';
  if (
    /\b(yesterday|last night|last week|days ago|ayer|anoche|la semana pasada|el otro dia|hace \w+ dias)\b/u.test(
      folded,
    )
  )
    return 'earlier';
  if (
    /\b(today|this morning|this afternoon|earlier|tonight|hours ago|hoy|esta manana|esta tarde|esta noche|hace rato|horas)\b/u.test(
      folded,
    )
  )
    return 'today';
  return undefined;
}

export function readSource(text: string): ReportSource | undefined {
  const folded = fold(text);
  if (
    /\b(someone told me|somebody told me|i heard|heard that|was told|they told me|a friend (said|told)|on (facebook|social media|instagram|tiktok|whatsapp|twitter)|me dijeron|me contaron|escuche|oi que|dicen que|en (facebook|redes|whatsapp|tiktok|instagram))\b/u.test(
      folded,
    )
  )
    return 'heard';
  if (
    /\b(i saw|i see|i can see|i'm seeing|i am seeing|i'm watching|i am watching|i'm here|i am here|in front of me|yo lo vi|lo vi|lo estoy viendo|estoy viendo|lo veo|los veo|estoy aqui|yo vi|yo los vi|los vi)\b/u.test(
      folded,
    )
  )
    return 'saw';
  return undefined;
}

export function readAgency(text: string): ReportAgency | undefined {
  const folded = fold(text);
  // "Migra" and "immigration" name no agency in particular; only explicit names are taken as a hint.
  if (/\b(ice|hsi|ero)\b/u.test(folded)) return 'ice';
  if (/\b(cbp|border patrol|patrulla fronteriza)\b/u.test(folded)) return 'cbp';
  if (/\b(sheriffs?|local police|policia local|county police|state police|cpd|nypd|lapd)\b/u.test(folded))
    return 'local_police';
  return undefined;
}

function cut(text: string, start: number, end: number, max: number): string {
  return [...text.slice(start, end).trim()].slice(0, max).join('');
}

const UNIFORM_PATTERN =
  /(?<!\p{L})(?:vests?|uniforms?|jackets?|shirts?|hats?|caps?|badges?|patch(?:es)?|chalecos?|uniformes?|chamarras?|camisas?|gorras?|placas?|parches?)\s+(?:(?:that|which|que)\s+)?(?:say|says|said|read|reads|reading|saying|marked|labell?ed|with|dicen|dice|decian|decia|con|marcados?)\s+[^,;.!?\n]+/u;
const UNMARKED_PATTERN =
  /\b(no uniforms?|no markings?|unmarked|plain ?clothes|no vests?|sin uniformes?|sin marcas|sin chalecos?|ropa normal|ropa de civil|de civil|vestidos de civil)\b/u;

/** What uniforms, vests or vehicles said, as the sender put it ("vests say POLICE ICE"). */
export function readUniform(text: string): string | undefined {
  const folded = fold(text);
  const marked = UNIFORM_PATTERN.exec(folded) ?? UNMARKED_PATTERN.exec(folded);
  if (!marked) return undefined;
  return cut(text, marked.index, marked.index + marked[0].length, MAX_UNIFORM_CHARS);
}

// A place is introduced by a preposition and runs until punctuation or a word that starts something else.
const PLACE_LEAD =
  /(?<![\p{L}\d])(?:at the corner of|on the corner of|in front of|across from|outside of|outside|near|at|on|by|en la esquina de|esquina de|enfrente de|frente a|afuera de|cerca de|sobre|por|en)\s+/gu;
const PLACE_END =
  /[,;.!?\n]|\s(?:now|right now|today|this morning|yesterday|with|who|where|there|they|and (?:they|there|i|we|he|she|it|the|a)|ahora|ahorita|hoy|ayer|con|hace|hay|que|donde|y (?:se|hay|est\w*|lo|la|los|las|me|nos|le|un|una|el|yo))\b|\s\d+\s+(?:agents?|officers?|agentes?)\b/u;
// Without one of these the words are too vague to skip asking ("at my house", "en la tienda").
const STREET_LIKE =
  /\d|&|@|\b(st|street|ave|avenue|av|rd|road|blvd|boulevard|dr|drive|ln|lane|hwy|highway|pkwy|parkway|calle|avenida|carretera|camino|bulevar|plaza|park|parque|station|estacion|school|escuela|church|iglesia|courthouse|corte)\b|\p{L}+ (and|y) \p{L}+/u;
const TIME_LIKE = /^\d{1,2}(:\d\d)?\s*(am|pm|a\.?m\.?|p\.?m\.?|hrs)?$/u;
const BARE_ADDRESS =
  /(?<![\p{L}\d])\d{1,6}\s+(?:[nsew]\.?\s+)?[\p{L}\d]+(?:\s+\p{L}+)?\s+(?:st|street|ave|avenue|rd|road|blvd|dr|drive|ln|way|pl|ct|calle|avenida)\b\.?/u;

/** A street-level place named in the text ("at 26th and Kedzie", "en la 26 y Kedzie"), if any. */
export function readLocation(text: string): string | undefined {
  const folded = fold(text);
  for (const lead of folded.matchAll(PLACE_LEAD)) {
    const start = lead.index + lead[0].length;
    const rest = folded.slice(start);
    const end = PLACE_END.exec(rest);
    const candidate = rest.slice(0, end ? end.index : rest.length).trim();
    if (candidate === '' || TIME_LIKE.test(candidate) || candidate.split(/\s+/).length > 8) continue;
    if (STREET_LIKE.test(candidate)) return cut(text, start, start + candidate.length, MAX_LOCATION_CHARS);
  }
  const address = BARE_ADDRESS.exec(folded);
  if (address) return cut(text, address.index, address.index + address[0].length, MAX_LOCATION_CHARS);
  return undefined;
}

/** A ZIP code the sender clearly meant as one (labelled, after a state or comma, or ending the text). */
export function readZip(text: string): string | undefined {
  const folded = fold(text).trim();
  const match =
    /^(\d{5})$/.exec(folded) ??
    /(?:\b(?:zip|zip code|cp|codigo postal)\s*:?\s*|,\s*|\b[a-z]{2}\s+)(\d{5})(?!\d)/u.exec(folded) ??
    /\s(\d{5})$/.exec(folded);
  return match?.[1];
}

/** Everything one text says, for an all-in-one message or a reply that answers more than was asked. */
export function readEverything(text: string): { answers: Answers; settles: Question[] } {
  const answers: Answers = {};
  const settles: Question[] = [];
  const activity = readActivity(text);
  if (activity) {
    answers.activity = activity;
    settles.push('activity');
  }
  const location = readLocation(text);
  if (location) {
    answers.location = location;
    settles.push('location');
    const zip = readZip(location);
    if (zip) answers.zip = zip;
  }
  const seenWhen = readSeenWhen(text);
  if (seenWhen) {
    answers.seenWhen = seenWhen;
    settles.push('seen_when');
  }
  const counts = readCounts(text);
  if (counts.agentsCount !== undefined || counts.vehiclesCount !== undefined) {
    Object.assign(answers, counts);
    settles.push('count');
  }
  const uniform = readUniform(text);
  if (uniform) {
    answers.uniform = uniform;
    settles.push('uniform');
  }
  const source = readSource(text);
  if (source) {
    answers.source = source;
    settles.push('source');
  }
  const agency = readAgency(text);
  if (agency) answers.agency = agency;
  return { answers, settles };
}

/** "1", "#2", "3." or "4)": a numbered choice. */
function choice(text: string, count: number): number | undefined {
  const match = /^\s*#?\s*(\d{1,2})\s*[.)]?\s*$/u.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]);
  return value >= 1 && value <= count ? value : undefined;
}

const UNKNOWN =
  /^\s*(\?+|idk|i don'?t know|dont know|don'?t know|not sure|unknown|no se|nose|ni idea|no sabemos|0)\s*$/u;
/** A bare yes, no or ok: an answer to a yes-or-no question, never a place or a time. */
const YES_NO =
  /^\s*(yes|y|yeah|yep|no|n|nope|ok|okay|si|s|vale|bueno|claro|gracias|thanks|thank you)[\s.!]*$/u;
const BARE_NUMBER = /^\s*#?\s*\d+\s*[.)]?\s*$/u;

/**
 * Whether an answer is plainly of another kind than what was asked: a ZIP code is not a time, "no" is not
 * a place, "60623" is not a count. Free words that merely cannot be mapped are not misfits: they are kept.
 */
function isMisfit(question: Question, folded: string, answers: Answers): boolean {
  switch (question) {
    case 'activity':
      return answers.activity === undefined && (BARE_NUMBER.test(folded) || YES_NO.test(folded));
    case 'location':
      // A ZIP alone is a (rough) place; any other bare number, or a yes or no, is not.
      return (BARE_NUMBER.test(folded) && !/^\s*\d{5}\s*$/u.test(folded)) || YES_NO.test(folded);
    case 'seen_when':
      return (
        answers.seenWhen === undefined &&
        (BARE_NUMBER.test(folded) || YES_NO.test(folded) || readLocation(folded) !== undefined)
      );
    case 'count':
      return (
        answers.agentsCount === undefined && answers.vehiclesCount === undefined && BARE_NUMBER.test(folded)
      );
    case 'uniform':
      return BARE_NUMBER.test(folded);
    case 'source':
      return answers.source === undefined && BARE_NUMBER.test(folded);
  }
}

/**
 * The answer to the question that was asked. Numbered choices and recognised words fill the field; anything
 * else still settles the question (the words are kept in the report), so nobody is asked the same thing
 * twice. Empty text (a photo alone) answers nothing.
 */
export function readAnswer(
  question: Question,
  text: string,
): { answers: Answers; settled: boolean; misfit?: true } {
  const trimmed = text.trim();
  if (trimmed === '') return { answers: {}, settled: false };
  const folded = fold(trimmed);
  const answers: Answers = {};
  switch (question) {
    case 'activity': {
      const picked = choice(trimmed, REPORT_ACTIVITIES.length);
      const activity = picked === undefined ? readActivity(trimmed) : REPORT_ACTIVITIES[picked - 1];
      if (activity) answers.activity = activity;
      break;
    }
    case 'location': {
      answers.location = [...trimmed].slice(0, MAX_LOCATION_CHARS).join('');
      const zip = readZip(trimmed);
      if (zip) answers.zip = zip;
      break;
    }
    case 'seen_when': {
      const picked = choice(trimmed, REPORT_SEEN_WHEN.length);
      const seenWhen = picked === undefined ? readSeenWhen(trimmed) : REPORT_SEEN_WHEN[picked - 1];
      if (seenWhen) answers.seenWhen = seenWhen;
      break;
    }
    case 'count': {
      if (UNKNOWN.test(folded)) break;
      const labelled = readCounts(trimmed);
      if (labelled.agentsCount !== undefined || labelled.vehiclesCount !== undefined) {
        Object.assign(answers, labelled);
        break;
      }
      // Bare numbers answer in the order asked: agents, then vehicles ("3 y 2").
      const numbers = [...folded.matchAll(new RegExp(`(?<![\\p{L}\\d])${NUMBER}(?![\\p{L}\\d])`, 'gu'))]
        .map((match) => toNumber(match[1]!))
        .filter((value): value is number => value !== undefined);
      if (numbers[0] !== undefined) answers.agentsCount = numbers[0];
      if (numbers[1] !== undefined) answers.vehiclesCount = numbers[1];
      break;
    }
    case 'uniform': {
      answers.uniform = [...trimmed].slice(0, MAX_UNIFORM_CHARS).join('');
      break;
    }
    case 'source': {
      const picked = choice(trimmed, 2);
      if (picked !== undefined) answers.source = picked === 1 ? 'saw' : 'heard';
      else if (/^(yes|y|yeah|yep|si|s|yo|me|myself|i did)\b/u.test(folded)) answers.source = 'saw';
      else if (/^(no|n|nope)\b/u.test(folded)) answers.source = 'heard';
      else {
        const source = readSource(trimmed);
        if (source) answers.source = source;
      }
      break;
    }
  }
  const agency = readAgency(trimmed);
  if (agency) answers.agency = agency;
  if (isMisfit(question, folded, answers)) {
    // Whatever else the words say still counts (a ZIP given for "when?" helps targeting).
    const zip = /^\s*(\d{5})\s*$/u.exec(folded)?.[1];
    return {
      answers: { ...(agency ? { agency } : {}), ...(zip ? { zip } : {}) },
      settled: false,
      misfit: true,
    };
  }
  return { answers, settled: true };
}

// ---------------------------------------------------------------------------------------------------------
// The machine

export interface IncomingText {
  body: string;
  at: Date;
  media: readonly string[];
}

function merge(conversation: Conversation, answers: Answers, settles: readonly Question[]): Conversation {
  const next: Answers = { ...conversation.answers };
  const answered = [...conversation.answered];
  for (const question of settles) {
    if (answered.includes(question)) continue;
    answered.push(question);
    switch (question) {
      case 'activity':
        if (answers.activity) next.activity = answers.activity;
        break;
      case 'location':
        if (answers.location) next.location = answers.location;
        if (answers.zip) next.zip = answers.zip;
        break;
      case 'seen_when':
        if (answers.seenWhen) next.seenWhen = answers.seenWhen;
        break;
      case 'count':
        if (answers.agentsCount !== undefined) next.agentsCount = answers.agentsCount;
        if (answers.vehiclesCount !== undefined) next.vehiclesCount = answers.vehiclesCount;
        break;
      case 'uniform':
        if (answers.uniform) next.uniform = answers.uniform;
        break;
      case 'source':
        if (answers.source) next.source = answers.source;
        break;
    }
  }
  if (answers.agency && !next.agency) next.agency = answers.agency;
  // A ZIP read from a later text still helps targeting when the place itself was too vague to keep.
  if (answers.zip && !next.zip) next.zip = answers.zip;
  return { ...conversation, answers: next, answered };
}

/**
 * Takes one text into the conversation: kept verbatim, read as the answer to the open question (if one was
 * asked), and read again for anything else it happens to say.
 */
export function receiveText(conversation: Conversation, text: IncomingText): Conversation {
  const body = [...text.body.normalize('NFC')].slice(0, MAX_TEXT_CHARS).join('');
  // A family intake keeps what it read, never the words (they name the detained person).
  if (conversation.family) return { ...conversation, family: receiveFamilyText(conversation.family, body) };
  const open = pendingQuestion(conversation);
  const question = isQuestion(open) && conversation.asked === open ? open : null;
  let next: Conversation = {
    ...conversation,
    texts: [...conversation.texts, { at: text.at.toISOString(), question, body, media: [...text.media] }],
  };
  if (question) {
    const { answers, settled, misfit } = readAnswer(question, body);
    if (settled) next = merge(next, answers, [question]);
    else if (misfit && !next.retried.includes(question)) {
      // Asked again once, kindly; the words are kept, and anything else they say still counts.
      next = merge({ ...next, retried: [...next.retried, question] }, answers, []);
    } else if (misfit) {
      // Asked twice: the question is settled as unknown and the conversation goes on.
      next = merge(next, answers, [question]);
    }
  }
  const everything = readEverything(body);
  return merge(next, everything.answers, everything.settles);
}

/** True when the text just received did not fit the open question, which is to be asked again. */
export function isRetrying(conversation: Conversation): boolean {
  if (conversation.family) return conversation.family.retrying;
  const question = pendingQuestion(conversation);
  const last = conversation.texts.at(-1);
  return (
    isQuestion(question) &&
    conversation.asked === question &&
    conversation.retried.includes(question) &&
    last?.question === question &&
    last.body.trim() !== ''
  );
}

/** Records that a question was put to the sender (the reply went out, or is queued to). */
export function markAsked(conversation: Conversation, question: Step): Conversation {
  return { ...conversation, asked: question };
}

/** Whether the conversation should now become a report. */
export function isFinished(conversation: Conversation): boolean {
  return pendingQuestion(conversation) === undefined || conversation.texts.length >= MAX_TEXTS;
}

/** What the report keeps: every text verbatim, with when it came and what it answered. */
export function transcript(conversation: Conversation): string {
  return conversation.texts
    .map((text) => {
      const when = `[${text.at.replace(/\.\d{3}Z$/, 'Z')}]`;
      const answer = text.question ? ` (${text.question})` : '';
      const media = text.media.length > 0 ? ` [MMS: ${text.media.join(', ')}]` : '';
      return `${when}${answer} ${text.body}${media}`.trimEnd();
    })
    .join('\n');
}

export interface ReportFields {
  activity?: ReportActivity;
  location?: string;
  zip?: string | null;
  seenWhen?: ReportSeenWhen;
  agentsCount?: number | null;
  vehiclesCount?: number | null;
  uniform?: string | null;
  agency?: ReportAgency;
  source?: ReportSource;
  details: string;
  incomplete: boolean;
}

/** The report a conversation becomes; incomplete when a question was never settled. */
export function toReportFields(conversation: Conversation): ReportFields {
  const { answers } = conversation;
  const fields: ReportFields = {
    zip: answers.zip ?? null,
    agentsCount: answers.agentsCount ?? null,
    vehiclesCount: answers.vehiclesCount ?? null,
    uniform: answers.uniform ?? null,
    agency: answers.agency ?? 'unknown',
    details: transcript(conversation),
    incomplete: pendingQuestion(conversation) !== undefined,
  };
  if (answers.activity) fields.activity = answers.activity;
  if (answers.location) fields.location = answers.location;
  if (answers.seenWhen) fields.seenWhen = answers.seenWhen;
  if (answers.source) fields.source = answers.source;
  return fields;
}

/** Reads a stored conversation back, refusing anything that is not one (a corrupted or foreign row). */
export function parseConversation(json: string, language: Language): Conversation {
  const value = JSON.parse(json) as Partial<Conversation> | null;
  if (!value || typeof value !== 'object' || !Array.isArray(value.texts) || !Array.isArray(value.answered)) {
    throw new Error('Stored SMS conversation has an unexpected shape.');
  }
  const family = parseFamilyIntake(value.family);
  const asked = family ? isFamilyQuestion(value.asked) : isQuestion(value.asked);
  return {
    language,
    answers: value.answers ?? {},
    answered: value.answered.filter(isQuestion),
    asked: asked ? value.asked! : null,
    retried: Array.isArray(value.retried) ? value.retried.filter(isQuestion) : [],
    texts: value.texts,
    ...(family ? { family } : {}),
  };
}

export function serializeConversation(conversation: Conversation): string {
  const { answers, answered, asked, retried, texts, family } = conversation;
  return JSON.stringify({ answers, answered, asked, retried, texts, ...(family ? { family } : {}) });
}
