/**
 * How the engine grows with the table, on a PostgreSQL LinkIndex and production MemoryAdapter sides.
 * Not a test: run it by hand and read the figures.
 *
 * 1. `initial`: a first sync of N records one way (source seeded with N records of three text
 *    fields, destination empty, free throttle, batches of 100), each N in a child process of its own
 *    so its memory figures are its own. Measured: records/s, peak RSS and peak heapUsed (sampled
 *    every 50 ms during the cycle, plus the kernel's RSS high-water mark), and, in the same process
 *    and run, the baseline: the same N link rows upserted through `pg` by hand (INSERT … SELECT
 *    unnest … ON CONFLICT DO UPDATE, 5000 rows a statement; also 100 a statement, the engine's batch).
 *    Targets: engine / raw >= 0.5; peak RSS < 1 GiB; memory that grows with a page, not with the
 *    table (RSS growth per record between the sizes, with the source table's own share taken out).
 * 2. `steady`: steady-state cycles over 1k, 10k and 100k linked records. After an untimed first
 *    sync, its echo cycle, a VACUUM ANALYZE of `links` and two warm-up rounds, times (a) a cycle with no changes and (b) a cycle after 100 source
 *    edits (and (c) the echo cycle that follows it), with the LinkIndex calls (a counting Proxy) and
 *    the SQL statements (a wrapper on `pg.Client#query`) per cycle, and the source pull alone.
 *    Target: cost grows with the number of changes, not with the table.
 *
 *   TSX_TSCONFIG_PATH=tsconfig.dev.json node --import tsx libs/linkindex/bench/engine-growth.bench.ts [initial|steady|all] [sizes]
 *
 * `BENCH_CPU_PROFILE=FILE` writes a CPU profile of the (last) initial cycle.
 *
 * `sizes` is a comma-separated list (default initial: 10000,50000,100000, or BENCH_N; steady:
 * 1000,10000,100000, or BENCH_STEADY_N). Connects to DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test), works in fresh `bench_<random>` schemas dropped at
 * the end, prints tables and writes the figures to bench/results/engine-growth-*.json.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Link, SyncJob, TablePair } from '@syncframe/engine';
import { runSyncCycle } from '@syncframe/engine';
import { FileRecordSpool } from '@syncframe/fleet';
import type { MemoryAdapter } from '@syncframe/builtin-adapters/memory-adapter';
import {
  BATCH, DATABASE_URL, MiB, benchSchema, copyJob, countingLinkIndex, dropSchemas, emptyDest, freeThrottle, freeThrottles, int,
  memorySampler, mib, openBenchLinkIndex, seededSource, sqlCounter, table, writeResults,
} from './bench-support.js';
import type { CallStats } from './bench-support.js';

const RAW_CHUNK = 5000;
const EDITS = 100;
const NO_CHANGE_CYCLES = 9;
const EDIT_ROUNDS = 5;
const ms = (x: number) => `${x.toFixed(1)} ms`;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

/** With a path, profiles the CPU until `stop()` and writes a .cpuprofile there (Chrome DevTools reads it). */
async function cpuProfiler(path: string | undefined): Promise<{ stop(): Promise<void> }> {
  if (!path) return { stop: async () => undefined };
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    stop: async () => {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(path, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

// ==== 1. initial sync ================================================================================

interface InitialResult {
  n: number;
  engineMs: number;
  /** CPU time (user + system) of the process during the cycle: near engineMs means the cycle is bound by its own CPU, not by PostgreSQL. */
  engineCpuMs: number;
  engineRate: number;
  rawMs: number;
  rawRate: number;
  raw100Ms: number;
  raw100Rate: number;
  ratio: number;
  /** RSS once the source is seeded, before the cycle. */
  rssBefore: number;
  peakRss: number;
  peakHeap: number;
  heapBefore: number;
  maxRssKernel: number;
  samples: number;
  /** What holding the seeded source table costs (heapUsed after seeding − before, after a GC), to tell it from the cycle's own memory. */
  sourceTableHeap: number;
  linkIndexCalls: Record<string, number>;
  /** Time until each LinkIndex call settled, summed per method (upserts overlap: up to 8 batches in flight). */
  linkIndexMs: Record<string, number>;
  sqlStatements: number;
  /** Per phase of the cycle (from its progress events): when it began (ms into the cycle), heapUsed and RSS then. */
  phases: Record<string, { atMs: number; heapUsed: number; rss: number }>;
  /** Longest gap between two memory samples: how long the event loop was blocked at worst. */
  maxSampleGapMs: number;
}

/** A link row as the engine writes it for record i (ids, base64url sha256 hashes, ISO time). */
function engineLikeLinks(n: number): Link[] {
  const hash = (i: number, salt: string) => `${salt}${i.toString(36)}`.padEnd(43, 'Q');
  const at = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    sourceId: `a${i + 1}`,
    destId: `b${i + 1}`,
    sourceHash: hash(i, 's'),
    destHash: hash(i, 'd'),
    deletedAt: null,
    syncedAt: new Date(at + i).toISOString(),
  }));
}

/** The baseline: the same link rows through `pg` by hand, `chunk` rows a statement. */
async function rawUpsert(pool: pg.Pool, pair: TablePair, rows: readonly Link[], chunk: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    await pool.query(
      `INSERT INTO links (src_adapter, src_table, dest_adapter, dest_table, src_id, dest_id, source_hash, dest_hash, deleted_at, synced_at)
       SELECT $1::text, $2::text, $3::text, $4::text, u.*
       FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[])
         AS u(src_id, dest_id, source_hash, dest_hash, deleted_at, synced_at)
       ON CONFLICT (src_adapter, src_table, dest_adapter, dest_table, src_id, dest_id)
       DO UPDATE SET source_hash = excluded.source_hash, dest_hash = excluded.dest_hash,
         deleted_at = excluded.deleted_at, synced_at = excluded.synced_at`,
      [
        pair.source.adapter, pair.source.table, pair.dest.adapter, pair.dest.table,
        part.map((l) => l.sourceId), part.map((l) => l.destId), part.map((l) => l.sourceHash), part.map((l) => l.destHash),
        part.map((l) => l.deletedAt), part.map((l) => l.syncedAt),
      ],
    );
  }
  return performance.now() - t0;
}

/** One N in this (child) process. */
async function initialChild(n: number): Promise<InitialResult> {
  const engineSchema = benchSchema();
  const rawSchema = benchSchema();
  const engineIndex = await openBenchLinkIndex(engineSchema);
  // The raw baseline writes into the real `links` table of a schema of its own, migrated the same way.
  await (await openBenchLinkIndex(rawSchema)).close();
  const pool = new pg.Pool({ connectionString: DATABASE_URL, options: `-c search_path=${rawSchema} -c TimeZone=UTC`, max: 1 });
  try {
    // Warm up both paths (JIT, plans, connections) on tables the measured runs never touch.
    const warmJob: SyncJob = { ...copyJob(seededSource(2_000, 'warm-A'), emptyDest('warm-B')), id: 'warm-up' };
    await runSyncCycle(warmJob, { linkIndex: engineIndex, throttles: freeThrottles });
    const warmPair: TablePair = { source: { adapter: 'warm', table: 'A' }, dest: { adapter: 'warm', table: 'B' } };
    await rawUpsert(pool, warmPair, engineLikeLinks(2_000), RAW_CHUNK);

    gc();
    const heap0 = process.memoryUsage().heapUsed;
    const source = seededSource(n);
    const dest = emptyDest();
    gc();
    const before = process.memoryUsage();
    const { linkIndex, stats } = countingLinkIndex(engineIndex);

    sqlCounter.enabled = true;
    const phases: InitialResult['phases'] = {};
    const sampler = memorySampler(50);
    const profile = await cpuProfiler(process.env.BENCH_CPU_PROFILE);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const onProgress = ({ phase }: { phase: string }) => {
      if (phases[phase]) return;
      const m = process.memoryUsage();
      phases[phase] = { atMs: performance.now() - t0, heapUsed: m.heapUsed, rss: m.rss };
    };
    const result = await runSyncCycle(copyJob(source, dest), { linkIndex, throttles: freeThrottles, onProgress, openSpool: () => FileRecordSpool.open() }, { keepPlan: false });
    const engineMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    await profile.stop();
    const engineCpuMs = (cpu.user + cpu.system) / 1000;
    const mem = sampler.stop();
    sqlCounter.enabled = false;
    const written = result.summary?.counts.dest.created ?? 0;
    if (result.status !== 'success' || written !== n) throw new Error(`the cycle did not sync everything: ${result.status}, ${written} created`);

    const pair: TablePair = { source: source.ref, dest: dest.ref };
    const rows = engineLikeLinks(n);
    // Best of two runs of the baseline (the machine is shared), with the engine's batch size in between.
    const rawFirstMs = await rawUpsert(pool, pair, rows, RAW_CHUNK);
    await pool.query('TRUNCATE links');
    const raw100Ms = await rawUpsert(pool, pair, rows, BATCH);
    await pool.query('TRUNCATE links');
    const rawMs = Math.min(rawFirstMs, await rawUpsert(pool, pair, rows, RAW_CHUNK));

    const rate = (ms: number) => (n / ms) * 1000;
    return {
      n, engineMs, engineCpuMs, engineRate: rate(engineMs), rawMs, rawRate: rate(rawMs), raw100Ms, raw100Rate: rate(raw100Ms),
      ratio: rate(engineMs) / rate(rawMs),
      rssBefore: before.rss, heapBefore: before.heapUsed, peakRss: mem.peakRss, peakHeap: mem.peakHeap,
      maxRssKernel: mem.maxRssKernel, samples: mem.samples, sourceTableHeap: before.heapUsed - heap0,
      linkIndexCalls: Object.fromEntries([...stats].map(([k, v]) => [k, v.calls])),
      linkIndexMs: Object.fromEntries([...stats].map(([k, v]) => [k, v.ms])),
      sqlStatements: sqlCounter.statements, phases, maxSampleGapMs: mem.maxGapMs,
    };
  } finally {
    await engineIndex.close();
    await pool.end();
    await dropSchemas([engineSchema, rawSchema]);
  }
}

function reportInitial(results: InitialResult[]): void {
  console.log(`\n== 1. initial sync, one way, batches of ${BATCH}, PostgreSQL LinkIndex; raw = pg unnest upsert ==`);
  console.log(table(
    ['N', 'engine rec/s', 'raw rec/s (5000/stmt)', 'engine/raw', 'raw rec/s (100/stmt)', 'engine s', 'engine CPU s', 'RSS before', 'peak RSS', 'kernel max RSS', 'heap before', 'peak heap', 'source table heap', 'LinkIndex calls', 'SQL stmts'],
    results.map((r) => [
      int(r.n), int(r.engineRate), int(r.rawRate), r.ratio.toFixed(2), int(r.raw100Rate), (r.engineMs / 1000).toFixed(1), (r.engineCpuMs / 1000).toFixed(1),
      `${mib(r.rssBefore)} MiB`, `${mib(r.peakRss)} MiB`, `${mib(r.maxRssKernel)} MiB`, `${mib(r.heapBefore)} MiB`, `${mib(r.peakHeap)} MiB`, `${mib(r.sourceTableHeap)} MiB`,
      int(Object.values(r.linkIndexCalls).reduce((a, b) => a + b, 0)), int(r.sqlStatements),
    ]),
  ));
  console.log('\nwhere the cycle spends its time and memory (phase starts from the progress events; heap is heapUsed, no GC forced)');
  console.log(table(
    ['N', 'pull', 'plan', 'push + record', 'findLinks (sum)', 'upsertLinks (sum)', 'heap before', 'heap at plan start', 'heap at push start', 'peak heap', 'max sample gap'],
    results.map((r) => {
      const p = r.phases;
      const at = (k: string) => p[k]?.atMs ?? NaN;
      return [
        int(r.n), ms(at('plan')), ms(at('push') - at('plan')), ms(r.engineMs - at('push')),
        ms(r.linkIndexMs.findLinks ?? 0), ms(r.linkIndexMs.upsertLinks ?? 0),
        `${mib(r.heapBefore)} MiB`, `${mib(p.plan?.heapUsed ?? NaN)} MiB`, `${mib(p.push?.heapUsed ?? NaN)} MiB`, `${mib(r.peakHeap)} MiB`, ms(r.maxSampleGapMs),
      ];
    }),
  ));
  const sorted = [...results].sort((a, b) => a.n - b.n);
  const growth: { from: number; to: number; rssPerRecord: number; cycleRssPerRecord: number; heapPerRecord: number }[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    const dn = b.n - a.n;
    growth.push({
      from: a.n, to: b.n,
      rssPerRecord: (b.peakRss - a.peakRss) / dn,
      // The cycle's own share: the peak over the RSS it started from (the seeded source is the table itself).
      cycleRssPerRecord: (b.peakRss - b.rssBefore - (a.peakRss - a.rssBefore)) / dn,
      heapPerRecord: (b.peakHeap - b.heapBefore - (a.peakHeap - a.heapBefore)) / dn,
    });
  }
  if (growth.length > 0) {
    console.log('\npeak memory growth per record between sizes (a cycle whose memory grows with a page shows ~0 in the last two columns)');
    console.log(table(
      ['between', 'peak RSS / record', 'cycle RSS (peak − before) / record', 'cycle heap (peak − before) / record'],
      growth.map((g) => [`${int(g.from)} → ${int(g.to)}`, `${(g.rssPerRecord / 1024).toFixed(2)} KiB`, `${(g.cycleRssPerRecord / 1024).toFixed(2)} KiB`, `${(g.heapPerRecord / 1024).toFixed(2)} KiB`]),
    ));
  }
  const head = sorted.find((r) => r.n === 100_000) ?? sorted[sorted.length - 1]!;
  console.log(`\ntargets at N = ${int(head.n)}:`);
  console.log(`  engine/raw >= 0.5          : ${head.ratio.toFixed(2)} ${head.ratio >= 0.5 ? 'MET' : 'NOT MET'}`);
  const worstRss = Math.max(...sorted.map((r) => Math.max(r.peakRss, r.maxRssKernel)));
  console.log(`  peak RSS < 1 GiB           : ${mib(worstRss)} MiB at the largest N ${worstRss < 1024 * MiB ? 'MET' : 'NOT MET'}`);
  const last = growth[growth.length - 1];
  if (last) {
    const perPage = last.cycleRssPerRecord < 256; // a page-bounded cycle adds well under a few hundred bytes a record
    console.log(`  memory grows with a page   : cycle adds ${(last.cycleRssPerRecord / 1024).toFixed(2)} KiB RSS / record (${int(last.from)} → ${int(last.to)}) ${perPage ? 'MET' : 'NOT MET: it grows with the table'}`);
  }
}

// ==== 2. steady state =================================================================================

interface CycleFigures {
  ms: number;
  pulled: { source: number; dest: number };
  writes: number;
  linkIndex: Record<string, { calls: number; ms: number }>;
  linkIndexCalls: number;
  linkIndexMs: number;
  sqlStatements: number;
  sql: Record<string, number>;
}

interface SteadyResult {
  n: number;
  initialMs: number;
  echoMs: number;
  noChange: CycleFigures[];
  edits: CycleFigures[];
  echoOfEdits: CycleFigures[];
  /** The source's pull alone, from its saved cursor: with nothing changed, and with the 100 edits pending. */
  pullAloneNoChangeMs: number[];
  pullAloneEditsMs: number[];
}

async function timedCycle(job: SyncJob, linkIndex: ReturnType<typeof countingLinkIndex>['linkIndex'], stats: CallStats): Promise<CycleFigures> {
  stats.clear();
  sqlCounter.statements = 0;
  sqlCounter.text.clear();
  sqlCounter.enabled = true;
  const t0 = performance.now();
  const result = await runSyncCycle(job, { linkIndex, throttles: freeThrottles });
  const elapsed = performance.now() - t0;
  sqlCounter.enabled = false;
  if (result.status !== 'success' || !result.summary) throw new Error(`cycle ${result.status}`);
  const c = result.summary.counts;
  const li = Object.fromEntries([...stats].map(([k, v]) => [k, { calls: v.calls, ms: v.ms }]));
  return {
    ms: elapsed,
    pulled: { source: c.source.pulled, dest: c.dest.pulled },
    writes: c.source.created + c.source.updated + c.source.deleted + c.dest.created + c.dest.updated + c.dest.deleted,
    linkIndex: li,
    linkIndexCalls: [...stats.values()].reduce((a, s) => a + s.calls, 0),
    linkIndexMs: [...stats.values()].reduce((a, s) => a + s.ms, 0),
    sqlStatements: sqlCounter.statements,
    sql: Object.fromEntries(sqlCounter.text),
  };
}

/** Time to pull every page of `adapter` after `cursorValue`, as the cycle's pull stage does (without its retries). */
async function pullAlone(adapter: MemoryAdapter, cursorValue: string | null): Promise<number> {
  const t0 = performance.now();
  for await (const page of adapter.pull({ value: cursorValue }, { throttle: freeThrottle })) void page;
  return performance.now() - t0;
}

async function steadyChild(n: number): Promise<SteadyResult> {
  const schema = benchSchema();
  const inner = await openBenchLinkIndex(schema);
  try {
    const source = seededSource(n);
    const dest = emptyDest();
    const job = copyJob(source, dest);
    const { linkIndex, stats } = countingLinkIndex(inner);

    let t0 = performance.now();
    await runSyncCycle(job, { linkIndex, throttles: freeThrottles });
    const initialMs = performance.now() - t0;
    // The first sync's creates come back as the destination's changes once: an echo cycle, then quiet.
    t0 = performance.now();
    await runSyncCycle(job, { linkIndex, throttles: freeThrottles });
    const echoMs = performance.now() - t0;
    // Steady state of the database too: the bulk load's dead tuples vacuumed and statistics taken, as
    // autovacuum would have done by then (otherwise it may run during the measured cycles).
    const admin = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path=${schema}` });
    await admin.connect();
    await admin.query('VACUUM (ANALYZE) links').finally(() => admin.end());

    const editRound = (round: number) => {
      // 100 records spread over the table, a different set each round.
      for (let e = 0; e < EDITS; e++) {
        const idx = (Math.floor((e * n) / EDITS) + round * 7) % n;
        source.edit(`a${idx + 1}`, { Notes: `edited in round ${round} `.padEnd(40, 'y') });
      }
    };
    // Warm-up (JIT) of the edit and no-change paths, untimed.
    for (let round = 0; round < 2; round++) {
      editRound(100 + round);
      await timedCycle(job, linkIndex, stats);
      await timedCycle(job, linkIndex, stats);
      await timedCycle(job, linkIndex, stats);
    }

    const noChange: CycleFigures[] = [];
    const pullAloneNoChangeMs: number[] = [];
    for (let i = 0; i < NO_CHANGE_CYCLES; i++) {
      const cursor = await inner.loadCursor(job.id, source.ref);
      pullAloneNoChangeMs.push(await pullAlone(source, cursor.value));
      noChange.push(await timedCycle(job, linkIndex, stats));
    }

    const edits: CycleFigures[] = [];
    const echoOfEdits: CycleFigures[] = [];
    const pullAloneEditsMs: number[] = [];
    for (let round = 0; round < EDIT_ROUNDS; round++) {
      editRound(round);
      const cursor = await inner.loadCursor(job.id, source.ref);
      pullAloneEditsMs.push(await pullAlone(source, cursor.value));
      edits.push(await timedCycle(job, linkIndex, stats));
      echoOfEdits.push(await timedCycle(job, linkIndex, stats));
    }
    for (const f of noChange) if (f.pulled.source + f.pulled.dest !== 0) throw new Error(`a no-change cycle pulled ${JSON.stringify(f.pulled)}`);
    for (const f of edits) if (f.pulled.source !== EDITS || f.writes !== EDITS) throw new Error(`an edit cycle pulled ${JSON.stringify(f.pulled)}, wrote ${f.writes}`);
    return { n, initialMs, echoMs, noChange, edits, echoOfEdits, pullAloneNoChangeMs, pullAloneEditsMs };
  } finally {
    await inner.close();
    await dropSchemas([schema]);
  }
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

function reportSteady(results: SteadyResult[]): void {
  console.log(`\n== 2. steady-state cycles (median and min of ${NO_CHANGE_CYCLES} no-change cycles, of ${EDIT_ROUNDS} cycles after ${EDITS} edits) ==`);
  const kinds: [string, (r: SteadyResult) => CycleFigures[]][] = [
    ['no change', (r) => r.noChange],
    [`${EDITS} edits`, (r) => r.edits],
    [`echo of ${EDITS} edits`, (r) => r.echoOfEdits],
  ];
  const rows: string[][] = [];
  for (const r of results) {
    for (const [label, pick] of kinds) {
      const fs = pick(r);
      const f = fs[0]!;
      rows.push([
        int(r.n), label, `${ms(median(fs.map((x) => x.ms)))} (min ${ms(Math.min(...fs.map((x) => x.ms)))})`, `${f.pulled.source}/${f.pulled.dest}`, int(f.writes),
        int(median(fs.map((x) => x.linkIndexCalls))), ms(median(fs.map((x) => x.linkIndexMs))), int(median(fs.map((x) => x.sqlStatements))),
        Object.entries(f.linkIndex).map(([k, v]) => `${k}×${v.calls}`).join(' '),
      ]);
    }
  }
  console.log(table(['linked', 'cycle', 'time / cycle, median (min)', 'pulled src/dest', 'writes', 'LinkIndex calls', 'LinkIndex time', 'SQL stmts', 'LinkIndex calls by method'], rows));

  console.log('\nwhere the time goes (medians): source pull alone vs. the cycle; LinkIndex time per method');
  console.log(table(
    ['linked', 'pull alone, no change', 'pull alone, 100 edits', 'no-change cycle', 'edit cycle', 'first sync', 'echo cycle of first sync'],
    results.map((r) => [
      int(r.n), ms(median(r.pullAloneNoChangeMs)), ms(median(r.pullAloneEditsMs)), ms(median(r.noChange.map((f) => f.ms))),
      ms(median(r.edits.map((f) => f.ms))), `${(r.initialMs / 1000).toFixed(1)} s`, `${(r.echoMs / 1000).toFixed(1)} s`,
    ]),
  ));
  const methods = [...new Set(results.flatMap((r) => r.edits.flatMap((f) => Object.keys(f.linkIndex))))].sort();
  console.log(table(
    ['linked / cycle', ...methods],
    results.flatMap((r) => [
      [`${int(r.n)} no change`, ...methods.map((m) => ms(median(r.noChange.map((f) => f.linkIndex[m]?.ms ?? 0))))],
      [`${int(r.n)} ${EDITS} edits`, ...methods.map((m) => ms(median(r.edits.map((f) => f.linkIndex[m]?.ms ?? 0))))],
    ]),
  ));
  const sorted = [...results].sort((a, b) => a.n - b.n);
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  const grow = (pick: (r: SteadyResult) => number) => pick(last) / pick(first);
  console.log(`\nfrom ${int(first.n)} to ${int(last.n)} linked records (×${last.n / first.n}):`);
  console.log(`  no-change cycle time ×${grow((r) => median(r.noChange.map((f) => f.ms))).toFixed(2)}, edit cycle time ×${grow((r) => median(r.edits.map((f) => f.ms))).toFixed(2)}, ` +
    `statements per cycle ${median(first.edits.map((f) => f.sqlStatements))} → ${median(last.edits.map((f) => f.sqlStatements))}`);
}

// ==== driver ==========================================================================================

const sizesOf = (arg: string | undefined, env: string | undefined, fallback: number[]) =>
  (arg ?? env)?.split(',').map((s) => Number(s.replace(/_/g, ''))).filter((x) => Number.isInteger(x) && x > 0) ?? fallback;

/** Runs one size in a child process (its own heap and RSS high-water mark) and returns its figures. */
function inChild<T>(kind: 'initial' | 'steady', n: number): T {
  const self = fileURLToPath(import.meta.url);
  console.error(`-- ${kind} N=${int(n)} …`);
  const child = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', self, '--child', kind, String(n)], {
    stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 * MiB,
  });
  const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (child.status !== 0 || !line) throw new Error(`${kind} N=${n} failed (exit ${child.status}): ${child.stdout.slice(-2000)}`);
  return JSON.parse(line.slice('RESULT '.length)) as T;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const n = Number(args[2]);
    const result = args[1] === 'initial' ? await initialChild(n) : await steadyChild(n);
    console.log(`RESULT ${JSON.stringify(result)}`);
    return;
  }
  const mode = args[0] ?? 'all';
  if (!['initial', 'steady', 'all'].includes(mode)) throw new Error(`usage: engine-growth.bench.ts [initial|steady|all] [sizes]`);
  const meta = { node: process.version, batch: BATCH, rawChunk: RAW_CHUNK, at: new Date().toISOString() };
  if (mode !== 'steady') {
    const sizes = sizesOf(mode === 'initial' ? args[1] : undefined, process.env.BENCH_N, [10_000, 50_000, 100_000]);
    const results = sizes.map((n) => inChild<InitialResult>('initial', n));
    reportInitial(results);
    console.log(`figures: ${writeResults('engine-growth-initial', { ...meta, results })}`);
  }
  if (mode !== 'initial') {
    const sizes = sizesOf(mode === 'steady' ? args[1] : undefined, process.env.BENCH_STEADY_N, [1_000, 10_000, 100_000]);
    const results = sizes.map((n) => inChild<SteadyResult>('steady', n));
    reportSteady(results);
    console.log(`figures: ${writeResults('engine-growth-steady', { ...meta, results })}`);
  }
}

await main();
