import type { SyncRecord } from './record.js';

/**
 * Where a run keeps the records it pulled once it holds more than it should in memory (a port: the
 * file implementation is `@syncframe/fleet`'s `FileRecordSpool`). A run writes each pulled page
 * once and reads records back a chunk at a time; what it keeps in memory per record is then its
 * id, page and `Ref`.
 */
export interface RecordSpool<Ref = unknown> {
  /** Stores the records; returns where each one is, in the same order. */
  write(records: readonly SyncRecord[]): Promise<Ref[]>;
  /** The records at these places, in the same order. */
  read(refs: readonly Ref[]): Promise<SyncRecord[]>;
  /** Frees what the spool holds (a file is deleted); called once, when the run ends. */
  close(): Promise<void>;
}

/** Opens a fresh spool for one run. */
export type OpenRecordSpool = () => Promise<RecordSpool>;
