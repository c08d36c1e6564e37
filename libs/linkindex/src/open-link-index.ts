import { ConfigError, silentLogger, systemClock } from '@syncframe/engine';
import type { Clock, JobLeases, LinkIndex, Logger } from '@syncframe/engine';
import type { LinkIndexConfig, LinkIndexDriver } from './config.js';
import { resolvePgliteDir, resolveSqliteFile, schemaOf } from './config.js';
import { connectPglite } from './connect-pglite.js';
import { connectSqlite } from './connect-sqlite.js';
import type { PostgresPoolOptions } from './connect-postgres.js';
import { connectPostgres } from './connect-postgres.js';
import type { LinkIndexDatabase } from './database.js';
import { PostgresLinkIndex } from './link-index.postgres.js';
import { MemoryLinkIndex } from './link-index.memory.js';
import type { MigrationResult } from './migrate.js';
import { applyMigrations, checkSchemaVersion } from './migrate.js';
import { applySqliteMigrations, checkSqliteSchemaVersion } from './migrate.sqlite.js';
import { SqliteLinkIndex } from './link-index.sqlite.js';

/** A link index with its job leases, that owns its connection. */
export interface LinkIndexStore extends LinkIndex, JobLeases {
  /** Closes the connection (pool or PGlite). Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link openLinkIndex}. */
export interface OpenLinkIndexOptions extends PostgresPoolOptions {
  /**
   * Apply pending migrations before returning (under an advisory lock, so a fleet may all do it).
   * When false, the schema is only checked: an outdated or newer schema is refused.
   * @defaultValue true
   */
  readonly migrate?: boolean;
  /** @defaultValue silent */
  readonly logger?: Logger;
  /** Lease time of the `memory` driver (the database drivers use the database clock). @defaultValue the system clock */
  readonly clock?: Clock;
  /**
   * How long each operation rides out a lost database connection before it throws
   * `DatabaseUnavailableError` (see `PostgresLinkIndexOptions.outageToleranceMs`). @defaultValue 0
   */
  readonly outageToleranceMs?: number;
}

/** What {@link openLinkIndex} returns. */
export interface OpenedLinkIndex {
  readonly linkIndex: LinkIndexStore;
  readonly driver: LinkIndexDriver;
  /** What migrating did; null when `migrate: false` or for the `memory` driver. */
  readonly migrations: MigrationResult | null;
}

/**
 * Opens the link index the config names. `postgres` connects (failing fast, with a message that
 * names host, port and database but never the password) and migrates; `pglite` opens or creates
 * its data folder and migrates; `sqlite` opens or creates its file and migrates; `memory` starts empty.
 */
export async function openLinkIndex(config: LinkIndexConfig, options: OpenLinkIndexOptions = {}): Promise<OpenedLinkIndex> {
  const logger = options.logger ?? silentLogger;
  const schema = schemaOf(config);
  switch (config.driver) {
    case 'memory':
      return { linkIndex: new MemoryLinkIndex(options.clock ?? systemClock), driver: 'memory', migrations: null };
    case 'postgres': {
      if (!config.conn) throw new ConfigError('the postgres link index needs `conn`, a postgres:// DSN');
      const connection = await connectPostgres(config.conn, schema, logger, options);
      return ready('postgres', connection, schema, options);
    }
    case 'pglite': {
      const connection = await connectPglite(resolvePgliteDir(config.conn, process.cwd()), schema);
      return ready('pglite', connection, schema, options);
    }
    case 'sqlite':
      return openSqlite(resolveSqliteFile(config.conn, process.cwd()), options);
    default:
      throw new ConfigError(`unknown link index driver "${String((config as { driver: unknown }).driver)}": use postgres, pglite, sqlite or memory`);
  }
}

async function ready(
  driver: 'postgres' | 'pglite',
  connection: { db: LinkIndexDatabase; where: string; close(): Promise<void> },
  schema: string,
  options: OpenLinkIndexOptions,
): Promise<OpenedLinkIndex> {
  try {
    let migrations: MigrationResult | null = null;
    if (options.migrate ?? true) {
      migrations = await applyMigrations(connection.db, schema, connection.where, { logger: options.logger ?? silentLogger });
    } else {
      await checkSchemaVersion(connection.db, schema, connection.where);
    }
    const logger = options.logger ?? silentLogger;
    const linkIndex = new PostgresLinkIndex(connection.db, {
      where: connection.where,
      close: () => connection.close(),
      outageToleranceMs: options.outageToleranceMs ?? 0,
      onOutage: (operation, err, waitedMs) =>
        logger.warn({ operation, waitedMs, toleranceMs: options.outageToleranceMs, err: err.message }, 'link index: database unreachable; trying again'),
    });
    return { linkIndex, driver, migrations };
  } catch (err) {
    await connection.close().catch(() => {});
    throw err;
  }
}

/** The `sqlite` driver: a local file has no outages, so `outageToleranceMs` does not apply. */
async function openSqlite(file: string, options: OpenLinkIndexOptions): Promise<OpenedLinkIndex> {
  const connection = await connectSqlite(file);
  try {
    let migrations: MigrationResult | null = null;
    if (options.migrate ?? true) {
      migrations = await applySqliteMigrations(connection.db, connection.where, { logger: options.logger ?? silentLogger });
    } else {
      await checkSqliteSchemaVersion(connection.db, connection.where);
    }
    const linkIndex = new SqliteLinkIndex(connection.db, { where: connection.where, queue: connection.queue, close: () => connection.close() });
    return { linkIndex, driver: 'sqlite', migrations };
  } catch (err) {
    await connection.close().catch(() => {});
    throw err;
  }
}
