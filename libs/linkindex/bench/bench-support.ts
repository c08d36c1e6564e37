/**
 * Shared plumbing of the engine-growth benches (not a bench itself): a fresh PostgreSQL schema per
 * run, the seeded memory sides and the job over them, an RSS / heap sampler, counters of LinkIndex
 * calls and of SQL statements, and the JSON results file.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { LinkIndex, SyncJob, Throttle, ThrottleProvider } from '@syncframe/engine';
import { MemoryAdapter } from '@syncframe/builtin-adapters/memory-adapter';
import { copyJob as benchCopyJob } from '@syncframe/test-kit';
import type { LinkIndexStore } from '../src/index.js';
import { openLinkIndex } from '../src/index.js';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Records per write request, as in libs/engine/bench/sync-cycle.bench.ts (Webflow's batch limit too). */
export const BATCH = 100;
/** Records per pull page of the memory sides. */
export const PAGE = 100;

/** A throttle that admits every request at once: the benches measure the engine, not a rate limit. */
export const freeThrottle: Throttle = { acquire: async () => ({ sent: () => undefined, cancel: () => undefined }), pause: async () => undefined };
export const freeThrottles: ThrottleProvider = { throttleFor: () => freeThrottle };

// ---- PostgreSQL -------------------------------------------------------------------------------

/** A schema name of our own, e.g. `bench_3fa2c1d0`. */
export function benchSchema(): string {
  return `bench_${randomBytes(4).toString('hex')}`;
}

/** A migrated PostgreSQL LinkIndex in a fresh schema. */
export async function openBenchLinkIndex(schema: string): Promise<LinkIndexStore> {
  const { linkIndex } = await openLinkIndex({ driver: 'postgres', conn: DATABASE_URL, schema }, { migrate: true });
  return linkIndex;
}

/** Drops the bench's schemas (best effort: a failed bench must not hide its own error behind this one). */
export async function dropSchemas(schemas: readonly string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  try {
    for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`).catch(() => {});
  } finally {
    await admin.end();
  }
}

/**
 * Counts every SQL statement sent by any `pg` client of this process while `enabled` (BEGIN and
 * COMMIT included). The LinkIndex's pool is created inside `connectPostgres`, out of reach without
 * editing src; but drizzle's node-postgres driver sends everything through `pg.Client#query` (the
 * pool's own `query` too), so one wrapper on the prototype sees it all.
 */
export const sqlCounter = { enabled: false, statements: 0, text: new Map<string, number>() };
{
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    if (sqlCounter.enabled) {
      sqlCounter.statements++;
      const q = args[0];
      const text = typeof q === 'string' ? q : (q as { text?: string } | null)?.text ?? '?';
      const key = text.replace(/\s+/g, ' ').trim().slice(0, 60);
      sqlCounter.text.set(key, (sqlCounter.text.get(key) ?? 0) + 1);
    }
    return original.apply(this, args);
  };
}

/** Calls and time spent per LinkIndex method. */
export type CallStats = Map<string, { calls: number; ms: number }>;

/**
 * The LinkIndex behind a Proxy that counts calls of each method and the time until each settles
 * (calls run concurrently, so times may add up to more than the cycle).
 */
export function countingLinkIndex(inner: LinkIndex): { linkIndex: LinkIndex; stats: CallStats } {
  const stats: CallStats = new Map();
  const linkIndex = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return async (...args: unknown[]) => {
        const t0 = performance.now();
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          const s = stats.get(prop) ?? { calls: 0, ms: 0 };
          s.calls++;
          s.ms += performance.now() - t0;
          stats.set(prop, s);
        }
      };
    },
  });
  return { linkIndex, stats };
}

// ---- the job ------------------------------------------------------------------------------------

/** A memory source holding `n` records of three text fields (Notes ~40 chars). */
export function seededSource(n: number, table = 'A'): MemoryAdapter {
  const a = new MemoryAdapter({ adapter: 'bench-a', table, pageSize: PAGE, maxBatch: BATCH, idPrefix: 'a' });
  for (let i = 0; i < n; i++) a.insert({ Name: `record ${i}`, Slug: `r-${i}`, Notes: `notes of record ${i} `.padEnd(40, 'x') });
  return a;
}

export function emptyDest(table = 'B'): MemoryAdapter {
  return new MemoryAdapter({ adapter: 'bench-b', table, pageSize: PAGE, maxBatch: BATCH, idPrefix: 'b' });
}

/** A one-to-one copy job between the two sides (the test kit's, as in sync-cycle.bench.ts). */
export const copyJob = (source: MemoryAdapter, dest: MemoryAdapter): SyncJob => benchCopyJob(source, dest, { id: 'bench-growth', batchSize: BATCH });

// ---- memory ---------------------------------------------------------------------------------------

/**
 * Samples RSS and heapUsed every `everyMs` until stopped. A sample can only be taken when the event
 * loop is free, so a long synchronous stretch may hide a brief peak: `maxRssKernel` (the kernel's
 * high-water mark of the whole process, from getrusage) bounds it from above.
 */
export function memorySampler(everyMs = 50): { stop(): { peakRss: number; peakHeap: number; samples: number; maxRssKernel: number; maxGapMs: number } } {
  let peakRss = 0;
  let peakHeap = 0;
  let samples = 0;
  let last = performance.now();
  let maxGapMs = 0;
  const sample = () => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    samples++;
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { peakRss, peakHeap, samples, maxGapMs, maxRssKernel: process.resourceUsage().maxRSS * 1024 };
    },
  };
}

// ---- output ---------------------------------------------------------------------------------------

export const MiB = 1024 * 1024;
export const mib = (bytes: number) => (bytes / MiB).toFixed(1);
export const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** Writes `data` as bench/results/<name>-<timestamp>.json at the repository root; returns the path. */
export function writeResults(name: string, data: unknown): string {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

/** A plain text table: header row, then rows, columns padded to fit. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: readonly string[]) => cells.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}
