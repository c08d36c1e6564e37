/**
 * Fleet benchmark (not in CI):
 *
 *   latency   trigger latency: `POST /api/jobs/:id/runs` on the board to the run's start on an idle
 *             worker (the engine's `startedAt` of the run, same machine clock), p50 and p95 over 100
 *             triggers, each after the previous run ended. Target: p95 < 250 ms.
 *   scaling   20 jobs (each its own Airtable table and Webflow collection, 100 records one way, fakes
 *             answering after 100 ms, one batch in flight per side) triggered at once, run by 1, 2
 *             and 4 worker processes (concurrency 5 each): wall time from the triggers to the last
 *             run's end, and its ratio to 1 worker's. Ideal: 4 waves of 5 jobs on 1 worker, 2 on 2, 1 on 4.
 *
 * Prints a table per part and writes JSON under bench/results/.
 *
 *   npm run bench:fleet [-- latency scaling]
 * Needs Redis and PostgreSQL (REDIS_URL, DATABASE_URL).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { startBoard } from '@syncframe/board';
import { createLogger } from '@syncframe/engine';
import type { AirtableFake, WebflowFake } from '@syncframe/fakes';
import { startAirtableFake, startWebflowFake } from '@syncframe/fakes';
import type { RunQueue } from '@syncframe/fleet';
import { enqueueRun, openRunQueue } from '@syncframe/fleet';
import type { LinkIndexStore } from '@syncframe/linkindex';
import { openLinkIndex } from '@syncframe/linkindex';
import type { CliProcess } from '@syncframe/test-kit/fleet';
import { DATABASE_URL, freshSchema, REDIS_URL, spawnCli, tempDir, until, writeMappers } from '@syncframe/test-kit/fleet';

const ROOT = resolve(import.meta.dirname, '../../..');
const RESULTS = join(ROOT, 'bench/results');
const AT_TOKEN = 'patFleetBench0001.0123456789abcdef';
const WF_TOKEN = 'wfFleetBench0123456789abcdef0001';
const API_TOKEN = 'fleet-bench-api-token-0123456789abcdef';
const BASE = 'appFleetBench0001';
const SITE = 'site00000000000000fleetb';

/** One bench world: a schema, a queue prefix, a config file, and the test's own view of store and queue. */
interface World {
  readonly configPath: string;
  readonly env: Record<string, string>;
  readonly store: LinkIndexStore;
  readonly runs: RunQueue;
  close(): Promise<void>;
}

async function openWorld(config: (schema: string) => Record<string, unknown>, extraEnv: Record<string, string> = {}): Promise<World> {
  const { schema, drop } = await freshSchema();
  const dir = tempDir();
  writeMappers(dir);
  const configPath = join(dir, 'jobs.jsonc');
  writeFileSync(configPath, JSON.stringify(config(schema), null, 2));
  const prefix = `sf-bench-${randomUUID().slice(0, 8)}`;
  const env = {
    REDIS_URL, DATABASE_URL, AT_TOKEN, WF_TOKEN, SYNCFRAME_QUEUE_PREFIX: prefix, SYNCFRAME_API_TOKEN: API_TOKEN, LOG_LEVEL: 'warn', ...extraEnv,
  };
  const store = (await openLinkIndex({ driver: 'postgres', conn: DATABASE_URL, schema }, { migrate: true })).linkIndex;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const runs = openRunQueue(redis, prefix);
  return {
    configPath, env, store, runs,
    async close() {
      await runs.close();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await store.close();
      await drop();
    },
  };
}

async function startWorkers(world: World, n: number): Promise<CliProcess[]> {
  const workers = Array.from({ length: n }, () => spawnCli(['worker', '--config', world.configPath], { ...world.env, LOG_LEVEL: 'info' }));
  await Promise.all(workers.map((w) => w.waitFor(/worker started/, 60_000)));
  return workers;
}

async function stopWorkers(workers: CliProcess[]): Promise<void> {
  for (const w of workers) w.proc.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.exited));
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

function save(name: string, figures: unknown): void {
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`  → ${file}`);
}

const FREE = { max_reqs: 10_000, interval_sec: 1, batch_size: 10 };

// ---- latency ------------------------------------------------------------------------------------

async function latency(): Promise<void> {
  const TRIGGERS = 100;
  const world = await openWorld((schema) => ({
    linkindex: { driver: 'postgres', conn: '${DATABASE_URL}', schema },
    // Memory sides (no remote): the run itself costs next to nothing. Their default budget (50 a minute) would pace the triggers.
    jobs: [{ id: 'ping', sides: { a: { adapter: 'memory', table: 'A', throttle: FREE }, b: { adapter: 'memory', table: 'B', throttle: FREE } },
      mappings: { 'a->b': './at-to-wf.mjs', 'b->a': './wf-to-at.mjs' } }],
  }), { SYNCFRAME_WORKER_CONCURRENCY: '1' });
  const board = await startBoard({ configPath: world.configPath, env: world.env, port: 0, watchConfig: false, logger: createLogger({ level: 'silent' }) });
  const [worker] = await startWorkers(world, 1);
  const samples: { totalMs: number; httpMs: number; pickupMs: number }[] = [];
  try {
    for (let i = 0; i < TRIGGERS + 5; i++) {
      const t0 = Date.now();
      const res = await fetch(`${board.url}/api/jobs/ping/runs`, { method: 'POST', headers: { authorization: `Bearer ${API_TOKEN}` } });
      const httpMs = Date.now() - t0;
      const body = (await res.json()) as { runId: string; queueJobId: string; outcome: string };
      const { runId, queueJobId } = body;
      let started: number | null = null;
      await until(async () => {
        const run = await world.store.getRun(runId);
        if (run) started = Date.parse(run.startedAt);
        return run !== null;
      }, 10_000, `run ${runId} recorded`).catch(async (err: Error) => {
        const state = await world.runs.getJobState(queueJobId);
        const counts = await world.runs.getJobCounts();
        throw new Error(`${err.message} (trigger ${i}: ${JSON.stringify(body)}, state ${state}, ${JSON.stringify(counts)}); the worker said:\n${worker!.lines.slice(-2).join('\n')}`);
      });
      const job = await world.runs.getJob(queueJobId);
      // The first 5 warm the worker up (module loading, connections): not counted.
      if (i >= 5) samples.push({ totalMs: started! - t0, httpMs, pickupMs: (job?.processedOn ?? t0) - t0 });
      await until(async () => (await world.runs.getJob(queueJobId))?.finishedOn != null, 10_000, 'the run ended');
    }
  } finally {
    await stopWorkers([worker!]);
    await board.close();
    await world.close();
  }
  const total = samples.map((s) => s.totalMs).sort((a, b) => a - b);
  const pickup = samples.map((s) => s.pickupMs).sort((a, b) => a - b);
  const http = samples.map((s) => s.httpMs).sort((a, b) => a - b);
  const row = (label: string, v: number[]) => `${label.padEnd(34)} ${String(percentile(v, 50)).padStart(6)} ${String(percentile(v, 95)).padStart(6)} ${String(v[v.length - 1]).padStart(6)}`;
  console.log(`\nTrigger latency over ${samples.length} triggers on an idle worker (ms)`);
  console.log(`${''.padEnd(34)} ${'p50'.padStart(6)} ${'p95'.padStart(6)} ${'max'.padStart(6)}`);
  console.log(row('POST answered', http));
  console.log(row('POST → worker took the queue job', pickup));
  console.log(row('POST → run started (engine)', total));
  const p95 = percentile(total, 95);
  console.log(`target p95 < 250 ms: ${p95 < 250 ? 'met' : 'NOT met'} (${p95} ms)`);
  save('fleet-latency', { triggers: samples.length, p50: percentile(total, 50), p95, max: total[total.length - 1], http: { p50: percentile(http, 50), p95: percentile(http, 95) }, pickup: { p50: percentile(pickup, 50), p95: percentile(pickup, 95) }, samples });
}

// ---- scaling ------------------------------------------------------------------------------------

const JOBS = 20;
const RECORDS = 100;

async function scalingRound(airtable: AirtableFake, webflow: WebflowFake, workers: number, round: number): Promise<number> {
  const tables = Array.from({ length: JOBS }, (_, i) => `R${round}T${i}`);
  for (const table of tables) for (let r = 0; r < RECORDS; r++) airtable.insert(table, { Name: `${table} ${r}`, Slug: `${table.toLowerCase()}-${r}` });
  // One batch in flight per side: a job's run is sequential (about 12 requests × 100 ms), so the fleet's parallelism is what scales.
  const throttle = { max_reqs: 100, interval_sec: 1, batch_size: 10, concurrency: 1 };
  const world = await openWorld((schema) => ({
    linkindex: { driver: 'postgres', conn: '${DATABASE_URL}', schema },
    jobs: tables.map((table, i) => ({
      id: `job-${i}`,
      sides: {
        airtable: { adapter: 'airtable', table, api_url: airtable.url, last_modified_field: 'Last Modified', creds: { apiKey: '${AT_TOKEN}', baseId: BASE }, throttle },
        webflow: { adapter: 'webflow', collection: webflow.collectionId(`r${round}c${i}`), api_url: webflow.url, creds: { token: '${WF_TOKEN}' }, throttle },
      },
      mappings: { 'airtable->webflow': './at-to-wf.mjs', 'webflow->airtable': './wf-to-at.mjs' },
    })),
  }));
  const procs = await startWorkers(world, workers);
  try {
    const t0 = Date.now();
    const enqueued = await Promise.all(tables.map((_, i) => enqueueRun(world.runs, { id: `job-${i}` }, 'api')));
    await until(async () => {
      const jobs = await Promise.all(enqueued.map((e) => world.runs.getJob(e.queueJobId)));
      return jobs.every((j) => j?.finishedOn != null);
    }, 300_000, 'every run ended');
    const wall = Date.now() - t0;
    const failed = (await Promise.all(enqueued.map((e) => world.runs.getJob(e.queueJobId)))).filter((j) => j?.failedReason).length;
    if (failed > 0) throw new Error(`${failed} runs failed with ${workers} workers`);
    for (const [i] of tables.entries()) {
      const items = webflow.items(`r${round}c${i}`).length;
      if (items !== RECORDS) throw new Error(`job-${i}: ${items} of ${RECORDS} items synced`);
    }
    return wall;
  } finally {
    await stopWorkers(procs);
    await world.close();
  }
}

async function scaling(): Promise<void> {
  const counts = [1, 2, 4];
  const fields = [
    { name: 'Name', type: 'singleLineText' }, { name: 'Slug', type: 'singleLineText' },
    { name: 'Notes', type: 'multilineText' }, { name: 'Last Modified', type: 'lastModifiedTime' },
  ] as const;
  const tables = counts.flatMap((_, round) => Array.from({ length: JOBS }, (_, i) => ({ name: `R${round}T${i}`, fields: [...fields] })));
  const collections = counts.flatMap((_, round) => Array.from({ length: JOBS }, (_, i) => ({ slug: `r${round}c${i}`, fields: [{ slug: 'notes', type: 'PlainText' as const }] })));
  const latency = { minMs: 100, maxMs: 100 };
  const airtable = await startAirtableFake({ tokens: [AT_TOKEN], bases: { [BASE]: { tables } }, rateLimit: false, latency });
  // A budget far above what the fleet sends: with `rateLimit: false` the fake would still announce 60 a minute in
  // X-RateLimit-Remaining, and the limiter rightly believes the remote.
  const webflow = await startWebflowFake({ tokens: [WF_TOKEN], sites: { [SITE]: { collections } }, rateLimit: { perMinute: 1_000_000 }, latency });
  const walls: { workers: number; wallMs: number; ratio: number }[] = [];
  try {
    for (const [round, workers] of counts.entries()) {
      const wallMs = await scalingRound(airtable, webflow, workers, round);
      walls.push({ workers, wallMs, ratio: walls.length === 0 ? 1 : walls[0]!.wallMs / wallMs });
    }
  } finally {
    await airtable.close();
    await webflow.close();
  }
  console.log(`\nFleet scaling: ${JOBS} jobs × ${RECORDS} records, fakes answering after 100 ms, worker concurrency 5`);
  console.log(`${'workers'.padEnd(8)} ${'wall (s)'.padStart(9)} ${'speed-up vs 1'.padStart(14)}`);
  for (const w of walls) console.log(`${String(w.workers).padEnd(8)} ${(w.wallMs / 1000).toFixed(2).padStart(9)} ${w.ratio.toFixed(2).padStart(14)}`);
  save('fleet-scaling', { jobs: JOBS, records: RECORDS, latencyMs: 100, walls });
}

const parts = process.argv.slice(2);
const want = (part: string) => parts.length === 0 || parts.includes(part);
if (want('latency')) await latency();
if (want('scaling')) await scaling();
process.exit(0);
