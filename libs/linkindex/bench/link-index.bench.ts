/**
 * LinkIndex throughput on PostgreSQL: upsert then look up 100k links in batches of 100 and of
 * 1000, against a raw multi-row INSERT of the same rows through pg (the ceiling a hand-written
 * statement reaches). Not a test: run it by hand and read the figures.
 *
 *   node --import tsx libs/linkindex/bench/link-index.bench.ts
 *
 * Connects to DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) and works in a
 * schema of its own, dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Link, TablePair } from '@syncframe/engine';
import { openLinkIndex } from '../src/index.js';

const URL_ = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TOTAL = Number(process.env.BENCH_LINKS ?? 100_000);
const SCHEMA = `sf_bench_${randomBytes(4).toString('hex')}`;
const pair: TablePair = { source: { adapter: 'airtable', table: 'appXYZ/tblVideos' }, dest: { adapter: 'webflow', table: '64f0c0ffee0000000000beef' } };

function makeLinks(n: number): Link[] {
  return Array.from({ length: n }, (_, i) => ({
    sourceId: `rec${String(i).padStart(14, '0')}`,
    destId: (0x64f000000000 + i).toString(16).padStart(24, '0'),
    sourceHash: `sha256:${i.toString(16).padStart(16, '0')}`,
    destHash: `sha256:${(i * 7).toString(16).padStart(16, '0')}`,
    deletedAt: null,
    syncedAt: new Date(Date.UTC(2026, 0, 1) + i).toISOString(),
  }));
}

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

const rate = (n: number, seconds: number) => Math.round(n / seconds);
const fmt = (n: number) => n.toLocaleString('en-US').padStart(9);

async function main(): Promise<void> {
  const { linkIndex } = await openLinkIndex({ driver: 'postgres', conn: URL_, schema: SCHEMA });
  const raw = new pg.Pool({ connectionString: URL_, options: `-c search_path=${SCHEMA}`, max: 1 });
  const links = makeLinks(TOTAL);
  const cols = 'src_adapter, src_table, dest_adapter, dest_table, src_id, dest_id, source_hash, dest_hash, deleted_at, synced_at';

  /** The same rows as one plain multi-row INSERT, ten bind parameters a row. */
  async function rawInsert(batch: readonly Link[]): Promise<void> {
    const params: unknown[] = [];
    const tuples = batch.map((l, r) => {
      params.push(pair.source.adapter, pair.source.table, pair.dest.adapter, pair.dest.table, l.sourceId, l.destId, l.sourceHash, l.destHash, l.deletedAt, l.syncedAt);
      return `(${Array.from({ length: 10 }, (_, c) => `$${r * 10 + c + 1}`).join(', ')})`;
    });
    await raw.query(`INSERT INTO links (${cols}) VALUES ${tuples.join(', ')}`, params);
  }

  try {
    // Warm up connections, plans and the JIT of both paths on rows the measured runs never touch.
    const warm = makeLinks(2_000).map((l) => ({ ...l, sourceId: `warm-${l.sourceId}` }));
    for (const b of batches(warm, 500)) {
      await linkIndex.upsertLinks(pair, b);
      await linkIndex.findLinks(pair, 'source', b.map((l) => l.sourceId));
    }
    await raw.query('TRUNCATE links');
    for (const b of batches(warm, 500)) await rawInsert(b);

    console.log(`LinkIndex on PostgreSQL, ${TOTAL.toLocaleString('en-US')} links, schema ${SCHEMA}`);
    console.log('batch | LinkIndex upsert (new) | upsert (existing) | lookup by source | lookup by dest | raw pg INSERT | LinkIndex/raw');
    for (const size of [100, 1000]) {
      const chunks = batches(links, size);
      await raw.query('TRUNCATE links');
      const insert = await timed(async () => {
        for (const b of chunks) await linkIndex.upsertLinks(pair, b);
      });
      const update = await timed(async () => {
        for (const b of chunks) await linkIndex.upsertLinks(pair, b);
      });
      let found = 0;
      const bySource = await timed(async () => {
        for (const b of chunks) found += (await linkIndex.findLinks(pair, 'source', b.map((l) => l.sourceId))).length;
      });
      const byDest = await timed(async () => {
        for (const b of chunks) found += (await linkIndex.findLinks(pair, 'dest', b.map((l) => l.destId))).length;
      });
      if (found !== 2 * TOTAL) throw new Error(`lookups found ${found} links, expected ${2 * TOTAL}`);
      await raw.query('TRUNCATE links');
      const rawSeconds = await timed(async () => {
        for (const b of chunks) await rawInsert(b);
      });
      const ratio = rate(TOTAL, insert) / rate(TOTAL, rawSeconds);
      console.log(
        `${String(size).padStart(5)} | ${fmt(rate(TOTAL, insert))} links/s       | ${fmt(rate(TOTAL, update))} links/s | ${fmt(rate(TOTAL, bySource))} links/s | ${fmt(rate(TOTAL, byDest))} links/s | ${fmt(rate(TOTAL, rawSeconds))} links/s | ${ratio.toFixed(2)}`,
      );
    }
  } finally {
    await linkIndex.close();
    await raw.query(`DROP SCHEMA ${SCHEMA} CASCADE`).catch(() => {});
    await raw.end();
  }
}

await main();
