/**
 * A PostgreSQL transaction whose connection breaks while BEGIN is in flight gives its pool client
 * back (destroyed), so the pool keeps its capacity and `pool.end()` (a worker's shutdown) resolves.
 * Drizzle's own pool transaction leaks the client in that case: the negative control shows it.
 */
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { LinkIndexDatabase } from '../src/database.js';
import { withOwnedTransactions } from '../src/connect-postgres.js';
import { postgresUrl } from './postgres-url.js';

const url = await postgresUrl();
const pools: pg.Pool[] = [];

/** A pool whose next checked-out client fails its BEGIN as a cut connection does. */
function poolWithBrokenBegin(): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pools.push(pool);
  let armed = true;
  pool.on('acquire', (client) => {
    if (!armed) return;
    armed = false;
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text ?? '';
      if (/^begin/i.test(text)) return Promise.reject(Object.assign(new Error('Connection terminated unexpectedly'), { code: undefined }));
      return query(...args);
    };
  });
  return pool;
}

const ended = (pool: pg.Pool) => Promise.race([pool.end().then(() => 'ended'), new Promise((r) => setTimeout(() => r('still pending'), 2000))]);

afterEach(async () => {
  for (const pool of pools.splice(0)) if (!pool.ended) void pool.end().catch(() => undefined);
});

describe('PostgreSQL transactions own their pool client', () => {
  it('a BEGIN cut off gives the client back: the pool keeps its capacity and ends', async () => {
    const pool = poolWithBrokenBegin();
    const db = withOwnedTransactions(drizzle({ client: pool }) as unknown as LinkIndexDatabase, pool);
    await expect(db.transaction(async (tx) => tx.execute(sql`select 1`))).rejects.toThrow(/begin/);
    expect(pool.totalCount - pool.idleCount).toBe(0);
    // The next transactions work, on both slots of the pool.
    const results = await Promise.all([1, 2, 3].map((n) => db.transaction(async (tx) => tx.execute(sql`select ${n}::int as n`))));
    expect(results.map((r) => (r as unknown as { rows: { n: number }[] }).rows[0]!.n)).toEqual([1, 2, 3]);
    expect(await ended(pool)).toBe('ended');
  });

  it('negative control: drizzle\'s own pool transaction keeps the client checked out, and pool.end() hangs', async () => {
    const pool = poolWithBrokenBegin();
    const db = drizzle({ client: pool }) as unknown as LinkIndexDatabase;
    await expect(db.transaction(async (tx) => tx.execute(sql`select 1`))).rejects.toThrow();
    expect(pool.totalCount - pool.idleCount).toBe(1);
    expect(await ended(pool)).toBe('still pending');
  });
});
