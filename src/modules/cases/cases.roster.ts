// Roster import: a list of people taken (from a union, an employer, a church, a consulate) as CSV, matched
// against the cases through the blind indexes so that nobody is entered twice. A preview classifies each row
// (new, matched, doubtful) before anything is saved; the import then opens the new rows, and the doubtful rows
// someone ticked, through createQuickCase, the same path as the quick-case form.
//
// Rows are matched against the hotline's open family follow-ups too (voice's openFollowupsMatchingNames,
// through the blind index of the name a family texted with FAMILIA / FAMILY): such a row is doubtful, its case
// matches first. Ticked and imported, its case is opened from that follow-up (createCase closes it and moves
// the family's number into the case) when the importing user may handle the follow-up; otherwise the case
// opens on its own and the follow-up stays with the legal intake team. The family comes along as the case's
// contact (their number, language and yes to texts: a status code at once, as at intake). A voice follow-up
// has no name: never matched.
//
// The preview is kept in this process's memory, sealed with AES-256-GCM under a key made when the process
// starts, for PREVIEW_TTL_MS, under a random id and bound to the user who made it. Not a table: the names of
// hundreds of people would otherwise be written to disk (and to backups) for a quarter of an hour for nothing;
// a restart only costs making the preview again. One web process serves the console (ARCHITECTURE.md).
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import type { AppContext } from '../../app/context.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import { characters, isReadableText, type FieldError } from '../../http/form.ts';
import { csvHeaderKey, parseCsv } from '../../http/csv.ts';
import type { MessageKey } from '../../i18n/i18n.ts';
import { textablePhone } from '../../phone/phone.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { detainedNameIndexes, openFollowupsMatchingNames } from '../voice/voice.queries.ts';
import { EMPTY_DETAILS, normalizeANumber } from './cases.model.ts';
import { createQuickCase, MAX_AGE, sitesOfOperation, type QuickCaseValues } from './cases.quick.ts';
import { findRosterCandidates, teamsOfUser, visibleCaseIds } from './cases.repository.ts';
import { MAX_LONG_CHARS, MAX_SHORT_CHARS } from './cases.schemas.ts';
import type { FamilyContactDetails } from './cases.family.ts';
import { duplicateIndexes, readFollowupForCase } from './cases.service.ts';

export const MAX_ROSTER_BYTES = 1024 * 1024;
export const MAX_ROSTER_ROWS = 2000;
export const PREVIEW_TTL_MS = 30 * 60 * 1000;
const MAX_PREVIEWS = 100;

export const ROSTER_COLUMNS = [
  'name',
  'other_names',
  'birth',
  'country',
  'a_number',
  'site',
  'family_phone',
  'notes',
] as const;
export type RosterColumn = (typeof ROSTER_COLUMNS)[number];

/** Header names accepted for each column, as csvHeaderKey writes them (English and Spanish). */
const HEADER_ALIASES: Record<RosterColumn, readonly string[]> = {
  name: ['name', 'full_name', 'nombre', 'nombre_completo'],
  other_names: ['other_spellings', 'other_names', 'aliases', 'alias', 'otros_nombres', 'otras_formas'],
  birth: [
    'date_of_birth/age',
    'date_of_birth_/_age',
    'date_of_birth',
    'dob',
    'birth_date',
    'age',
    'fecha_de_nacimiento/edad',
    'fecha_de_nacimiento_/_edad',
    'fecha_de_nacimiento',
    'edad',
  ],
  country: ['country', 'country_of_birth', 'nationality', 'pais', 'pais_de_nacimiento', 'nacionalidad'],
  a_number: ['a_number', 'anumber', 'a#', 'alien_number', 'numero_a', 'numero_de_a', 'no._a'],
  site: ['site', 'place', 'location', 'workplace', 'lugar', 'sitio'],
  family_phone: [
    'family_contact_phone',
    'family_phone',
    'phone',
    'telefono_de_familia',
    'telefono_de_la_familia',
    'telefono_familia',
    'telefono',
  ],
  notes: ['notes', 'note', 'notas', 'nota'],
};

function columnForHeader(header: string): RosterColumn | undefined {
  const key = csvHeaderKey(header);
  return ROSTER_COLUMNS.find((column) => HEADER_ALIASES[column].includes(key));
}

export interface RosterProblem {
  line: number;
  error: FieldError;
}

export interface RosterRow {
  line: number;
  values: QuickCaseValues;
  note: string;
}

export type RosterCsv =
  | { ok: false; error: FieldError }
  | { ok: true; rows: RosterRow[]; problems: RosterProblem[]; ignoredColumns: string[] };

const fileError = (key: MessageKey, params?: Record<string, string | number>): RosterCsv => ({
  ok: false,
  error: params ? { key, params } : { key },
});

/** "1990-05-03" is a date of birth, "34" an age; anything else is a problem. */
function readBirth(raw: string): { date_of_birth?: string; age?: string } | 'invalid' {
  const text = raw.trim();
  if (text === '') return {};
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return { date_of_birth: text };
  if (/^\d{1,3}$/.test(text) && Number(text) <= MAX_AGE) return { age: String(Number(text)) };
  return 'invalid';
}

/** Checks one record's cells; the first problem, or the row's values. */
function readRow(
  cells: Partial<Record<RosterColumn, string>>,
  header: Partial<Record<RosterColumn, string>>,
  sites: string[],
): { values: QuickCaseValues; note: string } | FieldError {
  for (const column of ROSTER_COLUMNS) {
    const value = cells[column] ?? '';
    if (!isReadableText(value))
      return { key: 'cases.roster_error_unreadable', params: { column: header[column] ?? column } };
    const max = column === 'notes' ? MAX_LONG_CHARS : MAX_SHORT_CHARS;
    if (characters(value.trim()) > max)
      return { key: 'cases.roster_error_too_long', params: { column: header[column] ?? column, max } };
  }
  const text = (column: RosterColumn): string => (cells[column] ?? '').trim().replace(/\s+/g, ' ');
  const name = text('name');
  if (name === '') return { key: 'cases.roster_error_name_missing' };
  const birth = readBirth(text('birth'));
  if (birth === 'invalid') return { key: 'cases.roster_error_birth' };
  if (birth.date_of_birth && Number.isNaN(Date.parse(`${birth.date_of_birth}T00:00:00Z`)))
    return { key: 'cases.roster_error_birth' };
  const aNumber = text('a_number');
  if (aNumber !== '' && !normalizeANumber(aNumber).ok) return { key: 'cases.roster_error_a_number' };
  const phone = text('family_phone');
  if (phone !== '' && !textablePhone(phone).ok) return { key: 'cases.roster_error_phone' };
  let site = text('site');
  if (site !== '' && sites.length > 0) {
    const known = sites.find((choice) => csvHeaderKey(choice) === csvHeaderKey(site));
    if (!known) return { key: 'cases.roster_error_site' };
    site = known;
  }
  return {
    values: {
      name,
      other_names: text('other_names'),
      ...birth,
      country_of_birth: text('country'),
      a_number: aNumber,
      site,
      contact_phone: phone,
    },
    note: (cells.notes ?? '').trim(),
  };
}

/**
 * Reads a roster: a header row, then one person per record. A file that cannot be read at all is one error; a
 * bad record is reported with its line and left out, and the good ones are kept.
 */
export function readRosterCsv(bytes: Uint8Array, sites: string[] = []): RosterCsv {
  if (bytes.length === 0) return fileError('cases.roster_error_empty');
  if (bytes.length > MAX_ROSTER_BYTES)
    return fileError('cases.roster_error_too_large', { max: MAX_ROSTER_BYTES / 1024 });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fileError('cases.roster_error_encoding');
  }
  const [header, ...records] = parseCsv(text);
  if (!header) return fileError('cases.roster_error_empty');
  if (header.problem) return fileError('cases.roster_error_header');
  const columns = header.fields.map(columnForHeader);
  const ignoredColumns = header.fields.filter((name, i) => columns[i] === undefined && name.trim() !== '');
  const headerNames: Partial<Record<RosterColumn, string>> = {};
  for (const [i, column] of columns.entries()) {
    if (!column) continue;
    if (headerNames[column] !== undefined)
      return fileError('cases.roster_error_duplicate_column', { column: header.fields[i]!.trim() });
    headerNames[column] = header.fields[i]!.trim();
  }
  if (!columns.includes('name')) return fileError('cases.roster_error_no_name_column');
  if (records.length === 0) return fileError('cases.roster_error_no_rows');
  if (records.length > MAX_ROSTER_ROWS)
    return fileError('cases.roster_error_too_many_rows', { max: MAX_ROSTER_ROWS });

  const rows: RosterRow[] = [];
  const problems: RosterProblem[] = [];
  for (const record of records) {
    // A row of empty cells (";;;;" under the list) is what spreadsheets leave behind, not a person.
    if (!record.problem && record.fields.every((value) => value.trim() === '')) continue;
    if (record.problem) {
      problems.push({
        line: record.line,
        error: {
          key:
            record.problem === 'unclosed_quote'
              ? 'cases.roster_error_unclosed_quote'
              : 'cases.roster_error_quote',
        },
      });
      continue;
    }
    if (record.fields.slice(header.fields.length).some((value) => value.trim() !== '')) {
      problems.push({
        line: record.line,
        error: {
          key: 'cases.roster_error_too_many_fields',
          params: { expected: header.fields.length, found: record.fields.length },
        },
      });
      continue;
    }
    const cells: Partial<Record<RosterColumn, string>> = {};
    columns.forEach((column, i) => {
      if (column) cells[column] = record.fields[i] ?? '';
    });
    const row = readRow(cells, headerNames, sites);
    if ('key' in row) problems.push({ line: record.line, error: row });
    else rows.push({ line: record.line, ...row });
  }
  return { ok: true, rows, problems, ignoredColumns };
}

// ---- matching ----

export type RosterClass = 'new' | 'matched' | 'doubtful';

/**
 * What a row matched: a case (by reference; a link only when this user may open it), an earlier line, or an
 * open family follow-up (by when the family texted; nothing else of it).
 */
export interface RosterMatch {
  reference?: string;
  /** Set only when the user may open the case: the link. Another team's case is its reference alone. */
  caseId?: string;
  /** An earlier row of the same file. */
  line?: number;
  /** A family follow-up about someone of this name: its id (never shown) and when the family texted (ISO). */
  followupId?: string;
  receivedAt?: string;
  by: 'a_number' | 'name_dob' | 'name' | 'followup';
}

export interface ClassifiedRow extends RosterRow {
  class: RosterClass;
  matches: RosterMatch[];
}

function rowIndexes(context: Pick<AppContext, 'secrets'>, row: RosterRow) {
  const { values } = row;
  const aNumber = values.a_number ? normalizeANumber(values.a_number) : undefined;
  return duplicateIndexes(context, {
    ...EMPTY_DETAILS,
    person: {
      name: values.name ?? '',
      otherNames: values.other_names ?? '',
      dateOfBirth: values.date_of_birth ?? null,
      countryOfBirth: '',
      aNumber: aNumber?.ok ? aNumber.aNumber : null,
    },
  });
}

/** Classifies every row against the live cases (and the file's earlier rows), told as far as need to know. */
export async function classifyRoster(
  context: AppContext,
  principal: Pick<StaffPrincipal, 'userId'>,
  rows: RosterRow[],
): Promise<ClassifiedRow[]> {
  const indexed = rows.map((row) => ({ row, indexes: rowIndexes(context, row) }));
  const candidates = await findRosterCandidates(context.db, {
    aNumbers: [...new Set(indexed.flatMap(({ indexes }) => (indexes.aNumber ? [indexes.aNumber] : [])))],
    nameDobs: [...new Set(indexed.flatMap(({ indexes }) => (indexes.nameDob ? [indexes.nameDob] : [])))],
    names: [...new Set(indexed.flatMap(({ indexes }) => indexes.names ?? []))],
  });
  const visible = await visibleCaseIds(
    context.db,
    candidates.map((candidate) => candidate.id),
    principal.userId,
  );
  const followupKeys = indexed.map(({ row }) =>
    detainedNameIndexes(context, { name: row.values.name ?? '', otherNames: row.values.other_names ?? '' }),
  );
  const followups = await openFollowupsMatchingNames(context.db, [...new Set(followupKeys.flat())]);
  const seen = new Map<string, number>();
  return indexed.map(({ row, indexes }, i) => {
    const spellings = new Set(followupKeys[i]);
    // A family who texted about someone of this name: doubtful, after any case it matched.
    const families: RosterMatch[] = followups
      .filter((followup) => followup.matchedIndexes.some((index) => spellings.has(index)))
      .map((followup) => ({
        followupId: followup.id,
        receivedAt: followup.receivedAt.toISOString(),
        by: 'followup',
      }));
    const exact: RosterMatch[] = [];
    const close: RosterMatch[] = [];
    const names = new Set(indexes.names ?? []);
    for (const candidate of candidates) {
      const match = (by: RosterMatch['by']): RosterMatch => ({
        reference: candidate.reference,
        ...(visible.has(candidate.id) ? { caseId: candidate.id } : {}),
        by,
      });
      if (indexes.aNumber !== null && candidate.a_number_index === indexes.aNumber)
        exact.push(match('a_number'));
      else if (indexes.nameDob !== null && candidate.name_dob_index === indexes.nameDob)
        exact.push(match('name_dob'));
      else if ((candidate.names_index ?? []).some((name) => names.has(name))) close.push(match('name'));
    }
    // The same person twice in one file: the later row is matched to the earlier one.
    for (const key of [indexes.aNumber, indexes.nameDob]) {
      if (key === null) continue;
      const earlier = seen.get(key);
      if (earlier !== undefined && exact.length === 0) exact.push({ line: earlier, by: 'name_dob' });
    }
    for (const key of [indexes.aNumber, indexes.nameDob])
      if (key !== null && !seen.has(key)) seen.set(key, row.line);
    if (exact.length > 0) return { ...row, class: 'matched', matches: [...exact, ...families] };
    if (close.length > 0 || families.length > 0)
      return { ...row, class: 'doubtful', matches: [...close, ...families] };
    return { ...row, class: 'new', matches: [] };
  });
}

// ---- the preview, kept sealed in memory ----

export interface RosterPreview {
  id: string;
  operationId: string | null;
  teamId: string;
  rows: ClassifiedRow[];
  problems: RosterProblem[];
  ignoredColumns: string[];
  createdAt: string;
}

interface SealedPreview {
  userId: string;
  expiresAt: number;
  iv: Buffer;
  tag: Buffer;
  data: Buffer;
}

const PREVIEW_KEY = randomBytes(32);
const previews = new Map<string, SealedPreview>();

function sweep(now: number): void {
  for (const [id, sealed] of previews) if (sealed.expiresAt <= now) previews.delete(id);
  while (previews.size >= MAX_PREVIEWS) previews.delete(previews.keys().next().value!);
}

function keepPreview(userId: string, preview: RosterPreview, now: number): void {
  sweep(now);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', PREVIEW_KEY, iv);
  cipher.setAAD(Buffer.from(`${preview.id}\n${userId}`));
  const data = Buffer.concat([cipher.update(JSON.stringify(preview), 'utf8'), cipher.final()]);
  previews.set(preview.id, { userId, expiresAt: now + PREVIEW_TTL_MS, iv, tag: cipher.getAuthTag(), data });
}

/** The preview, when it is this user's and has not expired; `take` removes it (an import uses it once). */
export function readPreview(
  context: Pick<AppContext, 'clock'>,
  userId: string,
  previewId: string,
  options: { take?: boolean } = {},
): RosterPreview | undefined {
  const now = context.clock.now().getTime();
  sweep(now);
  const sealed = previews.get(previewId);
  if (!sealed || sealed.userId !== userId) return undefined;
  if (options.take) previews.delete(previewId);
  const decipher = createDecipheriv('aes-256-gcm', PREVIEW_KEY, sealed.iv);
  decipher.setAAD(Buffer.from(`${previewId}\n${userId}`));
  decipher.setAuthTag(sealed.tag);
  const json = Buffer.concat([decipher.update(sealed.data), decipher.final()]).toString('utf8');
  return JSON.parse(json) as RosterPreview;
}

export type PreviewOutcome =
  { ok: true; preview: RosterPreview } | { ok: false; error: FieldError } | { ok: false; field: 'team_id' };

/**
 * Reads and classifies a roster and keeps the preview for the import. The team must be one of the user's
 * (the one they have, when they have one; none means the cases are the opener's alone, as on the full form).
 */
export async function previewRoster(
  context: AppContext,
  principal: Pick<StaffPrincipal, 'userId' | 'roles'>,
  input: { bytes: Uint8Array; operationId: string | null; teamId: string | null },
): Promise<PreviewOutcome> {
  const sites = (await sitesOfOperation(context, input.operationId)).map((site) => site.name);
  const csv = readRosterCsv(input.bytes, sites);
  if (!csv.ok) return csv;
  const teamId = await chosenTeam(context, principal.userId, input.teamId);
  if (teamId === undefined) return { ok: false, field: 'team_id' };
  const rows = await classifyRoster(context, principal, csv.rows);
  const now = context.clock.now();
  const preview: RosterPreview = {
    id: randomUUID(),
    operationId: input.operationId,
    teamId,
    rows,
    problems: csv.problems,
    ignoredColumns: csv.ignoredColumns,
    createdAt: now.toISOString(),
  };
  keepPreview(principal.userId, preview, now.getTime());
  const count = (kind: RosterClass) => rows.filter((row) => row.class === kind).length;
  await recordAudit(context.db, context, {
    actorId: principal.userId,
    action: 'case.roster_preview',
    subjectType: 'roster',
    subjectId: preview.id,
    details: {
      rows: rows.length,
      new: count('new'),
      matched: count('matched'),
      doubtful: count('doubtful'),
      followups: rows.filter((row) => row.matches.some((match) => match.by === 'followup')).length,
      problems: csv.problems.length,
      ...(input.operationId ? { operationId: input.operationId } : {}),
    },
  });
  return { ok: true, preview };
}

/** The team a roster's cases go to: the one chosen (if the user's), else the user's only team; '' for none. */
async function chosenTeam(
  context: AppContext,
  userId: string,
  teamId: string | null,
): Promise<string | undefined> {
  const teams = await teamsOfUser(context.db, userId);
  if (teamId !== null) return teams.some((team) => team.id === teamId) ? teamId : undefined;
  return teams.length === 1 ? teams[0]!.id : '';
}

export interface RosterImportReport {
  created: { line: number; id: string; reference: string }[];
  /** Rows left out: matched (now or since the preview), doubtful without a tick. */
  skipped: number;
  /** Rows whose case could not be opened, with the reason. */
  failed: RosterProblem[];
  /** Cases opened from a family's follow-up (the row matched one this user may handle). */
  linkedFollowups: number;
  /** Rows opened on their own although a family's follow-up matched: it stays with the legal intake team. */
  followupsLeft: number;
}

/**
 * The family follow-up a ticked row's case is opened from: the first of its matches that is still open, not
 * taken by an earlier row of this import, and this user's to handle (readFollowupForCase checks both, as the
 * new-case form does). Its family comes along as the case's contact, with their yes or no to texts.
 */
async function followupToLink(
  context: AppContext,
  userId: string,
  row: ClassifiedRow,
  taken: Set<string>,
): Promise<{ id: string; operationId: string | null; contact: FamilyContactDetails | null } | undefined> {
  for (const match of row.matches) {
    if (match.followupId === undefined || taken.has(match.followupId)) continue;
    const task = await readFollowupForCase(context, match.followupId, userId);
    if (task === null || task === 'closed' || task === 'missing') continue;
    const contact = task.phone
      ? {
          name: '',
          relationship: '',
          phone: task.phone,
          language: task.language,
          consentToUpdates: task.consentToText,
        }
      : null;
    return { id: task.id, operationId: task.operationId, contact };
  }
  return undefined;
}

/**
 * Opens the preview's new rows, and the doubtful rows whose lines were ticked, through createQuickCase. The
 * rows are classified again first, so a person entered since the preview (or by the same file imported
 * twice) is skipped. The preview is used once.
 */
export async function importRoster(
  context: AppContext,
  principal: Pick<StaffPrincipal, 'userId' | 'roles'>,
  input: { previewId: string; confirmedLines: number[] },
): Promise<RosterImportReport | 'expired'> {
  const preview = readPreview(context, principal.userId, input.previewId, { take: true });
  if (!preview) return 'expired';
  const ticked = new Set(input.confirmedLines);
  const rows = await classifyRoster(context, principal, preview.rows);
  const report: RosterImportReport = {
    created: [],
    skipped: 0,
    failed: [],
    linkedFollowups: 0,
    followupsLeft: 0,
  };
  const taken = new Set<string>();
  for (const row of rows) {
    // Matched rows (to a case, or to an earlier line of the file) are skipped; doubtful ones need a tick.
    if (!(row.class === 'new' || (row.class === 'doubtful' && ticked.has(row.line)))) {
      report.skipped += 1;
      continue;
    }
    const followup = await followupToLink(context, principal.userId, row, taken);
    if (followup) taken.add(followup.id);
    const outcome = await createQuickCase(context, principal, {
      values: { ...row.values, team_id: preview.teamId },
      // The family's follow-up was filed under an operation: the case is the operation's too.
      operationId: preview.operationId ?? followup?.operationId ?? null,
      note: row.note,
      skipDuplicateCheck: true,
      followupTaskId: followup?.id ?? null,
      followupContact: followup?.contact ?? null,
    });
    if (outcome.outcome === 'created') {
      report.created.push({ line: row.line, id: outcome.id, reference: outcome.reference });
      if (followup) report.linkedFollowups += 1;
      else if (row.matches.some((match) => match.by === 'followup')) report.followupsLeft += 1;
    } else if (outcome.outcome === 'invalid') {
      const first = Object.values(outcome.errors)[0];
      report.failed.push({ line: row.line, error: first ?? { key: 'cases.error_choose' } });
    } else report.skipped += 1;
  }
  await recordAudit(context.db, context, {
    actorId: principal.userId,
    action: 'case.roster_import',
    subjectType: 'roster',
    subjectId: preview.id,
    details: {
      created: report.created.length,
      skipped: report.skipped,
      failed: report.failed.length,
      linkedFollowups: report.linkedFollowups,
      followupsLeft: report.followupsLeft,
    },
  });
  return report;
}
