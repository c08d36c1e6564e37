import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import {
  MIGRATIONS_TABLE,
  SchemaVersionError,
  applySqliteMigrations,
  connectSqlite,
  loadSqliteMigrations,
  migrate,
  openLinkIndex,
} from '@syncframe/linkindex';
import type { Migration } from '@syncframe/linkindex';

// Each test its own database file, in one folder removed afterwards.
const dir = await mkdtemp(join(tmpdir(), 'syncframe-migrate-sqlite-'));
let files = 0;
const freshFile = () => join(dir, `db-${++files}.db`);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The newest SQLite migration shipped. */
const LATEST = '0000_init';
const TABLES = ['conflicts', 'cursors', 'held_records', 'job_leases', 'jobs', 'links', 'pending_deletes', 'record_failures', 'runs', MIGRATIONS_TABLE].sort();

async function inspect<T>(file: string, query: string): Promise<T[]> {
  const connection = await connectSqlite(file);
  try {
    return await connection.db.all<T>(sql.raw(query));
  } finally {
    await connection.close();
  }
}

const tablesOf = async (file: string) =>
  (await inspect<{ name: string }>(file, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")).map((r) => r.name);
const appliedTags = async (file: string) => (await inspect<{ tag: string }>(file, `SELECT tag FROM ${MIGRATIONS_TABLE} ORDER BY tag`)).map((r) => r.tag);

describe('migrate (sqlite)', () => {
  it('ships its migrations in order, starting with 0000_init', async () => {
    const migrations = await loadSqliteMigrations();
    expect(migrations.map((m) => m.tag)).toEqual([LATEST]);
    expect(migrations[0]!.statements.length).toBeGreaterThan(0);
  });

  it('creates every table in a fresh file, then finds nothing to do', async () => {
    const file = freshFile();
    const first = await migrate({ driver: 'sqlite', conn: file });
    expect(first).toEqual({ applied: [LATEST], current: LATEST });
    expect(await tablesOf(file)).toEqual(TABLES);
    const second = await migrate({ driver: 'sqlite', conn: file });
    expect(second).toEqual({ applied: [], current: LATEST });
    expect(await appliedTags(file)).toEqual([LATEST]);
  });

  it('refuses a database migrated by a newer SyncFrame, naming both versions', async () => {
    const file = freshFile();
    await migrate({ driver: 'sqlite', conn: file });
    await inspect(file, `INSERT INTO ${MIGRATIONS_TABLE} (tag, hash, applied_at) VALUES ('9999_from_the_future', 'x', 0)`);
    const expected = `database schema is at migration 9999_from_the_future, newer than this SyncFrame (knows up to ${LATEST}): upgrade SyncFrame`;

    const err = await migrate({ driver: 'sqlite', conn: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchemaVersionError);
    expect((err as Error).message).toBe(expected);
    await expect(openLinkIndex({ driver: 'sqlite', conn: file })).rejects.toThrow(expected);
    await expect(openLinkIndex({ driver: 'sqlite', conn: file }, { migrate: false })).rejects.toThrow(expected);
  });

  it('with migrate: false, refuses a file that is not migrated yet', async () => {
    const file = freshFile();
    const err = await openLinkIndex({ driver: 'sqlite', conn: file }, { migrate: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchemaVersionError);
    expect((err as Error).message).toContain(`at migration (none), older than this SyncFrame (needs ${LATEST})`);
    await migrate({ driver: 'sqlite', conn: file });
    const { linkIndex } = await openLinkIndex({ driver: 'sqlite', conn: file }, { migrate: false });
    await linkIndex.close();
  });

  it('rolls a failing migration back whole: neither its statements nor its journal row stay', async () => {
    const file = freshFile();
    const connection = await connectSqlite(file);
    try {
      const shipped = await loadSqliteMigrations();
      const broken: Migration = { tag: '0001_broken', hash: 'h', statements: ['CREATE TABLE extra (id text)', 'THIS IS NOT SQL'] };
      await expect(applySqliteMigrations(connection.db, connection.where, { migrations: [...shipped, broken] })).rejects.toThrow(/link index migrate failed/);
      const tables = await connection.db.all<{ name: string }>(sql`SELECT name FROM sqlite_master WHERE type = 'table'`);
      expect(tables).toEqual([]);
    } finally {
      await connection.close();
    }
  });

  it('opens the file in WAL mode with synchronous=FULL, so a committed write is on disk when the call returns', async () => {
    const connection = await connectSqlite(freshFile());
    try {
      expect(await connection.db.all(sql`PRAGMA journal_mode`)).toEqual([{ journal_mode: 'wal' }]);
      expect(await connection.db.all(sql`PRAGMA synchronous`)).toEqual([{ synchronous: 2 }]);
      expect(await connection.db.all(sql`PRAGMA busy_timeout`)).toEqual([{ timeout: 5000 }]);
    } finally {
      await connection.close();
    }
  });
});
