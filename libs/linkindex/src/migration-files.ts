import type { Logger } from '@syncframe/engine';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SchemaVersionError } from './errors/schema-version-error.js';

// What every driver's migrator shares: the files drizzle-kit wrote, the journal table's name, and
// the rules for a database that is newer than this SyncFrame or whose applied migrations were edited.

/**
 * The SQL drizzle-kit generated. Resolved from this file, so it is found from `src/` (tests,
 * tsx) and from `dist/` (the build) alike: both sit next to `migrations/`.
 */
export const MIGRATIONS_DIR = new URL('../migrations/', import.meta.url);

/** Journal table of applied migrations, in the link index's schema. */
export const MIGRATIONS_TABLE = 'syncframe_migrations';

/** One migration as shipped with this SyncFrame. */
export interface Migration {
  /** drizzle-kit's tag, e.g. `0000_init`; tags sort in the order they apply. */
  readonly tag: string;
  /** sha256 of the SQL file, to notice a migration edited after it was applied. */
  readonly hash: string;
  readonly statements: readonly string[];
}

/** What `migrate` did. */
export interface MigrationResult {
  /** Tags applied by this call, in order; empty when the schema was already current. */
  readonly applied: readonly string[];
  /** The latest migration the database is at now (null: none shipped). */
  readonly current: string | null;
}

interface Journal {
  entries: { idx: number; tag: string }[];
}

/** Reads the migrations drizzle-kit wrote (its `meta/_journal.json` gives order and tags). */
export async function loadMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const journal = JSON.parse(await readFile(new URL('meta/_journal.json', dir), 'utf8')) as Journal;
  const entries = [...journal.entries].sort((a, b) => a.idx - b.idx);
  return Promise.all(
    entries.map(async ({ tag }) => {
      const text = await readFile(new URL(`${tag}.sql`, dir), 'utf8');
      return {
        tag,
        hash: createHash('sha256').update(text).digest('hex'),
        statements: text.split('--> statement-breakpoint').map((s) => s.trim()).filter((s) => s.length > 0),
      };
    }),
  );
}

export function refuseNewerSchema(applied: readonly string[], known: readonly Migration[]): void {
  const knownTags = new Set(known.map((m) => m.tag));
  const unknown = applied.filter((tag) => !knownTags.has(tag));
  if (unknown.length === 0) return;
  const newest = [...applied].sort().at(-1);
  throw new SchemaVersionError(
    `database schema is at migration ${newest}, newer than this SyncFrame (knows up to ${known.at(-1)?.tag ?? '(none)'}): upgrade SyncFrame`,
  );
}

export function warnOnEditedMigrations(applied: readonly { tag: string; hash: string }[], known: readonly Migration[], logger: Logger): void {
  const hashes = new Map(known.map((m) => [m.tag, m.hash]));
  for (const row of applied) {
    // Not fatal: an applied migration is never re-run, and refusing to start over a whitespace edit helps no one.
    if (hashes.get(row.tag) !== row.hash) logger.warn({ tag: row.tag }, 'link index: an applied migration was edited since; the database keeps the old version');
  }
}
