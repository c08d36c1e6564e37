import { sql } from 'drizzle-orm';
import { silentLogger } from '@syncframe/engine';
import type { SqliteDatabase } from './database.sqlite.js';
import type { Logger } from '@syncframe/engine';
import type { Migration, MigrationResult } from './migration-files.js';
import { MIGRATIONS_TABLE, loadMigrations, refuseNewerSchema, warnOnEditedMigrations } from './migration-files.js';
import { SchemaVersionError } from './errors/schema-version-error.js';
import { mapSqliteError } from './sqlite-errors.js';

/** The SQL drizzle-kit generated from `schema.sqlite.ts`, next to `migrations/` (from `src/` and `dist/` alike). */
export const SQLITE_MIGRATIONS_DIR = new URL('../migrations-sqlite/', import.meta.url);

/** The migrations shipped for the `sqlite` driver. */
export function loadSqliteMigrations(): Promise<Migration[]> {
  return loadMigrations(SQLITE_MIGRATIONS_DIR);
}

/**
 * Applies the pending SQLite migrations in one write transaction (BEGIN IMMEDIATE: a second
 * process opening the same file waits, then finds nothing left to do), with the journal and the
 * refusal of a newer database that `applyMigrations` has for PostgreSQL.
 */
export async function applySqliteMigrations(
  db: SqliteDatabase,
  where: string,
  options: { readonly logger?: Logger; readonly migrations?: readonly Migration[] } = {},
): Promise<MigrationResult> {
  const logger = options.logger ?? silentLogger;
  const migrations = options.migrations ?? (await loadSqliteMigrations());
  try {
    return await db.transaction(async (tx) => {
      await tx.run(sql.raw(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (tag text PRIMARY KEY, hash text NOT NULL, applied_at integer NOT NULL)`));
      const applied = await tx.all<{ tag: string; hash: string }>(sql.raw(`SELECT tag, hash FROM ${MIGRATIONS_TABLE} ORDER BY tag`));
      refuseNewerSchema(applied.map((r) => r.tag), migrations);
      warnOnEditedMigrations(applied, migrations, logger);

      const done = new Set(applied.map((r) => r.tag));
      const pending = migrations.filter((m) => !done.has(m.tag));
      for (const migration of pending) {
        for (const statement of migration.statements) await tx.run(sql.raw(statement));
        await tx.run(sql`INSERT INTO ${sql.raw(MIGRATIONS_TABLE)} (tag, hash, applied_at) VALUES (${migration.tag}, ${migration.hash}, ${Date.now()})`);
      }
      const result = { applied: pending.map((m) => m.tag), current: migrations.at(-1)?.tag ?? null };
      if (pending.length > 0) logger.info({ where, applied: result.applied }, 'link index: migrations applied');
      return result;
    });
  } catch (err) {
    throw mapSqliteError(err, 'migrate', where);
  }
}

/** Checks, changing nothing, that the file is exactly at this SyncFrame's latest SQLite migration. */
export async function checkSqliteSchemaVersion(db: SqliteDatabase, where: string, migrations?: readonly Migration[]): Promise<void> {
  const known = migrations ?? (await loadSqliteMigrations());
  let applied: string[];
  try {
    const table = await db.all<{ name: string }>(sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name = ${MIGRATIONS_TABLE}`);
    applied = table.length > 0 ? (await db.all<{ tag: string }>(sql.raw(`SELECT tag FROM ${MIGRATIONS_TABLE} ORDER BY tag`))).map((r) => r.tag) : [];
  } catch (err) {
    throw mapSqliteError(err, 'checkSchemaVersion', where);
  }
  refuseNewerSchema(applied, known);
  const done = new Set(applied);
  const pending = known.filter((m) => !done.has(m.tag));
  if (pending.length > 0) {
    throw new SchemaVersionError(
      `${where} is at migration ${applied.at(-1) ?? '(none)'}, older than this SyncFrame ` +
        `(needs ${known.at(-1)?.tag}): run the migrations first (or open the link index with migrate: true)`,
    );
  }
}
