// The conversation machine on its own: keywords, the language guess, reading free text, and whole
// conversations in English and Spanish (guided, all-in-one), without HTTP or a database.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import {
  guessLanguage,
  isFinished,
  markAsked,
  MAX_TEXTS,
  newConversation,
  parseConversation,
  parseKeyword,
  readProviderKeyword,
  SPANISH_HELP_WORDS,
  SPANISH_START_WORDS,
  SPANISH_STOP_WORDS,
  pendingQuestion,
  readEverything,
  readLocation,
  readZip,
  receiveText,
  serializeConversation,
  toReportFields,
  transcript,
  type Conversation,
} from './sms.conversation.ts';

const at = new Date('2026-11-23T14:02:11.000Z');

/** Sends a text the way the service does: received, then the next question marked as asked. */
function say(conversation: Conversation, body: string, media: string[] = []): Conversation {
  const next = receiveText(conversation, { body, at, media });
  const question = pendingQuestion(next);
  return question ? markAsked(next, question) : next;
}

describe('keywords', () => {
  test('every carrier opt-out word, and ALTO, is STOP whatever the case or punctuation', () => {
    for (const word of [
      'STOP',
      'stop',
      'Stop.',
      ' STOPALL ',
      'unsubscribe',
      'CANCEL',
      'end',
      'Quit!',
      'REVOKE',
      'optout',
    ]) {
      assert.equal(parseKeyword(word)?.kind, 'stop', word);
    }
    assert.deepEqual(parseKeyword('alto'), { kind: 'stop', language: 'es' });
  });

  test('START/UNSTOP/INICIO, HELP/AYUDA, and the language words', () => {
    assert.equal(parseKeyword('start')?.kind, 'start');
    assert.equal(parseKeyword('UNSTOP')?.kind, 'start');
    assert.deepEqual(parseKeyword('Inicio'), { kind: 'start', language: 'es' });
    assert.equal(parseKeyword('help')?.kind, 'help');
    assert.deepEqual(parseKeyword('AYUDA'), { kind: 'help', language: 'es' });
    assert.deepEqual(parseKeyword('Español'), { kind: 'language', language: 'es' });
    assert.deepEqual(parseKeyword('espanol'), { kind: 'language', language: 'es' });
    assert.deepEqual(parseKeyword('ES'), { kind: 'language', language: 'es' });
    assert.deepEqual(parseKeyword('REPORTE'), { kind: 'language', language: 'es' });
    assert.deepEqual(parseKeyword('inglés'), { kind: 'language', language: 'en' });
    assert.deepEqual(parseKeyword('report'), { kind: 'language', language: 'en' });
  });

  test('the common Spanish opt-out words are STOP in Spanish: "Cancelar" alone, never inside a report', () => {
    for (const word of [
      'Cancelar',
      'CANCELAR.',
      'baja',
      'Detener',
      'PARAR',
      'para',
      'Terminar',
      'fin',
      'salir',
    ]) {
      assert.deepEqual(parseKeyword(word), { kind: 'stop', language: 'es' }, word);
    }
    assert.equal(parseKeyword('van a cancelar la cita, hay agentes en la puerta'), undefined);
    assert.equal(parseKeyword('cancelar la redada'), undefined);
    for (const word of ['inicio', 'Comenzar', 'EMPEZAR', 'reanudar']) {
      assert.deepEqual(parseKeyword(word), { kind: 'start', language: 'es' }, word);
    }
    assert.deepEqual(parseKeyword('Información'), { kind: 'help', language: 'es' });
  });

  test("what Twilio did: OptOutType is authoritative, else its default handling's own words", () => {
    assert.equal(readProviderKeyword('STOP', 'Cancelar'), 'stop', 'Advanced Opt-Out matched a Spanish word');
    assert.equal(readProviderKeyword('START', 'INICIO'), 'start');
    assert.equal(readProviderKeyword('HELP', 'ayuda'), 'help');
    assert.equal(readProviderKeyword('START', 'yes'), 'start', 'YES only when Twilio says it acted on it');
    for (const word of ['STOP', 'stopall', 'Unsubscribe', 'cancel', 'END', 'quit', 'revoke', 'optout']) {
      assert.equal(readProviderKeyword(undefined, ` ${word} `), 'stop', word);
    }
    assert.equal(readProviderKeyword(undefined, 'unstop'), 'start');
    assert.equal(readProviderKeyword(undefined, 'INFO'), 'help');
    // Words Twilio's default handling does not know reach Amparo untouched: Amparo answers them itself.
    for (const word of ['ALTO', 'Cancelar', 'INICIO', 'AYUDA', 'yes', 'stop please']) {
      assert.equal(readProviderKeyword(undefined, word), undefined, word);
    }
    assert.equal(readProviderKeyword('', 'hello'), undefined);
  });

  test('a keyword inside a sentence is not a keyword', () => {
    assert.equal(parseKeyword('please stop them'), undefined);
    assert.equal(parseKeyword('I need help, ICE is here'), undefined);
    assert.equal(parseKeyword('yes'), undefined, 'YES answers a question here');
  });
});

describe('language guess', () => {
  test('Spanish words or accents make Spanish; English words English; nothing keeps the default', () => {
    assert.equal(guessLanguage('La migra está en la esquina', 'en'), 'es');
    assert.equal(guessLanguage('hay agentes aqui', 'en'), 'es');
    assert.equal(guessLanguage('There are agents at the corner', 'es'), 'en');
    assert.equal(guessLanguage('ICE 60623', 'es'), 'es');
    assert.equal(guessLanguage('ICE 60623', 'en'), 'en');
  });
});

describe('reading free text', () => {
  test('the all-in-one English example fills every question', () => {
    const { answers, settles } = readEverything(
      'ICE detaining 2 people at 26th and Kedzie now, 3 agents, vests say POLICE ICE, I saw it',
    );
    assert.deepEqual([...settles].sort(), [
      'activity',
      'count',
      'location',
      'seen_when',
      'source',
      'uniform',
    ]);
    assert.equal(answers.activity, 'detaining');
    assert.equal(answers.location, '26th and Kedzie');
    assert.equal(answers.seenWhen, 'now');
    assert.equal(answers.agentsCount, 3, 'two people detained are not agents');
    assert.equal(answers.vehiclesCount, undefined);
    assert.equal(answers.uniform, 'vests say POLICE ICE');
    assert.equal(answers.source, 'saw');
    assert.equal(answers.agency, 'ice');
  });

  test('the all-in-one Spanish example fills every question', () => {
    const { answers, settles } = readEverything(
      'La migra está deteniendo a 2 personas en la 26 y Kedzie ahora, 3 agentes y 2 camionetas, los chalecos dicen POLICE ICE, yo lo vi',
    );
    assert.equal(settles.length, 6, settles.join());
    assert.equal(answers.activity, 'detaining');
    assert.equal(answers.location, 'la 26 y Kedzie');
    assert.equal(answers.seenWhen, 'now');
    assert.equal(answers.agentsCount, 3);
    assert.equal(answers.vehiclesCount, 2);
    assert.equal(answers.uniform, 'chalecos dicen POLICE ICE');
    assert.equal(answers.source, 'saw');
  });

  test('a vague place is not taken as an answer, a street-like one is', () => {
    assert.equal(readLocation('ICE at my house'), undefined);
    assert.equal(readLocation('agents en la tienda'), undefined);
    assert.equal(readLocation('I saw it at 3pm'), undefined);
    assert.equal(readLocation('they are on Kedzie Ave near the school'), 'Kedzie Ave near the school');
    assert.equal(readLocation('agents outside 2600 S Kedzie Ave'), '2600 S Kedzie Ave');
    assert.equal(readLocation('ICE van parked 2600 S Kedzie Ave'), '2600 S Kedzie Ave');
  });

  test('a ZIP code only when it is clearly one', () => {
    assert.equal(readZip('60623'), '60623');
    assert.equal(readZip('26th and Kedzie, 60623'), '60623');
    assert.equal(readZip('Chicago IL 60623'), '60623');
    assert.equal(readZip('10500 S Western Ave'), undefined, 'a house number is not a ZIP');
  });

  test('other activities, times and sources', () => {
    assert.equal(readEverything('they pulled over a car on 5th St').answers.activity, 'vehicle_stop');
    assert.equal(readEverything('pararon un carro en la calle 5').answers.activity, 'vehicle_stop');
    assert.equal(readEverything('checkpoint on Cermak Rd').answers.activity, 'checkpoint');
    assert.equal(readEverything('redada en la fabrica').answers.activity, 'raid');
    assert.equal(readEverything('asking for papers at the bus stop').answers.activity, 'questioning');
    assert.equal(readEverything('2 vans parked outside').answers.activity, 'watching');
    assert.equal(readEverything('hace 10 minutos').answers.seenWhen, 'last_15_minutes');
    assert.equal(readEverything('40 min ago').answers.seenWhen, 'last_hour');
    assert.equal(readEverything('yesterday').answers.seenWhen, 'earlier');
    assert.equal(readEverything('me dijeron que hay migra').answers.source, 'heard');
    assert.equal(readEverything('saw it on facebook').answers.source, 'heard');
    assert.equal(readEverything('Border Patrol trucks').answers.agency, 'cbp');
    assert.equal(
      readEverything('the police are here').answers.agency,
      undefined,
      'POLICE alone names no agency',
    );
  });
});

describe('a guided conversation', () => {
  test('in English: a greeting, then one answer per question, numbered or in words', () => {
    let c = newConversation('en');
    c = say(c, 'hi');
    assert.equal(c.asked, 'activity', 'a greeting answers nothing');
    c = say(c, '1');
    assert.equal(c.answers.activity, 'detaining');
    assert.equal(c.asked, 'location');
    c = say(c, '26th and Kedzie, Chicago 60623');
    assert.equal(c.answers.location, '26th and Kedzie, Chicago 60623');
    assert.equal(c.answers.zip, '60623');
    c = say(c, '2');
    assert.equal(c.answers.seenWhen, 'last_15_minutes');
    c = say(c, '4 agents and 2 cars');
    assert.equal(c.answers.agentsCount, 4);
    assert.equal(c.answers.vehiclesCount, 2);
    c = say(c, 'Vests say ICE');
    assert.equal(c.answers.uniform, 'Vests say ICE');
    assert.equal(c.answers.agency, 'ice');
    assert.equal(isFinished(c), false);
    c = say(c, 'yes');
    assert.equal(c.answers.source, 'saw');
    assert.equal(isFinished(c), true);
    const report = toReportFields(c);
    assert.equal(report.incomplete, false);
    assert.equal(report.activity, 'detaining');
    assert.equal(report.seenWhen, 'last_15_minutes');
    assert.match(report.details, /^\[2026-11-23T14:02:11Z\] hi$/m, 'the greeting is kept, answering nothing');
    assert.match(report.details, /\(location\) 26th and Kedzie, Chicago 60623/);
    assert.equal(report.details.split('\n').length, 7, 'every text kept');
  });

  test('in Spanish, with free-text answers the machine cannot map: kept, and not asked again', () => {
    let c = newConversation('es');
    c = say(c, 'hola, necesito reportar algo');
    c = say(c, 'se llevaron a mi vecino');
    assert.equal(c.answers.activity, 'detaining');
    c = say(c, 'Calle 26 y Kedzie');
    c = say(c, 'no estoy segura, como a mediodia');
    assert.equal(c.answers.seenWhen, undefined);
    assert.ok(c.answered.includes('seen_when'), 'free text settles the question');
    assert.equal(c.asked, 'count');
    c = say(c, 'no se');
    assert.equal(c.answers.agentsCount, undefined);
    assert.equal(c.asked, 'uniform');
    c = say(c, 'NADA');
    c = say(c, '2');
    assert.equal(c.answers.source, 'heard');
    assert.equal(isFinished(c), true);
    const report = toReportFields(c);
    assert.equal(report.incomplete, false);
    assert.equal(report.seenWhen, undefined);
    assert.match(report.details, /\(seen_when\) no estoy segura, como a mediodia/);
  });

  test('an all-in-one first text needs no questions; a partial one asks only what is missing', () => {
    const all = say(
      newConversation('en'),
      'ICE detaining 2 people at 26th and Kedzie now, 3 agents, vests say POLICE ICE, I saw it',
    );
    assert.equal(isFinished(all), true);
    const partial = say(newConversation('en'), 'ICE detaining someone at 26th and Kedzie right now');
    assert.equal(pendingQuestion(partial), 'count');
    assert.deepEqual([...partial.answered].sort(), ['activity', 'location', 'seen_when']);
  });

  test('a reply that says more than was asked fills the rest too', () => {
    let c = say(newConversation('en'), 'hello');
    c = say(c, 'they are questioning people at 18th St and Blue Island, 5 agents');
    assert.equal(c.answers.activity, 'questioning');
    assert.equal(c.answers.location, '18th St and Blue Island');
    assert.equal(c.answers.agentsCount, 5);
    assert.equal(c.asked, 'seen_when');
  });

  test('a photo alone answers nothing but is kept', () => {
    let c = say(newConversation('en'), 'hi');
    c = say(c, '', ['image/jpeg']);
    assert.equal(c.asked, 'activity');
    assert.match(transcript(c), /\[MMS: image\/jpeg\]/);
  });

  test('a text that was not an answer to an asked question is only read for what it says', () => {
    // The question was withheld by the reply window: the next text is not taken as its answer.
    let c = receiveText(newConversation('en'), { body: 'hi', at, media: [] });
    c = receiveText(c, { body: 'Kedzie', at, media: [] });
    assert.equal(c.answers.activity, undefined);
    assert.equal(c.answered.length, 0);
  });

  test('an unfinished conversation makes an incomplete report; a very long one finishes by itself', () => {
    const c = say(say(newConversation('en'), 'hi'), '3');
    assert.equal(toReportFields(c).incomplete, true);
    let long = say(newConversation('en'), 'hi');
    for (let i = 1; i < MAX_TEXTS; i++) long = receiveText(long, { body: `photo ${i}`, at, media: [] });
    assert.equal(isFinished(long), true);
    assert.equal(toReportFields(long).incomplete, true);
  });

  test('it survives being stored and read back', () => {
    const c = say(say(newConversation('es'), 'hola'), '1');
    const back = parseConversation(serializeConversation(c), 'es');
    assert.deepEqual(back, c);
    assert.throws(() => parseConversation('{"nope":1}', 'en'));
  });
});

describe("the README's Advanced Opt-Out set-up", () => {
  test('lists exactly the Spanish words Amparo itself takes as STOP, START and HELP', async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    const spanish = readme.slice(readme.indexOf('Add the language **Spanish**'));
    const words = (lead: string) => {
      const line = spanish.slice(spanish.indexOf(lead), spanish.indexOf('; reply', spanish.indexOf(lead)));
      return [
        ...new Set(
          [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.normalize('NFD').replace(/\p{M}/gu, '')),
        ),
      ];
    };
    assert.deepEqual(words('opt-out keywords'), [...SPANISH_STOP_WORDS]);
    assert.deepEqual(words('opt-in keywords'), [...SPANISH_START_WORDS]);
    assert.deepEqual(words('help keywords'), [...SPANISH_HELP_WORDS]);
    for (const word of [...SPANISH_STOP_WORDS, ...SPANISH_START_WORDS, ...SPANISH_HELP_WORDS]) {
      assert.ok(parseKeyword(word), word);
    }
  });
});
