/**
 * /metrics, /healthz and startBoard, against real Redis and PostgreSQL.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptySideCounts } from '@syncframe/engine';
import type { LinkIndex } from '@syncframe/engine';
import { openRedis } from '@syncframe/fleet';
import { startBoard } from '../src/index.js';
import type { BoardHarness } from './board-harness.js';
import { API_TOKEN, DATABASE_URL, exchangeTexts, findSecrets, JOBS, METRICS_TOKEN, REDIS_URL, startBoardHarness, until } from './board-harness.js';

const silent = {
  debug() {}, info() {}, warn() {}, error() {},
  child() { return silent; },
};

let h: BoardHarness;

beforeAll(async () => {
  h = await startBoardHarness('ops');
});

afterAll(async () => {
  await h?.close();
});

/** The value of one sample line, e.g. `syncframe_runs_total{job="a",status="success"}`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  it('exposes queue depth by state, and run outcomes, durations, writes, throttle waits and 429s from the runs table', async () => {
    const counts = (created: number, updated: number, deleted: number) => ({ ...emptySideCounts(), created, updated, deleted });
    await h.insertRun(JOBS.memory, { durationMs: 2000, counts: { source: counts(1, 2, 0), dest: counts(5, 0, 1) }, throttleWaitMs: 250, rateLimited: 2 });
    await h.insertRun(JOBS.memory, { durationMs: 40_000, status: 'failed', counts: { source: counts(0, 0, 0), dest: counts(3, 0, 0) }, throttleWaitMs: 50, rateLimited: 1 });
    const usage = (requests: number, rateLimited: number, throttleWaitMs: number, shareOfCeiling: number) => ({
      account: 'airtable:appMetrics', sides: ['airtable'], limit: { max_reqs: 5, interval_sec: 1 },
      requests, rateLimited, throttleWaitMs, activeMs: 10_000, shareOfCeiling,
    });
    await h.insertRun(JOBS.remote, { durationMs: 500, accounts: [usage(51, 0, 9000, 0.97)] });
    await h.insertRun(JOBS.remote, { durationMs: 500, startedAt: new Date(Date.now() + 5).toISOString(), accounts: [usage(10, 2, 1000, 0.4)] });
    await h.queues.runs.add('run', { jobId: JOBS.memory, trigger: 'api', requestedAt: new Date().toISOString() });
    await h.queues.runs.add('run', { jobId: JOBS.remote, trigger: 'api', requestedAt: new Date().toISOString() }, { delay: 60_000 });

    const res = await h.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    const m = res.text;
    expect(sample(m, 'syncframe_queue_jobs{queue="sync-runs",state="waiting"}')).toBe(1);
    expect(sample(m, 'syncframe_queue_jobs{queue="sync-runs",state="delayed"}')).toBe(1);
    expect(sample(m, 'syncframe_queue_jobs{queue="sync-runs",state="failed"}')).toBe(0);
    // The scheduler of crm-to-site holds its next tick as a delayed job.
    expect(sample(m, 'syncframe_queue_jobs{queue="sync-ticks",state="delayed"}')).toBeGreaterThanOrEqual(1);

    expect(sample(m, `syncframe_runs_total{job="${JOBS.memory}",status="success"}`)).toBe(1);
    expect(sample(m, `syncframe_runs_total{job="${JOBS.memory}",status="failed"}`)).toBe(1);
    expect(sample(m, `syncframe_runs_total{job="${JOBS.remote}",status="success"}`)).toBe(2);
    // Per rate-limited account: requests, 429s and waits add up; the share is the latest run's.
    expect(sample(m, 'syncframe_account_requests_total{account="airtable:appMetrics"}')).toBe(61);
    expect(sample(m, 'syncframe_account_429_total{account="airtable:appMetrics"}')).toBe(2);
    expect(sample(m, 'syncframe_account_throttle_wait_milliseconds_total{account="airtable:appMetrics"}')).toBe(10_000);
    expect(sample(m, `syncframe_account_share_of_ceiling{job="${JOBS.remote}",account="airtable:appMetrics"}`)).toBe(0.4);
    expect(sample(m, `syncframe_run_duration_seconds_count{job="${JOBS.memory}"}`)).toBe(2);
    expect(sample(m, `syncframe_run_duration_seconds_sum{job="${JOBS.memory}"}`)).toBe(42);
    expect(sample(m, `syncframe_run_duration_seconds_bucket{le="5",job="${JOBS.memory}"}`)).toBe(1);
    expect(sample(m, `syncframe_records_written_total{job="${JOBS.memory}",side="source",kind="updated"}`)).toBe(2);
    expect(sample(m, `syncframe_records_written_total{job="${JOBS.memory}",side="dest",kind="created"}`)).toBe(8);
    expect(sample(m, `syncframe_records_written_total{job="${JOBS.memory}",side="dest",kind="deleted"}`)).toBe(1);
    expect(sample(m, `syncframe_throttle_wait_milliseconds_total{job="${JOBS.memory}"}`)).toBe(300);
    expect(sample(m, `syncframe_remote_429_total{job="${JOBS.memory}"}`)).toBe(3);
    // collectDefaultMetrics on the board's own registry.
    expect(m).toContain('process_cpu_user_seconds_total');
    expect(m).toContain('nodejs_eventloop_lag_seconds');
  });

  it('counts each run once across scrapes, including one recorded late with an older start', async () => {
    const first = await h.request('/metrics');
    const before = sample(first.text, `syncframe_runs_total{job="${JOBS.memory}",status="success"}`)!;
    expect(sample((await h.request('/metrics')).text, `syncframe_runs_total{job="${JOBS.memory}",status="success"}`)).toBe(before);

    await h.insertRun(JOBS.memory, { startedAt: new Date(Date.now() - 100).toISOString(), durationMs: 100 });
    // A long run that started before the newest counted one (and before the board), recorded only now.
    await h.insertRun(JOBS.memory, { startedAt: new Date(Date.now() - 30 * 60_000).toISOString(), durationMs: 30 * 60_000 });
    const after = await h.request('/metrics');
    expect(sample(after.text, `syncframe_runs_total{job="${JOBS.memory}",status="success"}`)).toBe(before + 2);
    expect(sample((await h.request('/metrics')).text, `syncframe_runs_total{job="${JOBS.memory}",status="success"}`)).toBe(before + 2);
  });

  it('leaves out runs that ended before the board started', async () => {
    await h.insertRun('old-job', { startedAt: new Date(Date.now() - 3 * 3600_000).toISOString(), durationMs: 1000 });
    const res = await h.request('/metrics');
    expect(res.text).not.toContain('job="old-job"');
  });
});

describe('/healthz', () => {
  it('answers 200 {ok:true} without auth when Redis and the LinkIndex answer', async () => {
    const res = await h.request('/healthz', { bearer: false });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, checks: { redis: true, linkindex: true } });
  });

  it('answers 503 when the LinkIndex does not answer', async () => {
    const broken = new Proxy(h.store, {
      get(target, prop, receiver) {
        if (prop === 'getJobState') return () => Promise.reject(new Error('connection refused'));
        return Reflect.get(target, prop, receiver) as unknown;
      },
    }) as LinkIndex & typeof h.store;
    const other = await h.startAnother({ store: broken });
    try {
      const res = await fetch(`${other.url}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ ok: false, checks: { redis: true, linkindex: false } });
    } finally {
      await other.close();
    }
  });

  it('answers 503 when Redis does not answer', async () => {
    const deadRedis = await openRedis(REDIS_URL, 'producer');
    deadRedis.on('error', () => {});
    deadRedis.disconnect();
    const other = await h.startAnother({ redis: deadRedis });
    try {
      const res = await fetch(`${other.url}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ ok: false, checks: { redis: false, linkindex: true } });
    } finally {
      await other.close();
    }
  });
});

describe('startBoard', () => {
  const env = (extra: Record<string, string | undefined>) => ({
    REDIS_URL, DATABASE_URL, SYNCFRAME_QUEUE_PREFIX: h.prefix, ...extra,
  });

  it('refuses to start without a token, or with a short one, and says why', async () => {
    await expect(startBoard({ configPath: h.config.file, env: env({}), port: 0 })).rejects.toThrow(
      /SYNCFRAME_API_TOKEN is not set: the board needs a token \(at least 16 characters\)/,
    );
    await expect(startBoard({ configPath: h.config.file, env: env({ SYNCFRAME_API_TOKEN: 'short' }), port: 0 })).rejects.toThrow(/too short/);
  });

  it('starts from the config file and the environment, serves, and closes', async () => {
    const logs: string[] = [];
    const logger = {
      debug() {}, info: (o: object, m?: string) => logs.push(`${m} ${JSON.stringify(o)}`), warn() {}, error() {},
      child() { return logger; },
    };
    const board = await startBoard({ configPath: h.config.file, env: env({ SYNCFRAME_API_TOKEN: API_TOKEN }), port: 0, logger });
    try {
      expect(board.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${board.url}/healthz`)).status).toBe(200);
      const jobs = await fetch(`${board.url}/api/jobs`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
      expect(jobs.status).toBe(200);
      const body = (await jobs.json()) as { jobs: { id: string; nextRunAt: string | null }[] };
      expect(body.jobs.map((j) => j.id)).toContain(JOBS.memory);
      // Same prefix as the harness: it sees the scheduler the harness created.
      expect(body.jobs.find((j) => j.id === JOBS.remote)?.nextRunAt).not.toBeNull();
      expect(logs.some((l) => l.startsWith('board listening'))).toBe(true);
    } finally {
      await board.close();
      await board.close();
    }
    await expect(fetch(`${board.url}/healthz`)).rejects.toThrow();
  });

  it('takes SYNCFRAME_METRICS_TOKEN for /metrics only, and refuses one that is too short', async () => {
    await expect(startBoard({ configPath: h.config.file, env: env({ SYNCFRAME_API_TOKEN: API_TOKEN, SYNCFRAME_METRICS_TOKEN: 'tooshort' }), port: 0, watchConfig: false }))
      .rejects.toThrow(/SYNCFRAME_METRICS_TOKEN is too short/);
    const board = await startBoard({
      configPath: h.config.file, env: env({ SYNCFRAME_API_TOKEN: API_TOKEN, SYNCFRAME_METRICS_TOKEN: METRICS_TOKEN }), port: 0, watchConfig: false, logger: silent,
    });
    try {
      expect((await h.request('/metrics', { baseUrl: board.url, bearer: METRICS_TOKEN })).status).toBe(200);
      expect((await h.request('/api/jobs', { baseUrl: board.url, bearer: METRICS_TOKEN })).status).toBe(403);
      expect((await h.request('/api/jobs', { baseUrl: board.url })).status).toBe(200);
    } finally {
      await board.close();
    }
  });

  it('reloads its config when the file changes and on SIGHUP; a broken config keeps the previous one', async () => {
    // A copy of the harness's folder (config and mappers), so the other tests' config stays as it is.
    const dir = mkdtempSync(join(tmpdir(), 'syncframe-board-reload-'));
    cpSync(dirname(h.config.file), dir, { recursive: true });
    const file = join(dir, basename(h.config.file));
    const original = readFileSync(file, 'utf8');
    const withPolicy = (policy: string) => original.replace('"conflict_policy": "manual"', `"conflict_policy": "${policy}"`);
    expect(withPolicy('x')).not.toBe(original);
    const logs: string[] = [];
    const logger = {
      debug() {}, info: (o: object, m?: string) => logs.push(`${m} ${JSON.stringify(o)}`), warn: (o: object, m?: string) => logs.push(`${m} ${JSON.stringify(o)}`),
      error: (o: object, m?: string) => logs.push(`${m} ${JSON.stringify(o)}`),
      child() { return logger; },
    };
    const policyOf = async (url: string) => {
      const res = await h.request('/api/jobs', { baseUrl: url });
      return (res.body.jobs as { id: string; conflictPolicy: string }[]).find((j) => j.id === JOBS.memory)?.conflictPolicy;
    };

    const watching = await startBoard({ configPath: file, env: env({ SYNCFRAME_API_TOKEN: API_TOKEN }), port: 0, logger });
    try {
      expect(await policyOf(watching.url)).toBe('manual');
      writeFileSync(file, withPolicy('last_writer_wins'));
      await until(async () => (await policyOf(watching.url)) === 'last_writer_wins', 10_000, 'the file change is picked up');
      expect(logs.some((l) => l.startsWith('config reloaded'))).toBe(true);

      // A broken config: logged, and the previous one stays.
      writeFileSync(file, withPolicy('coin_toss'));
      expect(await watching.reload()).toBe(false);
      expect(logs.some((l) => l.startsWith('config reload failed; keeping the previous config') && l.includes('conflict_policy'))).toBe(true);
      expect(await policyOf(watching.url)).toBe('last_writer_wins');
    } finally {
      await watching.close();
    }

    writeFileSync(file, withPolicy('last_writer_wins'));
    const onHup = await startBoard({ configPath: file, env: env({ SYNCFRAME_API_TOKEN: API_TOKEN }), port: 0, logger: silent, watchConfig: false });
    try {
      expect(await policyOf(onHup.url)).toBe('last_writer_wins');
      writeFileSync(file, original);
      await new Promise((r) => setTimeout(r, 500));
      // Not watching: the file change alone is not picked up…
      expect(await policyOf(onHup.url)).toBe('last_writer_wins');
      // …SIGHUP is.
      process.kill(process.pid, 'SIGHUP');
      await until(async () => (await policyOf(onHup.url)) === 'manual', 10_000, 'the SIGHUP reload');
    } finally {
      await onHup.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with a message naming host and port when Redis cannot be reached', async () => {
    await expect(startBoard({
      configPath: h.config.file, env: env({ SYNCFRAME_API_TOKEN: API_TOKEN, REDIS_URL: 'redis://:hunter2secret@127.0.0.1:1' }), port: 0,
    })).rejects.toThrow(/127\.0\.0\.1:1/);
    await expect(startBoard({
      configPath: h.config.file, env: env({ SYNCFRAME_API_TOKEN: API_TOKEN, REDIS_URL: 'redis://:hunter2secret@127.0.0.1:1' }), port: 0,
    })).rejects.not.toThrow(/hunter2secret/);
  });
});

describe('secrets', () => {
  it('never appear in any response (metrics included) or log line', () => {
    expect(findSecrets(exchangeTexts(h.exchanges))).toEqual([]);
    expect(findSecrets(h.logLines.map((text, i) => ({ where: `log line ${i}`, text })))).toEqual([]);
  });
});
