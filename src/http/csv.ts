// A small CSV reader for the console's imports (the facility directory, the roster of people taken). It
// follows RFC 4180 as spreadsheets write it: fields separated by commas (or semicolons, which spreadsheets
// set to a European locale write), fields in double quotes may hold commas, quotes ("" for one) and line
// breaks, lines end in CRLF, LF or CR. It is written here rather than taken from npm because the whole job is
// these few states, and every record must carry the line it started on so a bad row can be named to the
// person who made the file.
//
// It never throws on bad input: a record whose quoting is broken comes back with a problem and the reader goes
// on with the next record, so one bad row does not cost the good ones.

export type CsvProblem =
  /** Something other than a separator or a line break follows a closing quote: `"Main St"x`. */
  | 'text_after_quote'
  /** A quoted field is still open at the end of the file. */
  | 'unclosed_quote';

export interface CsvRecord {
  /** The line of the file (1-based) where the record starts. */
  line: number;
  fields: string[];
  problem?: CsvProblem;
}

export type CsvDelimiter = ',' | ';';

/**
 * The separator the header line uses: a comma, unless the first line has semicolons and no comma outside
 * quotes (a spreadsheet in a locale where the comma is the decimal mark).
 */
export function detectDelimiter(text: string): CsvDelimiter {
  let inQuotes = false;
  let semicolons = 0;
  for (const char of text) {
    if (char === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (char === '\n' || char === '\r')) break;
    else if (!inQuotes && char === ',') return ',';
    else if (!inQuotes && char === ';') semicolons += 1;
  }
  return semicolons > 0 ? ';' : ',';
}

/** Splits CSV text into records. A byte-order mark at the start is dropped; blank lines are skipped. */
export function parseCsv(input: string, delimiter: CsvDelimiter = detectDelimiter(input)): CsvRecord[] {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  let line = 1;
  let recordLine = 1;
  let fields: string[] = [];
  let field = '';
  let problem: CsvProblem | undefined;
  // Whether the current field began with a quote, is inside it now, or has just closed it.
  let quoted = false;
  let inQuotes = false;
  let afterQuote = false;
  let fieldStarted = false;

  const endField = (): void => {
    fields.push(field);
    field = '';
    quoted = false;
    afterQuote = false;
    fieldStarted = false;
  };
  const endRecord = (): void => {
    endField();
    const blank = fields.length === 1 && fields[0] === '' && !problem;
    if (!blank) records.push(problem ? { line: recordLine, fields, problem } : { line: recordLine, fields });
    fields = [];
    problem = undefined;
  };

  for (let i = 0; i < text.length; i += 1) {
    const char = text[i]!;
    if (inQuotes) {
      if (char === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 1;
        } else {
          inQuotes = false;
          afterQuote = true;
        }
      } else {
        if (char === '\n' || (char === '\r' && text[i + 1] !== '\n')) line += 1;
        field += char;
      }
      continue;
    }
    if (char === '\r' || char === '\n') {
      if (char === '\r' && text[i + 1] === '\n') i += 1;
      endRecord();
      line += 1;
      recordLine = line;
      continue;
    }
    if (char === delimiter) {
      endField();
      continue;
    }
    if (afterQuote) {
      // Spaces after the closing quote are harmless; anything else means the quoting is broken (`"a"b`).
      // The rest of the record is read on, so the next one starts clean.
      if (char !== ' ' && char !== '\t') problem ??= 'text_after_quote';
      continue;
    }
    // A quote opens a quoted field at its start, or after spaces someone typed after the comma.
    if (char === '"' && !quoted && field.trim() === '') {
      field = '';
      quoted = true;
      inQuotes = true;
      fieldStarted = true;
      continue;
    }
    // A quote in the middle of an unquoted field (`5" wide`) is kept as written, as spreadsheets do.
    field += char;
    fieldStarted = true;
  }
  if (inQuotes) problem = 'unclosed_quote';
  if (fieldStarted || quoted || fields.length > 0 || problem) endRecord();
  return records;
}

/**
 * A header name as the imports compare them: without case, accents or surrounding spaces, spaces and hyphens
 * as underscores, so "Fecha de nacimiento", "fecha-de-nacimiento" and "FECHA DE NACIMIENTO" are one.
 */
export function csvHeaderKey(header: string): string {
  return header
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .trim()
    .replace(/[\s-]+/g, '_');
}
