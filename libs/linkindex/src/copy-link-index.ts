import type { Logger } from '@syncframe/engine';
import { ConfigError, silentLogger } from '@syncframe/engine';
import { asc, count, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { LinkIndexConfig } from './config.js';
import { resolvePgliteDir, resolveSqliteFile, schemaOf } from './config.js';
import { connectPglite } from './connect-pglite.js';
import { connectPostgres } from './connect-postgres.js';
import { connectSqlite } from './connect-sqlite.js';
import type { LinkIndexDatabase } from './database.js';
import { applyMigrations } from './migrate.js';
import { applySqliteMigrations } from './migrate.sqlite.js';
import { conflicts, cursors, heldRecords, jobs, links, pendingDeletes, recordFailures, runs } from './schema.js';
import * as sqlite from './schema.sqlite.js';

/** Rows copied per statement. */
const PAGE = 1000;

/**
 * What is carried, in this order: job state, cursors, links, run history, conflicts, held records
 * (edit settling), pending deletes, failing records. Job leases are not: they belong to the
 * processes of the old store, and a new one starts with none held.
 */
const TABLES: readonly { readonly name: string; readonly table: PgTable; readonly order: readonly unknown[]; readonly sqlite: SQLiteTable }[] = [
  { name: 'jobs', table: jobs, order: [jobs.jobId], sqlite: sqlite.jobs },
  { name: 'cursors', table: cursors, order: [cursors.jobId, cursors.adapter, cursors.tableName], sqlite: sqlite.cursors },
  { name: 'links', table: links, order: [links.srcAdapter, links.srcTable, links.destAdapter, links.destTable, links.srcId, links.destId], sqlite: sqlite.links },
  { name: 'runs', table: runs, order: [runs.runId], sqlite: sqlite.runs },
  { name: 'conflicts', table: conflicts, order: [conflicts.conflictId], sqlite: sqlite.conflicts },
  { name: 'held_records', table: heldRecords, order: [heldRecords.jobId, heldRecords.adapter, heldRecords.tableName, heldRecords.recordId], sqlite: sqlite.heldRecords },
  { name: 'pending_deletes', table: pendingDeletes, order: [pendingDeletes.deleteId], sqlite: sqlite.pendingDeletes },
  { name: 'record_failures', table: recordFailures, order: [recordFailures.jobId, recordFailures.side, recordFailures.recordId], sqlite: sqlite.recordFailures },
];

/** Rows of one table in both stores after the copy. */
export interface CopiedTable {
  readonly table: string;
  readonly source: number;
  readonly destination: number;
}

export interface CopyLinkIndexOptions {
  readonly logger?: Logger;
  /** Told after each page: table and rows copied so far. */
  readonly onProgress?: (table: string, copied: number) => void;
}

/**
 * Copies a link index (typically the embedded PGlite or SQLite store a single process started with)
 * into an empty PostgreSQL one, for a fleet: links, cursors, job state, conflicts and run history, so the
 * fleet picks up where the process left off instead of matching everything again (and held records,
 * pending deletes and failing records, so nothing waiting for a person is lost). Both stores are
 * migrated first. The destination must hold none of these rows (nothing is merged or overwritten),
 * everything is written in one transaction, and the counts of every table are compared after:
 * a difference throws.
 */
export async function copyLinkIndex(from: LinkIndexConfig, to: LinkIndexConfig, options: CopyLinkIndexOptions = {}): Promise<CopiedTable[]> {
  const logger = options.logger ?? silentLogger;
  if (from.driver === 'memory' || to.driver === 'memory') throw new ConfigError('linkindex copy: the memory driver holds nothing to copy from or into');
  if (to.driver === 'sqlite') throw new ConfigError('linkindex copy: copies into postgres (or pglite); a SQLite file can only be copied from');
  const source = await openSource(from, logger);
  try {
    const destination = await connect(to, logger);
    try {
      await applyMigrations(destination.db, schemaOf(to), destination.where, { logger });
      for (const { name, table } of TABLES) {
        const held = await rowCount(destination.db, table);
        if (held > 0) {
          throw new ConfigError(`linkindex copy: ${destination.where} already holds ${held} row(s) in "${name}"; copy into an empty store (nothing is merged)`);
        }
      }
      await destination.db.transaction(async (tx) => {
        for (const entry of TABLES) {
          let copied = 0;
          for (let offset = 0; ; offset += PAGE) {
            const page = await source.page(entry, offset);
            if (page.length === 0) break;
            await tx.insert(entry.table).values(page as never);
            copied += page.length;
            options.onProgress?.(entry.name, copied);
            if (page.length < PAGE) break;
          }
        }
      });
      const report: CopiedTable[] = [];
      for (const entry of TABLES) {
        report.push({ table: entry.name, source: await source.count(entry), destination: await rowCount(destination.db, entry.table) });
      }
      const off = report.filter((r) => r.source !== r.destination);
      if (off.length > 0) {
        throw new Error(`linkindex copy: counts differ after the copy: ${off.map((r) => `${r.table} ${r.source} → ${r.destination}`).join(', ')}`);
      }
      return report;
    } finally {
      await destination.close();
    }
  } finally {
    await source.close();
  }
}

type CopiedTableSpec = (typeof TABLES)[number];

/** The store copied from, migrated first: rows read a page at a time, in key order, in the shape of `schema.ts`. */
interface CopySource {
  page(entry: CopiedTableSpec, offset: number): Promise<unknown[]>;
  count(entry: CopiedTableSpec): Promise<number>;
  close(): Promise<void>;
}

async function openSource(config: LinkIndexConfig, logger: Logger): Promise<CopySource> {
  const byName = (entry: CopiedTableSpec) => (entry.order as { name: string }[]).map((c) => asc(sql.identifier(c.name)));
  if (config.driver === 'sqlite') {
    // The SQLite schema names its properties as schema.ts does: its rows insert into PostgreSQL as they are.
    const connection = await connectSqlite(resolveSqliteFile(config.conn, process.cwd()));
    try {
      await applySqliteMigrations(connection.db, connection.where, { logger });
    } catch (err) {
      await connection.close();
      throw err;
    }
    return {
      page: (entry, offset) => connection.db.select().from(entry.sqlite).orderBy(...byName(entry)).limit(PAGE).offset(offset),
      count: async (entry) => Number((await connection.db.select({ n: count() }).from(entry.sqlite))[0]?.n ?? 0),
      close: () => connection.close(),
    };
  }
  const connection = await connect(config, logger);
  try {
    await applyMigrations(connection.db, schemaOf(config), connection.where, { logger });
  } catch (err) {
    await connection.close();
    throw err;
  }
  return {
    page: (entry, offset) => connection.db.select().from(entry.table).orderBy(...byName(entry)).limit(PAGE).offset(offset),
    count: (entry) => rowCount(connection.db, entry.table),
    close: () => connection.close(),
  };
}

async function connect(config: LinkIndexConfig, logger: Logger): Promise<{ db: LinkIndexDatabase; where: string; close(): Promise<void> }> {
  const schema = schemaOf(config);
  if (config.driver === 'postgres') {
    if (!config.conn) throw new ConfigError('linkindex copy: a postgres store needs a postgres:// DSN');
    return connectPostgres(config.conn, schema, logger);
  }
  return connectPglite(resolvePgliteDir(config.conn, process.cwd()), schema);
}

async function rowCount(db: LinkIndexDatabase, table: PgTable): Promise<number> {
  const [row] = await db.select({ n: count() }).from(table);
  return Number(row?.n ?? 0);
}
