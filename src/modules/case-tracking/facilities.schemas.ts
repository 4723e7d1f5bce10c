// What the facility directory accepts, from the console form and from a CSV file. Both go through the same
// checks, so a facility typed by hand and one imported from a spreadsheet are held to the same rules. Errors
// are message keys with parameters, shown in the reader's language beside the field or the file's line.
import type { MessageKey } from '../../i18n/i18n.ts';
import type { FieldError } from '../../http/form.ts';
import { characters, isReadableText } from '../../http/form.ts';
import { csvHeaderKey, parseCsv } from '../../http/csv.ts';

export const FACILITY_FIELDS = [
  'name',
  'operator',
  'address',
  'phone',
  'visiting_notes',
  'deposit_notes',
] as const;
export type FacilityField = (typeof FACILITY_FIELDS)[number];
export type FacilityFormValues = Partial<Record<FacilityField, string>>;
export type FacilityFormErrors = Partial<Record<FacilityField, FieldError>>;
export type FacilityInput = Record<FacilityField, string>;

export const FACILITY_LIMITS: Record<FacilityField, number> = {
  name: 200,
  operator: 200,
  address: 400,
  phone: 60,
  visiting_notes: 2000,
  deposit_notes: 2000,
};

/** Fields kept on one line; the address and the notes may have line breaks. */
const SINGLE_LINE: ReadonlySet<FacilityField> = new Set(['name', 'operator', 'phone']);

function withoutAccents(value: string): string {
  return value.normalize('NFKD').replace(/\p{M}/gu, '');
}

/**
 * The name as the directory compares names: without case, accents or extra spaces, so "Centro de Detención
 * Pérez" typed by hand and "centro de detencion perez" from a spreadsheet that lost its accents are one.
 */
export function facilityNameKey(name: string): string {
  return withoutAccents(name).toLowerCase().replace(/\s+/g, ' ').trim();
}

function clean(field: FacilityField, raw: string): string {
  const value = raw.normalize('NFC').replace(/\r\n?/g, '\n');
  return SINGLE_LINE.has(field) ? value.replace(/\s+/g, ' ').trim() : value.trim();
}

export type FacilityValidation =
  { ok: true; input: FacilityInput } | { ok: false; errors: FacilityFormErrors };

export function validateFacility(values: FacilityFormValues): FacilityValidation {
  const errors: FacilityFormErrors = {};
  const input = {} as FacilityInput;
  for (const field of FACILITY_FIELDS) {
    const raw = values[field] ?? '';
    if (!isReadableText(raw)) {
      errors[field] = { key: 'case_tracking.error_unreadable' };
      continue;
    }
    const value = clean(field, raw);
    if (characters(value) > FACILITY_LIMITS[field]) {
      errors[field] = { key: 'case_tracking.error_too_long', params: { max: FACILITY_LIMITS[field] } };
      continue;
    }
    input[field] = value;
  }
  if (!errors.name && input.name === '') errors.name = { key: 'case_tracking.error_required' };
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, input };
}

// ---------------------------------------------------------------------------------------------------------
// CSV import

export const MAX_CSV_BYTES = 1024 * 1024;
export const MAX_CSV_ROWS = 5000;

/** Header names accepted for each field, compared without case, accents, spaces or hyphens. */
const HEADER_ALIASES: Record<FacilityField, readonly string[]> = {
  name: ['name', 'facility', 'facility_name', 'nombre', 'centro'],
  operator: ['operator', 'operated_by', 'operador'],
  address: ['address', 'direccion'],
  phone: ['phone', 'phone_number', 'telephone', 'telefono'],
  visiting_notes: ['visiting_notes', 'visiting', 'visitation', 'visits', 'visitas', 'notas_de_visita'],
  deposit_notes: ['deposit_notes', 'deposits', 'deposit', 'commissary', 'depositos', 'notas_de_deposito'],
};

function fieldForHeader(header: string): FacilityField | undefined {
  const key = csvHeaderKey(header);
  return FACILITY_FIELDS.find((field) => HEADER_ALIASES[field].includes(key));
}

export interface CsvRowProblem {
  line: number;
  error: FieldError;
}

export interface CsvFacilityRow {
  line: number;
  input: FacilityInput;
}

export type FacilityCsv =
  | { ok: false; error: FieldError }
  | {
      ok: true;
      /** The fields the file has columns for: on re-import only these overwrite what the directory holds. */
      columns: FacilityField[];
      rows: CsvFacilityRow[];
      problems: CsvRowProblem[];
      /** Header names that match no field, as written: their columns are not imported. */
      ignoredColumns: string[];
    };

const fileError = (key: MessageKey, params?: Record<string, string | number>): FacilityCsv => ({
  ok: false,
  error: params ? { key, params } : { key },
});

/**
 * Reads a facility CSV file: a header row, then one facility per record. Problems that make the whole file
 * unreadable (not UTF-8, no name column) are one error; a bad record is reported with its line and skipped,
 * and the good ones are kept.
 */
export function readFacilityCsv(bytes: Uint8Array): FacilityCsv {
  if (bytes.length === 0) return fileError('case_tracking.csv_error_empty');
  if (bytes.length > MAX_CSV_BYTES)
    return fileError('case_tracking.csv_error_too_large', { max: MAX_CSV_BYTES / 1024 });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fileError('case_tracking.csv_error_encoding');
  }
  const [header, ...records] = parseCsv(text);
  if (!header) return fileError('case_tracking.csv_error_empty');
  if (header.problem) return fileError('case_tracking.csv_error_header');

  const columns: (FacilityField | undefined)[] = header.fields.map(fieldForHeader);
  const ignoredColumns = header.fields.filter((name, i) => columns[i] === undefined && name.trim() !== '');
  for (const field of FACILITY_FIELDS) {
    if (columns.filter((column) => column === field).length > 1)
      return fileError('case_tracking.csv_error_duplicate_column', { column: field });
  }
  if (!columns.includes('name')) return fileError('case_tracking.csv_error_no_name_column');
  if (records.length === 0) return fileError('case_tracking.csv_error_no_rows');
  if (records.length > MAX_CSV_ROWS)
    return fileError('case_tracking.csv_error_too_many_rows', { max: MAX_CSV_ROWS });

  const rows: CsvFacilityRow[] = [];
  const problems: CsvRowProblem[] = [];
  const firstLineOfName = new Map<string, number>();
  for (const record of records) {
    const problem = (key: MessageKey, params?: Record<string, string | number>): void => {
      problems.push({ line: record.line, error: params ? { key, params } : { key } });
    };
    if (record.problem === 'text_after_quote') {
      problem('case_tracking.csv_error_quote');
      continue;
    }
    if (record.problem === 'unclosed_quote') {
      problem('case_tracking.csv_error_unclosed_quote');
      continue;
    }
    // Trailing empty cells are what spreadsheets leave after a stray edit; only real extra values are wrong.
    const extra = record.fields.slice(header.fields.length);
    if (extra.some((value) => value.trim() !== '')) {
      problem('case_tracking.csv_error_too_many_fields', {
        expected: header.fields.length,
        found: record.fields.length,
      });
      continue;
    }
    const values: FacilityFormValues = {};
    columns.forEach((field, i) => {
      if (field) values[field] = record.fields[i] ?? '';
    });
    const validation = validateFacility(values);
    if (!validation.ok) {
      const [field, error] = Object.entries(validation.errors)[0] as [FacilityField, FieldError];
      // The column is named as the file's header writes it, which is what the person will look for.
      const column = header.fields[columns.indexOf(field)]?.trim() ?? field;
      if (error.key === 'case_tracking.error_required') problem('case_tracking.csv_error_name_missing');
      else if (error.key === 'case_tracking.error_too_long')
        problem('case_tracking.csv_error_too_long', { column, max: FACILITY_LIMITS[field] });
      else problem('case_tracking.csv_error_unreadable', { column });
      continue;
    }
    const key = facilityNameKey(validation.input.name);
    const first = firstLineOfName.get(key);
    if (first !== undefined) {
      problem('case_tracking.csv_error_duplicate_name', { first });
      continue;
    }
    firstLineOfName.set(key, record.line);
    rows.push({ line: record.line, input: validation.input });
  }
  const present = FACILITY_FIELDS.filter((field) => columns.includes(field));
  return { ok: true, columns: present, rows, problems, ignoredColumns };
}
