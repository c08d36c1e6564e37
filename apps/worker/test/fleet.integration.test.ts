import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AirtableFake } from '@syncframe/fakes';
import { startAirtableFake } from '@syncframe/fakes';
import type { WebflowFake } from '@syncframe/fakes';
import { startWebflowFake } from '@syncframe/fakes';
import { enqueueRun, QUEUES, RUN_JOB_NAME } from '@syncframe/fleet';
import type { LinkIndexStore } from '@syncframe/linkindex';
import { openLinkIndex } from '@syncframe/linkindex';
import type { CliProcess } from '@syncframe/test-kit/fleet';
import { maxInWindow } from '@syncframe/test-kit';
import { DATABASE_URL, freshSchema, REDIS_URL, spawnCli, tempDir, until, writeMappers } from '@syncframe/test-kit/fleet';

// Distinctive credentials: the last test scans Redis and every log line for them.
const AT_TOKEN = 'patFleetSecret0001.0123456789abcdef';
const WF_TOKEN = 'wfFleetSecretToken0123456789abcdef';
const WF_BAD_TOKEN = 'wfWrongTokenSecret999999999';
const BASE = 'appFleetBase00001';
const prefix = `sf-test-${randomUUID().slice(0, 8)}`;
const retries = { max_attempts: 3, backoff_sec: 1, disable_job_after: 50 };

let airtable: AirtableFake;
let webflow: WebflowFake;
let store: LinkIndexStore;
let redis: Redis;
let runs: Queue;
let configPath: string;
let config: { jobs: Record<string, unknown>[] } & Record<string, unknown>;
let dropSchema: () => Promise<void>;
const workers: CliProcess[] = [];
let env: Record<string, string>;
/** A remote that is down: it accepts each connection and resets it at once. Counts the requests it got. */
let deadRemote: { url: string; connections: () => number; close(): Promise<void> };

async function startDeadRemote(): Promise<typeof deadRemote> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.resetAndDestroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function startWorker(): CliProcess {
  const w = spawnCli(['worker', '--config', configPath], env);
  workers.push(w);
  return w;
}

async function stopAll(signal: NodeJS.Signals = 'SIGTERM') {
  const live = workers.filter((w) => w.proc.exitCode === null && w.proc.signalCode === null);
  for (const w of live) w.proc.kill(signal);
  return Promise.all(live.map((w) => w.exited));
}

async function queueIdle(): Promise<boolean> {
  const c = await runs.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
  return Object.values(c).every((n) => n === 0);
}

const webflowSlugs = () => webflow.items('videos').map((i) => String(i.fieldData.slug));
const seed = (n: number, tag: string) => {
  for (let i = 0; i < n; i++) airtable.insert('Videos', { Name: `${tag} ${i}`, Slug: `${tag}-${i}` });
};

beforeAll(async () => {
  airtable = await startAirtableFake({
    tokens: [AT_TOKEN],
    bases: { [BASE]: { tables: [{ name: 'Videos', fields: [
      { name: 'Name', type: 'singleLineText' }, { name: 'Slug', type: 'singleLineText' },
      { name: 'Notes', type: 'multilineText' }, { name: 'Last Modified', type: 'lastModifiedTime' },
    ] }] } },
    rateLimit: false, // the fleet's limiter is checked on its own admission log below
  });
  webflow = await startWebflowFake({
    tokens: [WF_TOKEN],
    sites: { site0000000000000000001: { collections: [{ slug: 'videos', fields: [{ slug: 'notes', type: 'PlainText' }] }] } },
    rateLimit: false,
  });
  deadRemote = await startDeadRemote();
  const { schema, drop } = await freshSchema();
  dropSchema = drop;
  const dir = tempDir();
  writeMappers(dir);
  const collection = webflow.collectionId('videos');
  const side = (over: Record<string, unknown>) => over;
  config = {
    linkindex: { driver: 'postgres', conn: '${DATABASE_URL}', schema },
    jobs: [
      {
        id: 'videos',
        sides: {
          airtable: side({ adapter: 'airtable', table: 'Videos', api_url: airtable.url, last_modified_field: 'Last Modified',
            creds: { apiKey: '${AT_TOKEN}', baseId: BASE }, throttle: { max_reqs: 5, interval_sec: 1, batch_size: 2 } }),
          webflow: side({ adapter: 'webflow', collection, api_url: webflow.url, creds: { token: '${WF_TOKEN}' },
            throttle: { max_reqs: 4, interval_sec: 1, batch_size: 2 } }),
        },
        mappings: { 'airtable->webflow': './at-to-wf.mjs', 'webflow->airtable': './wf-to-at.mjs' },
        match: { airtable: 'Slug', webflow: 'slug' },
        retries,
      },
      {
        id: 'bad-auth',
        sides: {
          airtable: side({ adapter: 'airtable', table: 'Videos', api_url: airtable.url, last_modified_field: 'Last Modified', creds: { apiKey: '${AT_TOKEN}', baseId: BASE } }),
          webflow: side({ adapter: 'webflow', collection, api_url: webflow.url, creds: { token: '${WF_BAD_TOKEN}' } }),
        },
        mappings: { 'airtable->webflow': './at-to-wf.mjs', 'webflow->airtable': './wf-to-at.mjs' },
        retries,
      },
      {
        id: 'unreachable',
        sides: {
          // Every request is a connection reset (transient), and counted.
          airtable: side({ adapter: 'airtable', table: 'Videos', api_url: deadRemote.url, last_modified_field: 'Last Modified', creds: { apiKey: '${AT_TOKEN}', baseId: BASE } }),
          webflow: side({ adapter: 'webflow', collection, api_url: webflow.url, creds: { token: '${WF_TOKEN}' } }),
        },
        mappings: { 'airtable->webflow': './at-to-wf.mjs', 'webflow->airtable': './wf-to-at.mjs' },
        retries: { max_attempts: 2, backoff_sec: 1, disable_job_after: 2 },
      },
    ],
  };
  configPath = join(dir, 'jobs.jsonc');
  writeFileSync(configPath, `// fleet test\n${JSON.stringify(config, null, 2)}\n`);
  env = {
    REDIS_URL, DATABASE_URL, AT_TOKEN, WF_TOKEN, WF_BAD_TOKEN,
    SYNCFRAME_QUEUE_PREFIX: prefix,
    SYNCFRAME_LEASE_TTL_MS: '3000',
    SYNCFRAME_LOCK_DURATION_MS: '3000',
    SYNCFRAME_STALLED_INTERVAL_MS: '1000',
    SYNCFRAME_SHUTDOWN_GRACE_MS: '20000',
    SYNCFRAME_BUSY_RETRY_MS: '300',
    SYNCFRAME_WORKER_CONCURRENCY: '2',
    LOG_LEVEL: 'info',
  };
  store = (await openLinkIndex({ driver: 'postgres', conn: DATABASE_URL, schema }, { migrate: true })).linkIndex;
  redis = new Redis(REDIS_URL);
  runs = new Queue(QUEUES.runs, { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix });
}, 60_000);

afterAll(async () => {
  await stopAll('SIGKILL');
  await runs?.close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis?.disconnect();
  await store?.close();
  await dropSchema?.();
  await airtable?.close();
  await webflow?.close();
  await deadRemote?.close();
});

describe('the fleet: scheduler-less workers on BullMQ, real Redis and PostgreSQL', () => {
  it('three workers with overlapping triggers of one job: never two runs at once, no duplicates, one shared rate limit', async () => {
    seed(20, 'a');
    const job = { id: 'videos', retries };
    // Webflow receives the writes (10 batches): its account's budget is 4 requests per second,
    // checked where it counts, on arrival at the fake.
    const firstArrival = webflow.arrivals.length;
    const three = [startWorker(), startWorker(), startWorker()];
    await Promise.all(three.map((w) => w.waitFor(/worker started/)));
    // Triggers pile up while runs are active: deduplicated ones, and raw adds that bypass
    // deduplication as a Bull Board retry does; the lease keeps them from running side by side.
    for (let i = 0; i < 6; i++) {
      await enqueueRun(runs, job, 'api');
      if (i % 2 === 0) await runs.add(RUN_JOB_NAME, { jobId: 'videos', trigger: 'retry', requestedAt: new Date().toISOString() });
      await new Promise((r) => setTimeout(r, 250));
    }
    await until(queueIdle, 60_000, 'the runs queue is idle');

    expect(webflowSlugs().sort()).toEqual(Array.from({ length: 20 }, (_, i) => `a-${i}`).sort());
    expect(airtable.records('Videos')).toHaveLength(20);
    const history = (await store.listRuns({ jobId: 'videos', limit: 100 }))
      .map((r) => [Date.parse(r.startedAt), Date.parse(r.endedAt)] as const)
      .sort((x, y) => x[0] - y[0]);
    expect(history.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < history.length; i++) expect(history[i]![0]).toBeGreaterThanOrEqual(history[i - 1]![1]);
    // Whichever workers ran it, the account's shared budget was never exceeded.
    const ranBy = new Set(three.filter((w) => w.lines.some((l) => l.includes('"msg":"run finished"') && l.includes('"jobId":"videos"'))));
    expect(ranBy.size).toBeGreaterThanOrEqual(1);
    const arrived = webflow.arrivals.slice(firstArrival).filter((a) => a.admitted).map((a) => a.at);
    expect(arrived.length).toBeGreaterThanOrEqual(10);
    expect(maxInWindow(arrived, 1000)).toBeLessThanOrEqual(4);
  }, 120_000);

  it('serves Kubernetes probes: /livez always, /readyz while it takes runs', async () => {
    const port = await freePort();
    const probed = spawnCli(['worker', '--config', configPath], { ...env, SYNCFRAME_HEALTH_PORT: String(port) });
    workers.push(probed);
    await probed.waitFor(/worker started/);
    const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
    expect((await get('/livez')).status).toBe(200);
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true });
    expect((await get('/other')).status).toBe(404);
  });

  it('SIGTERM drains: the running run finishes, the workers exit 0', async () => {
    seed(12, 'b');
    await enqueueRun(runs, { id: 'videos' }, 'api');
    await until(async () => ((await runs.getJobCounts('active')).active ?? 0) > 0, 20_000, 'a run is active');
    await until(() => webflowSlugs().some((s) => s.startsWith('b-')), 20_000, 'the run has written');
    const codes = await stopAll('SIGTERM');
    expect(codes.every((c) => c === 0)).toBe(true);
    expect(webflowSlugs().filter((s) => s.startsWith('b-'))).toHaveLength(12);
    expect(await queueIdle()).toBe(true);
  }, 60_000);

  it('kill -9 of a worker mid-run: the run is retried elsewhere and ends right, with no duplicates', async () => {
    seed(24, 'c');
    const first = startWorker();
    await first.waitFor(/worker started/);
    await enqueueRun(runs, { id: 'videos' }, 'api');
    await until(() => webflowSlugs().filter((s) => s.startsWith('c-')).length >= 4, 30_000, 'the run is under way');
    first.proc.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    expect(webflowSlugs().filter((s) => s.startsWith('c-')).length).toBeLessThan(24);
    const others = [startWorker(), startWorker()];
    await Promise.all(others.map((w) => w.waitFor(/worker started/)));
    await until(() => webflowSlugs().filter((s) => s.startsWith('c-')).length >= 24, 60_000, 'the run was finished elsewhere');
    await until(queueIdle, 30_000, 'the runs queue is idle');
    const slugs = webflowSlugs();
    expect(new Set(slugs).size).toBe(slugs.length);
    expect(slugs).toHaveLength(56);
    expect(airtable.records('Videos')).toHaveLength(56);
  }, 120_000);

  it('an auth error is not retried', async () => {
    const { queueJobId } = await enqueueRun(runs, { id: 'bad-auth' }, 'api');
    await until(async () => (await runs.getJob(queueJobId))?.failedReason !== undefined, 30_000, 'the run failed');
    const failed = (await runs.getJob(queueJobId))!;
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/401|auth/i);
    expect(failed.failedReason).not.toContain(WF_BAD_TOKEN);
  }, 60_000);

  it('one retry model: a dead remote gets retries.max_attempts requests per run, each trigger is one run, the job is disabled after disable_job_after runs', async () => {
    // `unreachable`: max_attempts 2, disable_job_after 2. Its airtable side is dead; the pull fails, so the run fails.
    const before = deadRemote.connections();
    const first = await enqueueRun(runs, { id: 'unreachable' }, 'api');
    await until(async () => (await runs.getJob(first.queueJobId))?.finishedOn !== undefined, 30_000, 'the first run ended');
    const failed = (await runs.getJob(first.queueJobId))!;
    // Not retried by the queue: the run is recorded, counted once, and the next trigger is the next try.
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/recorded as failed; the next trigger runs the job again/);
    expect(deadRemote.connections() - before).toBe(2);
    expect(await store.getFailCount('unreachable', { adapter: 'airtable', table: 'Videos' })).toBe(1);
    expect((await store.getJobState('unreachable')).disabledAt).toBeNull();

    const second = await enqueueRun(runs, { id: 'unreachable' }, 'api');
    await until(async () => (await runs.getJob(second.queueJobId))?.finishedOn !== undefined, 30_000, 'the second run ended');
    const disabling = (await runs.getJob(second.queueJobId))!;
    expect(disabling.attemptsMade).toBe(1);
    expect(disabling.failedReason).toMatch(/job disabled/);
    expect(deadRemote.connections() - before).toBe(4);
    expect((await store.getJobState('unreachable')).disabledAt).not.toBeNull();

    // A retry from Bull Board (job.retry) of a disabled job's failed run: the run is skipped, the remote is not called.
    await disabling.retry('failed');
    await until(async () => (await runs.getJob(second.queueJobId))?.returnvalue != null, 20_000, 'the retried run ended');
    expect((await runs.getJob(second.queueJobId))!.returnvalue).toMatchObject({ outcome: 'skipped' });
    const again = await enqueueRun(runs, { id: 'unreachable' }, 'api');
    await until(async () => (await runs.getJob(again.queueJobId))?.finishedOn !== undefined, 20_000, 'the skipped run ended');
    expect((await runs.getJob(again.queueJobId))!.returnvalue).toMatchObject({ outcome: 'skipped' });
    expect(deadRemote.connections() - before).toBe(4);
    expect(await store.listRuns({ jobId: 'unreachable' })).toHaveLength(2);
  }, 90_000);

  it('a running worker picks up a job added to the config, without a restart', async () => {
    const running = workers.filter((w) => w.proc.exitCode === null && w.proc.signalCode === null);
    expect(running.length).toBeGreaterThan(0);
    const added = { ...config.jobs[0]!, id: 'videos-copy', match: undefined };
    writeFileSync(configPath, `// fleet test\n${JSON.stringify({ ...config, jobs: [...config.jobs, added] }, null, 2)}\n`);
    await Promise.all(running.map((w) => w.waitFor(/config reloaded/, 15_000)));
    const { queueJobId } = await enqueueRun(runs, { id: 'videos-copy' }, 'api');
    await until(async () => (await runs.getJob(queueJobId))?.finishedOn !== undefined, 30_000, 'the new job ran');
    const job = (await runs.getJob(queueJobId))!;
    expect(job.failedReason).toBeUndefined();
    expect(job.returnvalue).toMatchObject({ outcome: 'ran' });
  }, 60_000);

  it('no credential appears in Redis keys, job data, or any log line', async () => {
    const secrets = [AT_TOKEN, WF_TOKEN, WF_BAD_TOKEN];
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(5);
    const dump: string[] = [...keys];
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === 'string') dump.push(String(await redis.get(key)));
      else if (type === 'hash') dump.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') dump.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'zset') dump.push(JSON.stringify(await redis.zrange(key, 0, -1)));
      else if (type === 'set') dump.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'stream') dump.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
    const logs = workers.flatMap((w) => w.lines);
    expect(logs.length).toBeGreaterThan(20);
    for (const secret of secrets) {
      for (const text of dump) expect(text).not.toContain(secret);
      for (const line of logs) expect(line).not.toContain(secret);
    }
  });
});
