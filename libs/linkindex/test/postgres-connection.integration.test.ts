import { inspect } from 'node:util';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@syncframe/engine';
import type { Link, TablePair } from '@syncframe/engine';
import { DatabaseUnavailableError, LINKS_PER_STATEMENT, openLinkIndex } from '@syncframe/linkindex';
import type { Logger } from '@syncframe/engine';
import type { LinkIndexStore } from '@syncframe/linkindex';
import { postgresUrl } from './postgres-url.js';
import { dropSchema, randomSchema, withAdmin } from '@syncframe/test-kit/pg';

const url = await postgresUrl();
const PASSWORD = 'S3cr3t-pa55word';

/** The local server's DSN with a password and other parts swapped in. */
function dsn(parts: { host?: string; port?: string; database?: string }): string {
  const u = new URL(url);
  u.password = PASSWORD;
  if (parts.host) u.hostname = parts.host;
  if (parts.port) u.port = parts.port;
  if (parts.database) u.pathname = `/${parts.database}`;
  return u.toString();
}

async function failure(conn: string): Promise<Error> {
  const err = await openLinkIndex({ driver: 'postgres', conn }).then(
    () => {
      throw new Error('expected the connection to fail');
    },
    (e: unknown) => e as Error,
  );
  // Nowhere the error can surface (message, stack, cause chain, own properties) holds the password.
  expect(err.message).not.toContain(PASSWORD);
  expect(String(err.stack)).not.toContain(PASSWORD);
  expect(inspect(err, { depth: 10 })).not.toContain(PASSWORD);
  expect(JSON.stringify(err)).not.toContain(PASSWORD);
  return err;
}

describe('postgres driver: a DSN that cannot connect', () => {
  it('fails fast on a port where nothing listens, naming host, port and database', async () => {
    const started = Date.now();
    const err = await failure(dsn({ host: '127.0.0.1', port: '1', database: 'syncframe_db' }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect(err.message).toContain('127.0.0.1:1/syncframe_db');
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('names a host that does not resolve', async () => {
    const err = await failure(dsn({ host: 'no-such-host.invalid', port: '6543', database: 'syncframe_db' }));
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect(err.message).toContain('no-such-host.invalid:6543/syncframe_db');
  });

  it('reports a database that does not exist as a configuration error', async () => {
    const err = await failure(dsn({ database: 'no_such_database_sf' }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(`${new URL(url).hostname}:${new URL(url).port || 5432}/no_such_database_sf`);
    expect(err.message).toMatch(/does not exist/);
  });

  it('rejects an unparsable DSN without echoing it', async () => {
    const err = await failure(`postgres://user:${PASSWORD}@host:notaport/db`);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/invalid PostgreSQL DSN/);
  });

  it('rejects a schema name that is not a plain identifier', async () => {
    await expect(openLinkIndex({ driver: 'postgres', conn: url, schema: 'x"; DROP TABLE links; --' })).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('postgres driver: failures during calls', () => {
  const schema = randomSchema('conn');
  const appName = `sf-test-${schema}`;
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, error() {}, warn: (_obj, msg) => void warnings.push(msg ?? ''), child: () => logger };
  let li: LinkIndexStore;
  const pair: TablePair = { source: { adapter: 'airtable', table: 'Videos' }, dest: { adapter: 'webflow', table: 'c1' } };
  const link = (i: number, over: Partial<Link> = {}): Link => ({
    sourceId: `s${i}`,
    destId: `d${i}`,
    sourceHash: null,
    destHash: null,
    deletedAt: null,
    syncedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  });

  beforeAll(async () => {
    ({ linkIndex: li } = await openLinkIndex({ driver: 'postgres', conn: url, schema }, { applicationName: appName, logger }));
  });

  afterAll(async () => {
    await li?.close();
    await dropSchema(url, schema);
  });

  /** Holds `table` locked in `admin`'s open transaction (ROLLBACK ends it), so a call on it waits inside the server. */
  async function lockTable(admin: pg.Client, table: string): Promise<void> {
    await admin.query('BEGIN');
    await admin.query(`LOCK TABLE "${schema}".${table} IN ACCESS EXCLUSIVE MODE`);
  }

  /** Waits (up to about 5 s) until one of this LinkIndex's connections waits for a lock, then kills all of them. */
  async function killOnceWaitingForLock(admin: pg.Client): Promise<void> {
    for (let i = 0; i < 500; i++) {
      const { rowCount } = await admin.query(
        "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
        [appName],
      );
      if (rowCount) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [appName]);
  }

  it('writes a batch all or nothing: a bad link in the last chunk leaves none of the batch', async () => {
    const count = LINKS_PER_STATEMENT * 3 + 10;
    // PostgreSQL refuses a NUL character in text. Links are written in key order, so this one
    // (`z…` after every `s…`) is in the last statement of the transaction.
    const batch = Array.from({ length: count }, (_, i) => link(i, i === count - 1 ? { sourceId: 'zz\u0000bad' } : {}));
    await expect(li.upsertLinks(pair, batch)).rejects.toThrow(/link index upsertLinks failed: .*0x00/);
    expect(await li.findLinks(pair, 'source', ['s0', `s${LINKS_PER_STATEMENT}`, `s${count - 2}`])).toEqual([]);
  });

  it('fails a call whose connection is killed mid-statement, then works again', async () => {
    await withAdmin(url, async (admin) => {
      // Hold the table so the upsert waits inside the server, then kill its backend while it waits.
      await lockTable(admin, 'links');
      const pending = li.upsertLinks(pair, [link(1)]);
      const caught = pending.catch((e: unknown) => e);
      await killOnceWaitingForLock(admin);
      const err = await caught;
      await admin.query('ROLLBACK');
      expect(err).toBeInstanceOf(DatabaseUnavailableError);
      expect((err as DatabaseUnavailableError).retryable).toBe(true);
      expect((err as Error).message).toMatch(/lost the connection to PostgreSQL at/);
    });

    await li.upsertLinks(pair, [link(2)]);
    expect(await li.findLinks(pair, 'source', ['s1', 's2'])).toEqual([link(2)]);
  });

  it('survives its idle connections being killed: a call fails cleanly or works, the next one works', async () => {
    // Fill the pool with a few idle connections first.
    await Promise.all([1, 2, 3].map((i) => li.getFailCount(`job-${i}`, pair.source)));
    await withAdmin(url, (admin) => admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [appName]));

    const outcome = await li.saveCursor('job-idle', pair.source, { value: 'c1' }).then(
      () => 'ok',
      (e: unknown) => e,
    );
    if (outcome !== 'ok') expect(outcome).toBeInstanceOf(DatabaseUnavailableError);
    await li.saveCursor('job-idle', pair.source, { value: 'c2' });
    expect(await li.loadCursor('job-idle', pair.source)).toEqual({ value: 'c2' });
  });

  it('fails a fenced write cleanly when its connection dies inside the transaction', async () => {
    const grant = (await li.acquireLease('job-fenced', 'worker-a', 60_000))!;
    const fenced = li.fenced(grant);
    await withAdmin(url, async (admin) => {
      await lockTable(admin, 'cursors');
      const caught = fenced.saveCursor('job-fenced', pair.source, { value: 'x' }).catch((e: unknown) => e);
      await killOnceWaitingForLock(admin);
      expect(await caught).toBeInstanceOf(DatabaseUnavailableError);
      await admin.query('ROLLBACK');
    });
    expect(await li.loadCursor('job-fenced', pair.source)).toEqual({ value: null });
    await fenced.saveCursor('job-fenced', pair.source, { value: 'y' });
    expect(await li.loadCursor('job-fenced', pair.source)).toEqual({ value: 'y' });
  });
});
