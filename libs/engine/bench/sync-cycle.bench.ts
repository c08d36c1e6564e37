/**
 * Engine overhead: a first sync of N records through the whole cycle (pull, map, link lookups,
 * planning, batched writes, link and cursor saves) against the in-memory adapter and LinkIndex,
 * compared in the same run with the baseline of the same I/O done by hand: pulling every page from
 * the source and writing the records to the destination in the same batches. Prints records/s for
 * both, the ratio, and the peak memory growth per record.
 * Target: the cycle reaches at least 1/8 of the raw in-memory I/O rate (the in-memory "I/O" costs
 * next to nothing; against real APIs the engine's share is negligible),
 * and its peak memory grows by under 4 KiB per record.
 *
 *   node --import tsx libs/engine/bench/sync-cycle.bench.ts [N]
 */
import type { SyncJob, Throttle } from '../src/index.js';
import { runSyncCycle } from '../src/index.js';
import { copyJob, InMemoryAdapter, InMemoryLinkIndex } from '@syncframe/test-kit';

const N = Number(process.argv[2] ?? 20_000);
const BATCH = 100;
const free: Throttle = { acquire: async () => ({ sent: () => undefined, cancel: () => undefined }), pause: async () => undefined };

function seeded(): InMemoryAdapter {
  const a = new InMemoryAdapter({ adapter: 'bench-a', table: 'A', pageSize: 100, maxBatch: BATCH });
  for (let i = 0; i < N; i++) a.insert({ Name: `record ${i}`, Slug: `r-${i}`, Notes: 'x'.repeat(40) });
  return a;
}

async function baseline(): Promise<number> {
  const source = seeded();
  const dest = new InMemoryAdapter({ adapter: 'bench-b', table: 'B', maxBatch: BATCH });
  const t0 = performance.now();
  const records = [];
  for await (const page of source.pull({ value: null }, { throttle: free })) records.push(...page.records);
  for (let i = 0; i < records.length; i += BATCH) {
    await dest.write(records.slice(i, i + BATCH).map((r) => ({ kind: 'create' as const, fields: { name: r.fields.Name, slug: r.fields.Slug, notes: r.fields.Notes } })), { throttle: free });
  }
  return performance.now() - t0;
}

async function cycle(): Promise<{ ms: number; heapPerRecord: number }> {
  const source = seeded();
  const dest = new InMemoryAdapter({ adapter: 'bench-b', table: 'B', maxBatch: BATCH });
  const job: SyncJob = copyJob(source, dest, { batchSize: BATCH });
  // Peak resident memory is all the OS tells reliably: its growth during the cycle is what the cycle needed.
  const rss0 = process.resourceUsage().maxRSS * 1024;
  const t0 = performance.now();
  const result = await runSyncCycle(job, { linkIndex: new InMemoryLinkIndex() });
  const ms = performance.now() - t0;
  const peakGrowth = Math.max(0, process.resourceUsage().maxRSS * 1024 - rss0);
  if (result.status !== 'success' || dest.live().length !== N) throw new Error(`cycle did not sync everything: ${result.status}`);
  return { ms, heapPerRecord: peakGrowth / N };
}

await baseline(); // warm up
const base = await baseline();
const run = await cycle();
const rate = (ms: number) => Math.round((N / ms) * 1000).toLocaleString('en');
console.log(`engine first sync, ${N.toLocaleString('en')} records, batches of ${BATCH}`);
console.log(`raw pull + writes  : ${rate(base)} records/s`);
console.log(`full sync cycle    : ${rate(run.ms)} records/s`);
console.log(`cycle / raw        : ${(base / run.ms).toFixed(2)} (target >= 0.125)`);
console.log(`peak RSS growth / record : ${(run.heapPerRecord / 1024).toFixed(2)} KiB (target < 4 KiB)`);
