/**
 * Saturation benchmark: how close the limiter gets to each API's ceiling without a 429, measured
 * where the remote measures it, on arrival at the fakes (not in CI: it takes about a minute).
 *
 *   (a) one `syncframe sync`: 500 Webflow items into an empty Airtable table;
 *   (b) two jobs on two tables of one Airtable base, 300 items each, run by 3 worker processes;
 *   (c) Airtable → Webflow with Webflow's per-minute budget scaled down (20 per 4 s).
 *
 * Both fakes answer after 200–400 ms (uniform), Airtable locks a base out for the real 30 s after
 * a 429. Each scenario prints requests/s ÷ ceiling on the busy phase, 429s and the most requests
 * in any window, beside the ideal, and writes JSON under bench/results/.
 *
 *   npm run bench:saturation [-- a b c]           the current sources
 *   SYNCFRAME_CLI=/path/to/apps/cli/bin/syncframe.js BENCH_LABEL=old npm run bench:saturation
 *                                                 another build (e.g. an older commit) against the same fakes
 * Needs Redis and PostgreSQL (REDIS_URL, DATABASE_URL).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import type { AirtableFake } from '@syncframe/fakes';
import { startAirtableFake } from '@syncframe/fakes';
import type { WebflowFake } from '@syncframe/fakes';
import { startWebflowFake } from '@syncframe/fakes';
import { maxInWindow } from '@syncframe/test-kit';
import type { CliProcess } from '@syncframe/test-kit/fleet';
import { DATABASE_URL, freshSchema, REDIS_URL, spawnCli, tempDir, until, writeMappers } from '@syncframe/test-kit/fleet';

const ROOT = resolve(import.meta.dirname, '../../..');
const RESULTS = join(ROOT, 'bench/results');
const BUILT_CLI = process.env.SYNCFRAME_CLI || undefined;
const LABEL = process.env.BENCH_LABEL || (BUILT_CLI ? 'other-build' : 'current');
const LATENCY = { minMs: 200, maxMs: 400 };
const AT_TOKEN = 'patBenchToken00001.0123456789abcdef';
const WF_TOKEN = 'wfBenchToken0123456789abcdef0001';
const BASE = 'appBenchBase00001';
const SITE = 'site0000000000000000bench';
const AT_FIELDS = [
  { name: 'Name', type: 'singleLineText' }, { name: 'Slug', type: 'singleLineText' },
  { name: 'Notes', type: 'multilineText' }, { name: 'Last Modified', type: 'lastModifiedTime' },
] as const;

/** What one scenario measured at one account, on arrival at its fake. */
interface AccountFigures {
  readonly account: string;
  readonly ceiling: { readonly maxReqs: number; readonly windowMs: number };
  /** Requests the remote counted (admitted), and how many were writes. */
  readonly requests: number;
  readonly writes: number;
  readonly rateLimited: number;
  /** The most requests that arrived in any closed window, refused ones included: must never exceed maxReqs. */
  readonly peakInWindow: number;
  /** The busy phase: from the first write's arrival to the last's, with every request counted in it. */
  readonly writePhase: {
    readonly spanMs: number;
    /** What a perfect limiter needs for the same requests from the same start (see `idealSpan`). */
    readonly idealSpanMs: number;
    /** idealSpanMs ÷ spanMs: the achieved rate as a share of the ceiling (1 = at the ceiling). */
    readonly shareOfCeiling: number;
    /** (requests − 1) ÷ span. */
    readonly requestsPerSecond: number;
  };
}

interface ScenarioResult {
  readonly scenario: string;
  readonly build: string;
  readonly description: string;
  readonly records: number;
  readonly wallMs: number;
  readonly accounts: AccountFigures[];
  readonly at: string;
}

function figures(
  fake: AirtableFake | WebflowFake, scope: string, account: string, ceiling: AccountFigures['ceiling'],
): AccountFigures {
  const admitted = fake.arrivals.filter((a) => a.admitted && !a.foreign && a.scopes.includes(scope)).map((a) => a.at).sort((x, y) => x - y);
  // The request log keeps arrival times too; a 429 there is the limiter's (the bench injects no faults).
  const writes = fake.requests.filter((r) => r.method !== 'GET' && r.status !== 429).map((r) => r.at).sort((x, y) => x - y);
  const first = writes[0] ?? 0;
  const last = writes[writes.length - 1] ?? 0;
  // Every request the account counted while the writes went on (lookups share the budget).
  const busy = admitted.filter((t) => t >= first && t <= last);
  const spanMs = last - first;
  const idealSpanMs = idealSpan(admitted.filter((t) => t < first && t >= first - ceiling.windowMs), first, busy.length, ceiling);
  return {
    account, ceiling,
    requests: admitted.length,
    writes: writes.length,
    rateLimited: fake.arrivals.filter((a) => !a.admitted && a.scopes.includes(scope)).length,
    // Every arrival the client caused (a fake refuses the excess, so admitted ones alone never show it).
    peakInWindow: maxInWindow(fake.arrivals.filter((a) => !a.foreign && a.scopes.includes(scope)).map((a) => a.at), ceiling.windowMs),
    writePhase: {
      spanMs: Math.round(spanMs), idealSpanMs: Math.round(idealSpanMs),
      shareOfCeiling: spanMs > 0 ? round(idealSpanMs / spanMs) : 1,
      requestsPerSecond: spanMs > 0 ? round(((busy.length - 1) / spanMs) * 1000) : 0,
    },
  };
}

/**
 * How long a perfect limiter (no margin, no latency, sending the instant the closed window allows)
 * needs to deliver `n` requests from `start`, given the requests already in the window before it:
 * the yardstick of the busy phase, free of rounding to whole windows.
 */
function idealSpan(prior: readonly number[], start: number, n: number, ceiling: AccountFigures['ceiling']): number {
  const times = [...prior];
  let t = start;
  for (let k = 0; k < n; k++) {
    if (times.length >= ceiling.maxReqs) t = Math.max(t, times[times.length - ceiling.maxReqs]! + ceiling.windowMs + 0.001);
    times.push(t);
  }
  return t - start;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** The bench's world: fakes, a fresh schema, a queue prefix, a config directory. */
async function world(setup: { webflowLimit?: { perMinute: number; windowMs: number; retryAfterSec: number }; tables: string[] }) {
  const airtable = await startAirtableFake({
    tokens: [AT_TOKEN],
    bases: { [BASE]: { tables: setup.tables.map((name) => ({ name, fields: [...AT_FIELDS] })) } },
    rateLimit: { perSecond: 5, penaltyMs: 30_000 },
    latency: LATENCY,
  });
  const webflow = await startWebflowFake({
    tokens: [WF_TOKEN],
    sites: { [SITE]: { collections: setup.tables.map((t) => ({ slug: t.toLowerCase(), fields: [{ slug: 'notes', type: 'PlainText' }] })) } },
    rateLimit: setup.webflowLimit ?? { perMinute: 60, windowMs: 60_000, retryAfterSec: 60 },
    latency: LATENCY,
  });
  const schema = await freshSchema();
  const dir = tempDir();
  writeMappers(dir);
  const prefix = `sf-bench-${randomUUID().slice(0, 8)}`;
  const env = {
    REDIS_URL, DATABASE_URL, AT_TOKEN, WF_TOKEN, SYNCFRAME_QUEUE_PREFIX: prefix, LOG_LEVEL: 'info',
    SYNCFRAME_WORKER_CONCURRENCY: '2', SYNCFRAME_BUSY_RETRY_MS: '300',
  };
  const job = (id: string, table: string, throttle?: { webflow?: Record<string, number> }) => ({
    id,
    sides: {
      airtable: { adapter: 'airtable', table, api_url: airtable.url, last_modified_field: 'Last Modified', creds: { apiKey: '${AT_TOKEN}', baseId: BASE } },
      webflow: {
        adapter: 'webflow', collection: webflow.collectionId(table.toLowerCase()), api_url: webflow.url, creds: { token: '${WF_TOKEN}' },
        ...(throttle?.webflow ? { throttle: throttle.webflow } : {}),
      },
    },
    mappings: { 'airtable->webflow': './at-to-wf.mjs', 'webflow->airtable': './wf-to-at.mjs' },
    match: { airtable: 'Slug', webflow: 'slug' },
    retries: { max_attempts: 8, backoff_sec: 1, disable_job_after: 50 },
  });
  const writeConfig = (jobs: unknown[]) => {
    const path = join(dir, 'jobs.jsonc');
    writeFileSync(path, `// saturation bench\n${JSON.stringify({ linkindex: { driver: 'postgres', conn: '${DATABASE_URL}', schema: schema.schema }, jobs }, null, 2)}\n`);
    return path;
  };
  const processes: CliProcess[] = [];
  const cli = (args: string[]) => {
    const p = spawnCli(args, env, BUILT_CLI);
    processes.push(p);
    return p;
  };
  return {
    airtable, webflow, job, writeConfig, cli,
    async close() {
      for (const p of processes) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
      await Promise.all(processes.map((p) => p.exited));
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await schema.drop();
      await airtable.close();
      await webflow.close();
    },
  };
}

function seedWebflow(webflow: WebflowFake, collection: string, n: number): void {
  for (let i = 0; i < n; i++) webflow.insert(collection, { name: `Item ${i}`, slug: `${collection}-${i}`, notes: `note ${i}` }, { isDraft: false });
}

async function expectExit(p: CliProcess, what: string): Promise<void> {
  const code = await p.exited;
  if (code !== 0) throw new Error(`${what} exited ${code}:\n${p.lines.slice(-20).join('\n')}`);
}

const AIRTABLE_CEILING = { maxReqs: 5, windowMs: 1000 };

const scenarios: Record<string, () => Promise<ScenarioResult>> = {
  async a() {
    const w = await world({ tables: ['Videos'] });
    try {
      seedWebflow(w.webflow, 'videos', 500);
      const config = w.writeConfig([w.job('bench-a', 'Videos')]);
      const t0 = Date.now();
      await expectExit(w.cli(['sync', '--job', 'bench-a', '--config', config]), 'syncframe sync');
      const wallMs = Date.now() - t0;
      if (w.airtable.records('Videos').length !== 500) throw new Error(`expected 500 Airtable records, got ${w.airtable.records('Videos').length}`);
      return {
        scenario: 'a', build: LABEL, description: 'one syncframe sync: 500 Webflow items into an empty Airtable table', records: 500, wallMs,
        accounts: [figures(w.airtable, `base:${BASE}`, `airtable base ${BASE}`, AIRTABLE_CEILING)], at: new Date().toISOString(),
      };
    } finally {
      await w.close();
    }
  },

  async b() {
    const w = await world({ tables: ['Videos', 'Talks'] });
    try {
      seedWebflow(w.webflow, 'videos', 300);
      seedWebflow(w.webflow, 'talks', 300);
      const config = w.writeConfig([w.job('bench-b-videos', 'Videos'), w.job('bench-b-talks', 'Talks')]);
      const workers = [0, 1, 2].map(() => w.cli(['worker', '--config', config]));
      await Promise.all(workers.map((p) => p.waitFor(/worker started/, 60_000)));
      const t0 = Date.now();
      await expectExit(w.cli(['enqueue', '--job', 'bench-b-videos', '--config', config]), 'enqueue');
      await expectExit(w.cli(['enqueue', '--job', 'bench-b-talks', '--config', config]), 'enqueue');
      await until(() => w.airtable.records('Videos').length === 300 && w.airtable.records('Talks').length === 300, 600_000, 'both tables hold 300 records');
      const wallMs = Date.now() - t0;
      return {
        scenario: 'b', build: LABEL, description: 'two jobs on two tables of one Airtable base, 300 items each, 3 worker processes', records: 600, wallMs,
        accounts: [figures(w.airtable, `base:${BASE}`, `airtable base ${BASE}`, AIRTABLE_CEILING)], at: new Date().toISOString(),
      };
    } finally {
      await w.close();
    }
  },

  async c() {
    const webflowLimit = { perMinute: 20, windowMs: 4000, retryAfterSec: 4 };
    const w = await world({ tables: ['Videos'], webflowLimit });
    try {
      for (let i = 0; i < 800; i++) w.airtable.insert('Videos', { Name: `Item ${i}`, Slug: `videos-${i}` });
      const config = w.writeConfig([w.job('bench-c', 'Videos', { webflow: { max_reqs: 20, interval_sec: 4, batch_size: 10 } })]);
      const t0 = Date.now();
      await expectExit(w.cli(['sync', '--job', 'bench-c', '--config', config]), 'syncframe sync');
      const wallMs = Date.now() - t0;
      if (w.webflow.items('videos').length !== 800) throw new Error(`expected 800 Webflow items, got ${w.webflow.items('videos').length}`);
      return {
        scenario: 'c', build: LABEL, description: 'one syncframe sync: 800 Airtable records into Webflow, its budget scaled to 20 per 4 s', records: 800, wallMs,
        accounts: [figures(w.webflow, w.webflow.tokenScope(WF_TOKEN), 'webflow token', { maxReqs: webflowLimit.perMinute, windowMs: webflowLimit.windowMs })],
        at: new Date().toISOString(),
      };
    } finally {
      await w.close();
    }
  },
};

const wanted = process.argv.slice(2).filter((a) => a in scenarios);
mkdirSync(RESULTS, { recursive: true });
console.log(`saturation benchmark (${LABEL}${BUILT_CLI ? `: ${BUILT_CLI}` : ''}); latency ${LATENCY.minMs}–${LATENCY.maxMs} ms; targets: >= 0.95 of the ceiling, 0 × 429, never above the limit`);
console.log('scenario  account                         requests  writes  429s  peak/limit  write phase  ideal     share  req/s');
for (const name of wanted.length > 0 ? wanted : Object.keys(scenarios)) {
  const result = await scenarios[name]!();
  writeFileSync(join(RESULTS, `saturation-${name}-${LABEL}.json`), `${JSON.stringify(result, null, 2)}\n`);
  for (const a of result.accounts) {
    console.log([
      name.padEnd(8), a.account.padEnd(30), String(a.requests).padStart(8), String(a.writes).padStart(6), String(a.rateLimited).padStart(4),
      `${a.peakInWindow}/${a.ceiling.maxReqs}`.padStart(10), `${(a.writePhase.spanMs / 1000).toFixed(1)} s`.padStart(11),
      `${(a.writePhase.idealSpanMs / 1000).toFixed(1)} s`.padStart(8), a.writePhase.shareOfCeiling.toFixed(3).padStart(6),
      a.writePhase.requestsPerSecond.toFixed(2).padStart(6),
    ].join('  '));
  }
  console.log(`          wall time ${(result.wallMs / 1000).toFixed(1)} s for ${result.records} records`);
}
