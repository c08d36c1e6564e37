import { fieldHashes } from './content-hash.js';
import type { SyncJob } from './job.js';
import type { Link } from './link-index.js';
import type { MapOutcome } from './map-items.js';
import type { Side } from './record.js';

/** What a link keeps of one side: its content hash and, for field_merge jobs, its per-field hashes. */
export interface SideSnapshot {
  readonly hash: string | null;
  readonly fields: Readonly<Record<string, string>> | null;
}

/** The snapshot of a record's mapping (`fields` only for `conflict_policy: field_merge`). */
export function snapshotOf(job: SyncJob, outcome: MapOutcome): SideSnapshot {
  if (!outcome.ok || !outcome.mapped) return { hash: null, fields: null };
  return { hash: outcome.hash, fields: job.conflictPolicy === 'field_merge' ? fieldHashes(outcome.mapped.fields) : null };
}

/** `side` as `link` stored it. */
export function storedSnapshot(link: Link | null, side: Side): SideSnapshot {
  if (!link) return { hash: null, fields: null };
  return side === 'source'
    ? { hash: link.sourceHash, fields: link.sourceFields ?? null }
    : { hash: link.destHash, fields: link.destFields ?? null };
}

/** The per-field hashes of a link's two sides, only when either is set (other jobs store none). */
export function linkFieldsOf(source: SideSnapshot['fields'], dest: SideSnapshot['fields']): Pick<Link, 'sourceFields' | 'destFields'> {
  return source || dest ? { sourceFields: source, destFields: dest } : {};
}
