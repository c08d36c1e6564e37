import type { Logger } from '@syncframe/engine';
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { ConfigError, silentLogger } from '@syncframe/engine';
import type { LinkIndexConfig } from './config.js';
import { resolvePgliteDir, resolveSqliteFile, quoteSchema, schemaOf } from './config.js';
import { connectPglite } from './connect-pglite.js';
import type { PostgresPoolOptions } from './connect-postgres.js';
import { connectPostgres } from './connect-postgres.js';
import { connectSqlite } from './connect-sqlite.js';
import { applySqliteMigrations } from './migrate.sqlite.js';
import type { LinkIndexDatabase } from './database.js';
import { rowsOf } from './database.js';
import { mapDatabaseError } from './db-errors.js';
import { SchemaVersionError } from './errors/schema-version-error.js';
import type { Migration, MigrationResult } from './migration-files.js';
import { MIGRATIONS_TABLE, loadMigrations, refuseNewerSchema, warnOnEditedMigrations } from './migration-files.js';

export * from './migration-files.js';

/** Options of `migrate` and `applyMigrations`. */
export interface MigrateOptions extends PostgresPoolOptions {
  /** @defaultValue silent */
  readonly logger?: Logger;
  /** The migrations to apply. @defaultValue the ones shipped in `migrations/` */
  readonly migrations?: readonly Migration[];
}

/**
 * Opens the store `config` names, brings its schema up to date, and closes it. For a separate
 * migration step (`syncframe migrate`); `openLinkIndex` migrates by itself unless told not to.
 * The `sqlite` driver has its own migrations (`migrations-sqlite/`).
 * The `memory` driver has nothing to migrate.
 */
export async function migrate(config: LinkIndexConfig, options: MigrateOptions = {}): Promise<MigrationResult> {
  const schema = schemaOf(config);
  const logger = options.logger ?? silentLogger;
  if (config.driver === 'memory') return { applied: [], current: null };
  if (config.driver === 'sqlite') {
    const connection = await connectSqlite(resolveSqliteFile(config.conn, process.cwd()));
    try {
      return await applySqliteMigrations(connection.db, connection.where, options);
    } finally {
      await connection.close();
    }
  }
  if (config.driver === 'postgres') {
    if (!config.conn) throw new ConfigError('the postgres link index needs `conn`, a postgres:// DSN');
    const connection = await connectPostgres(config.conn, schema, logger, options);
    try {
      return await applyMigrations(connection.db, schema, connection.where, options);
    } finally {
      await connection.close();
    }
  }
  const connection = await connectPglite(resolvePgliteDir(config.conn, process.cwd()), schema);
  try {
    return await applyMigrations(connection.db, schema, connection.where, options);
  } finally {
    await connection.close();
  }
}

/**
 * Applies the pending migrations to `schema` (creating it if missing), all in one transaction
 * under an advisory lock: when a whole fleet starts at once, one process migrates and the others
 * wait, then find nothing left to do. Refuses a database migrated by a newer SyncFrame.
 */
export async function applyMigrations(
  db: LinkIndexDatabase,
  schema: string,
  where: string,
  options: Pick<MigrateOptions, 'logger' | 'migrations'> = {},
): Promise<MigrationResult> {
  const logger = options.logger ?? silentLogger;
  const migrations = options.migrations ?? (await loadMigrations());
  try {
    return await db.transaction(async (tx) => {
      // Transaction-scoped: released by COMMIT or ROLLBACK, even when this process dies mid-way.
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${LOCK_CLASS}::integer, ${lockKey(schema)}::integer)`);
      const exists = rowsOf(await tx.execute(sql`SELECT 1 FROM pg_namespace WHERE nspname = ${schema}`));
      // Only when missing: CREATE SCHEMA IF NOT EXISTS still needs the CREATE privilege on the database.
      if (exists.length === 0) await tx.execute(sql.raw(`CREATE SCHEMA ${quoteSchema(schema)}`));
      await tx.execute(sql.raw(`SET LOCAL search_path TO ${quoteSchema(schema)}`));
      await tx.execute(
        sql.raw(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (tag text PRIMARY KEY, hash text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`),
      );
      const applied = rowsOf<{ tag: string; hash: string }>(await tx.execute(sql.raw(`SELECT tag, hash FROM ${MIGRATIONS_TABLE} ORDER BY tag`)));
      refuseNewerSchema(applied.map((r) => r.tag), migrations);
      warnOnEditedMigrations(applied, migrations, logger);

      const done = new Set(applied.map((r) => r.tag));
      const pending = migrations.filter((m) => !done.has(m.tag));
      for (const migration of pending) {
        for (const statement of migration.statements) await tx.execute(sql.raw(statement));
        await tx.execute(sql`INSERT INTO ${sql.raw(MIGRATIONS_TABLE)} (tag, hash) VALUES (${migration.tag}, ${migration.hash})`);
      }
      const result = { applied: pending.map((m) => m.tag), current: migrations.at(-1)?.tag ?? null };
      if (pending.length > 0) logger.info({ schema, applied: result.applied }, 'link index: migrations applied');
      return result;
    });
  } catch (err) {
    throw mapDatabaseError(err, 'migrate', where);
  }
}

/**
 * Checks, without changing anything, that `schema` is exactly at this SyncFrame's latest
 * migration: for processes started with `migrate: false`, which must not run on a schema
 * they do not know.
 */
export async function checkSchemaVersion(
  db: LinkIndexDatabase,
  schema: string,
  where: string,
  migrations?: readonly Migration[],
): Promise<void> {
  const known = migrations ?? (await loadMigrations());
  let applied: string[];
  try {
    const table = rowsOf<{ t: string | null }>(await db.execute(sql`SELECT to_regclass(${`${quoteSchema(schema)}.${MIGRATIONS_TABLE}`})::text AS t`));
    applied = table[0]?.t
      ? rowsOf<{ tag: string }>(await db.execute(sql.raw(`SELECT tag FROM ${quoteSchema(schema)}.${MIGRATIONS_TABLE} ORDER BY tag`))).map((r) => r.tag)
      : [];
  } catch (err) {
    throw mapDatabaseError(err, 'checkSchemaVersion', where);
  }
  refuseNewerSchema(applied, known);
  const done = new Set(applied);
  const pending = known.filter((m) => !done.has(m.tag));
  if (pending.length > 0) {
    throw new SchemaVersionError(
      `database schema "${schema}" is at migration ${applied.at(-1) ?? '(none)'}, older than this SyncFrame ` +
        `(needs ${known.at(-1)?.tag}): run the migrations first (or open the link index with migrate: true)`,
    );
  }
}

/** First key of the advisory lock: "SFMG", so it is told apart from other users of advisory locks. */
const LOCK_CLASS = 0x53464d47;

/** Second key: per schema, so isolated schemas (tests, several SyncFrames) migrate independently. */
function lockKey(schema: string): number {
  return createHash('sha256').update(schema).digest().readInt32BE(0);
}
