import { silentLogger } from '@syncframe/engine';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import {
  MIGRATIONS_TABLE,
  SchemaVersionError,
  applyMigrations,
  connectPostgres,
  loadMigrations,
  migrate,
  openLinkIndex,
} from '@syncframe/linkindex';
import type { Migration, MigrationResult } from '@syncframe/linkindex';
import { postgresUrl } from './postgres-url.js';
import { dropSchema, randomSchema, withAdmin } from '@syncframe/test-kit/pg';

const url = await postgresUrl();
const schemas: string[] = [];
function freshSchema(): string {
  const schema = randomSchema('migrate');
  schemas.push(schema);
  return schema;
}

afterAll(async () => {
  for (const schema of schemas) await dropSchema(url, schema);
});

async function appliedTags(schema: string): Promise<string[]> {
  return withAdmin(url, async (c) => (await c.query(`SELECT tag FROM "${schema}".${MIGRATIONS_TABLE} ORDER BY tag`)).rows.map((r) => r.tag as string));
}

async function tablesOf(schema: string): Promise<string[]> {
  return withAdmin(url, async (c) =>
    (await c.query('SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename', [schema])).rows.map((r) => r.tablename as string),
  );
}

/** The newest migration shipped. */
const LATEST = '0002_record_failures';
const SHIPPED = ['0000_init', '0001_settle_deletes_field_merge', LATEST];

describe('migrations as shipped', () => {
  it('are found next to the code, in order, and name no schema (so `schema` applies to them)', async () => {
    const migrations = await loadMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    expect(migrations[0]!.tag).toBe('0000_init');
    expect(migrations.map((m) => m.tag)).toEqual([...migrations.map((m) => m.tag)].sort());
    for (const m of migrations) {
      for (const statement of m.statements) expect(statement).not.toMatch(/"public"\./);
    }
  });
});

describe('migrate (postgres)', () => {
  it('creates the schema and every table, then finds nothing to do', async () => {
    const schema = freshSchema();
    const first = await migrate({ driver: 'postgres', conn: url, schema });
    expect(first.applied).toEqual(SHIPPED);
    expect(first.current).toBe(LATEST);
    expect(await tablesOf(schema)).toEqual(['conflicts', 'cursors', 'held_records', 'job_leases', 'jobs', 'links', 'pending_deletes', 'record_failures', 'runs', MIGRATIONS_TABLE].sort());
    const second = await migrate({ driver: 'postgres', conn: url, schema });
    expect(second.applied).toEqual([]);
    expect(await appliedTags(schema)).toEqual(SHIPPED);
  });

  it('from five processes at once: exactly one applies, all succeed', async () => {
    const schema = freshSchema();
    const child = fileURLToPath(new URL('./fixtures/migrate-child.ts', import.meta.url));
    const procs = Array.from({ length: 5 }, () =>
      spawn(process.execPath, ['--import', 'tsx', child, url, schema], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env } }),
    );
    const outputs = procs.map((p) => {
      let out = '';
      let err = '';
      p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      const ready = new Promise<void>((resolve, reject) => {
        const poll = setInterval(() => {
          if (out.includes('ready\n')) {
            clearInterval(poll);
            resolve();
          }
        }, 10);
        p.once('exit', (code) => {
          clearInterval(poll);
          reject(new Error(`child exited early (${code}): ${err}`));
        });
      });
      const exit = new Promise<{ code: number | null; out: string; err: string }>((resolve) => p.once('exit', (code) => resolve({ code, out, err })));
      return { ready, exit };
    });
    await Promise.all(outputs.map((o) => o.ready));
    for (const p of procs) p.stdin.write('go\n');
    const results = await Promise.all(outputs.map((o) => o.exit));

    for (const r of results) expect(r.code, r.err).toBe(0);
    const parsed = results.map((r) => JSON.parse(r.out.split('\n').filter(Boolean).at(-1)!) as MigrationResult);
    expect(parsed.filter((r) => r.applied.length > 0)).toHaveLength(1);
    expect(parsed.every((r) => r.current === LATEST)).toBe(true);
    expect(await appliedTags(schema)).toEqual(SHIPPED);
  }, 60_000);

  it('refuses a database migrated by a newer SyncFrame, naming both versions', async () => {
    const schema = freshSchema();
    await migrate({ driver: 'postgres', conn: url, schema });
    await withAdmin(url, (c) => c.query(`INSERT INTO "${schema}".${MIGRATIONS_TABLE} (tag, hash) VALUES ('9999_from_the_future', 'x')`));
    const expected = `database schema is at migration 9999_from_the_future, newer than this SyncFrame (knows up to ${LATEST}): upgrade SyncFrame`;

    const err = await migrate({ driver: 'postgres', conn: url, schema }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchemaVersionError);
    expect((err as Error).message).toBe(expected);
    await expect(openLinkIndex({ driver: 'postgres', conn: url, schema })).rejects.toThrow(expected);
    await expect(openLinkIndex({ driver: 'postgres', conn: url, schema }, { migrate: false })).rejects.toThrow(expected);
  });

  it('with migrate: false, refuses a schema that is not migrated yet', async () => {
    const schema = freshSchema();
    const err = await openLinkIndex({ driver: 'postgres', conn: url, schema }, { migrate: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchemaVersionError);
    expect((err as Error).message).toContain(`at migration (none), older than this SyncFrame (needs ${LATEST})`);
    await migrate({ driver: 'postgres', conn: url, schema });
    const { linkIndex } = await openLinkIndex({ driver: 'postgres', conn: url, schema }, { migrate: false });
    await linkIndex.close();
  });

  it('upgrades a database at 0000_init keeping its links, applies a later migration on top, and rolls a failing one back whole', async () => {
    const schema = freshSchema();
    const shipped = await loadMigrations();
    const later: Migration = { tag: '9001_extra', hash: 'h1', statements: ['CREATE TABLE "extra" ("id" integer)', 'INSERT INTO "extra" VALUES (1)'] };
    const broken: Migration = { tag: '9002_broken', hash: 'h2', statements: ['CREATE TABLE "half" ("id" integer)', 'SELECT no_such_function()'] };
    const conn = await connectPostgres(url, schema, silentLogger);
    try {
      expect((await applyMigrations(conn.db, schema, conn.where, { migrations: shipped.slice(0, 1) })).applied).toEqual(['0000_init']);
      await conn.db.execute(sql`INSERT INTO links (src_adapter, src_table, src_id, dest_adapter, dest_table, dest_id, source_hash, synced_at)
        VALUES ('airtable', 'Videos', 'rec1', 'webflow', 'c1', 'w1', 'h', now())`);
      expect((await applyMigrations(conn.db, schema, conn.where, { migrations: shipped })).applied).toEqual(SHIPPED.slice(1));
      const kept = await conn.db.execute(sql`SELECT src_id, source_hash, source_fields FROM links`);
      expect((kept as unknown as { rows: unknown[] }).rows).toEqual([{ src_id: 'rec1', source_hash: 'h', source_fields: null }]);
      expect((await applyMigrations(conn.db, schema, conn.where, { migrations: [...shipped, later] })).applied).toEqual(['9001_extra']);
      await expect(applyMigrations(conn.db, schema, conn.where, { migrations: [...shipped, later, broken] })).rejects.toThrow(/no_such_function/);
      expect(await appliedTags(schema)).toEqual([...SHIPPED, '9001_extra']);
      expect(await tablesOf(schema)).not.toContain('half');
      const rows = await conn.db.execute(sql`SELECT count(*)::int AS n FROM extra`);
      expect((rows as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(1);
    } finally {
      await conn.close();
    }
  });
});
