// What other modules keep with a report: the voice module's call recordings and the legal team's follow-up
// tasks, and the files other modules put in the reports' encrypted store (recordings, verification photos).
// Those modules import reports, so they register here at start and the reports module imports none of them.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';

type Db = Kysely<Database>;

export interface RecordingSummary {
  stored: boolean;
  durationSeconds: number | null;
  sha256: string | null;
}

/** The voice module's part of a report. */
export interface ReportCalls {
  /** True when a family's call about a detention (a follow-up task, open or done) came with this report. */
  hasFollowup(db: Db, reportId: string): Promise<boolean>;
  /** True while the legal team has an open follow-up task that needs this report. */
  hasOpenFollowup(db: Db, reportId: string): Promise<boolean>;
  /** Every report an open follow-up task needs (few: the legal team's open queue). */
  reportsWithOpenFollowups(db: Db): Promise<string[]>;
  /** The report's first call recording, for the detail page: whether Amparo holds its copy yet. */
  recordingSummary(db: Db, reportId: string): Promise<RecordingSummary | undefined>;
  /** Files of the report's call recordings, deleted with the report. */
  recordingStorageKeys(db: Db, reportId: string): Promise<string[]>;
}

let calls: ReportCalls | undefined;

/** Called once by the voice module. */
export function registerReportCalls(handler: ReportCalls): void {
  calls = handler;
}

export function reportCalls(): ReportCalls {
  if (!calls) throw new Error('No report calls registered (the voice module registers them)');
  return calls;
}

/** Which of these keys of the reports' store a module's rows still point to. */
export type StoredFileReferences = (db: Db, keys: readonly string[]) => Promise<Set<string>>;

const storedFiles = new Map<string, StoredFileReferences>();

/** A module that keeps files in the reports' store says which keys are its own, so the orphan sweep keeps them. */
export function registerStoredFiles(owner: string, references: StoredFileReferences): void {
  storedFiles.set(owner, references);
}

/** Which of these keys any registered module still points to. */
export async function keysReferencedElsewhere(db: Db, keys: readonly string[]): Promise<Set<string>> {
  const referenced = new Set<string>();
  for (const references of storedFiles.values()) {
    for (const key of await references(db, keys)) referenced.add(key);
  }
  return referenced;
}
