// The facility directory: detention centres the legal team calls and families visit. Kept by hand in the
// console or imported from a spreadsheet; a re-import updates the facilities it names instead of adding them
// twice. Not case data, so nothing here is encrypted and nothing is audited.
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../app/context.ts';
import type { Facility } from '../../db/schema.ts';
import type { FieldError } from '../../http/form.ts';
import {
  deleteFacility,
  existingNameKeys,
  findFacility,
  insertFacility,
  listFacilities,
  updateFacility,
  upsertFacilities,
} from './facilities.repository.ts';
import {
  facilityNameKey,
  readFacilityCsv,
  validateFacility,
  type CsvRowProblem,
  type FacilityFormErrors,
  type FacilityFormValues,
} from './facilities.schemas.ts';

type Ctx = Pick<AppContext, 'db' | 'clock'>;

export async function facilityDirectory(context: Ctx): Promise<Facility[]> {
  return listFacilities(context.db);
}

export async function facilityById(context: Ctx, id: string): Promise<Facility | undefined> {
  return findFacility(context.db, id);
}

export type SaveFacilityResult =
  | { outcome: 'saved'; id: string }
  | { outcome: 'invalid'; errors: FacilityFormErrors }
  | { outcome: 'name_taken' }
  | { outcome: 'not_found' };

/** Adds a facility (id undefined) or changes one. */
export async function saveFacility(
  context: Ctx,
  id: string | undefined,
  values: FacilityFormValues,
): Promise<SaveFacilityResult> {
  const validation = validateFacility(values);
  if (!validation.ok) return { outcome: 'invalid', errors: validation.errors };
  const row = {
    id: id ?? randomUUID(),
    input: validation.input,
    nameKey: facilityNameKey(validation.input.name),
    at: context.clock.now(),
  };
  const outcome =
    id === undefined ? await insertFacility(context.db, row) : await updateFacility(context.db, row);
  if (outcome === 'name_taken' || outcome === 'not_found') return { outcome };
  return { outcome: 'saved', id: row.id };
}

/**
 * Removes a facility from the directory. Cases that were held there keep its name in their history (it is
 * copied into each stay when recorded); they lose only the directory's address and visiting notes.
 */
export async function removeFacility(context: Ctx, id: string): Promise<boolean> {
  return deleteFacility(context.db, id);
}

export type FacilityImportReport =
  | { ok: false; error: FieldError }
  | {
      ok: true;
      added: number;
      updated: number;
      /** Rows not imported, by the line of the file they start on. */
      problems: CsvRowProblem[];
      ignoredColumns: string[];
    };

/** Imports a CSV file: every good row in one transaction; bad rows reported by line and left out. */
export async function importFacilities(context: Ctx, bytes: Uint8Array): Promise<FacilityImportReport> {
  const csv = readFacilityCsv(bytes);
  if (!csv.ok) return csv;
  const rows = csv.rows.map((row) => ({
    id: randomUUID(),
    input: row.input,
    nameKey: facilityNameKey(row.input.name),
  }));
  const at = context.clock.now();
  const existing = await context.db.transaction().execute(async (trx) => {
    const known = await existingNameKeys(
      trx,
      rows.map((row) => row.nameKey),
    );
    await upsertFacilities(trx, rows, csv.columns, at);
    return known;
  });
  const updated = rows.filter((row) => existing.has(row.nameKey)).length;
  return {
    ok: true,
    added: rows.length - updated,
    updated,
    problems: csv.problems,
    ignoredColumns: csv.ignoredColumns,
  };
}
