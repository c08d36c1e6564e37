/**
 * Fault suite: SyncFrame's own stores going away in the middle of a run.
 *
 * 1. Redis restarted mid-run: the workers and the test use a redis-server of the test's own
 *    (append-only file, so a restart keeps the queue); once the run is pushing to Webflow, Redis is
 *    shut down, and started again on the same port with the same data ~1.5 s later.
 * 2. PostgreSQL unreachable for 10 s mid-run: the workers reach PostgreSQL through a TcpProxy that
 *    refuses (and cuts) connections for 10 s; with the default outage tolerance (30 s) the run
 *    either waits it out or (its 2 s lease unrenewable meanwhile) ends and is retried by the queue.
 *    A second variant gives the workers a 2 s tolerance and a 4 s outage, so the run must end with
 *    the store error and be retried by the queue.
 *
 * After each: every acknowledged run's queue job ended completed, the runs the LinkIndex recorded
 * never overlap in time, no fail count was added for a remote, both sides are equal under the
 * mappers with a clean LinkIndex, and one more run writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '@syncframe/engine';
import { TcpProxy } from '@syncframe/test-kit';
import type { FaultWorld } from '@syncframe/test-kit/faults';
import { checkConvergence, RedisServer, runOnceMore, startFaultWorld } from '@syncframe/test-kit/faults';
import { DATABASE_URL, until } from '@syncframe/test-kit/fleet';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LATENCY = { minMs: 30, maxMs: 60 };

/**
 * Paces the job's Webflow side at `maxReqs` requests a second (batches of 10), before any worker
 * starts: 60 creates then take a couple of seconds, so an outage lands in the middle of the push.
 */
function paceWebflow(world: FaultWorld, maxReqs: number): void {
  const job = world.config.jobs[0] as { sides: { webflow: Record<string, unknown> } };
  job.sides.webflow.throttle = { max_reqs: maxReqs, interval_sec: 1, batch_size: 10 };
  world.writeConfig(world.config);
}

/** Remote write requests (either fake) that arrived in [from, to). */
const writesBetween = (world: FaultWorld, from: number, to = Infinity) =>
  [...world.airtable.requests, ...world.webflow.requests].filter((r) => r.method !== 'GET' && r.at >= from && r.at < to).length;

/** Starts workers until `n` are live; resolves once they take runs. */
async function workers(world: FaultWorld, n: number, extraEnv: Record<string, string> = {}): Promise<void> {
  const starting = [];
  while (world.liveWorkers().length < n) starting.push(world.startWorker(extraEnv));
  await Promise.all(starting.map((w) => w.waitFor(/worker started/, 30_000)));
}

/** Stops every live worker (SIGTERM; they hand their runs back and exit). */
async function stopWorkers(world: FaultWorld): Promise<string[]> {
  const live = world.liveWorkers();
  for (const w of live) w.proc.kill('SIGTERM');
  const stuck: string[] = [];
  await Promise.all(live.map(async (w) => {
    const timer = sleep(20_000).then(() => 'stuck' as const);
    if ((await Promise.race([w.exited, timer])) === 'stuck') {
      stuck.push(`worker ${w.proc.pid} still running 20 s after SIGTERM; its last lines:\n${w.lines.slice(-25).join('\n')}`);
      w.proc.kill('SIGKILL');
      await w.exited;
    }
  }));
  return stuck;
}

/** Resolves once the Webflow fake received a write (a non-GET request) after its `since`-th request. */
async function firstWebflowWrite(world: FaultWorld, since: number): Promise<void> {
  await until(() => world.webflow.requests.slice(since).some((r) => r.method !== 'GET'), 30_000, 'the run writes to Webflow');
}

/** The job's recorded runs, oldest first, and the overlaps between consecutive ones. */
async function recordedRuns(world: FaultWorld): Promise<{ runs: RunSummary[]; overlaps: string[] }> {
  const runs = (await world.store.listRuns({ jobId: 'videos', limit: 100 }))
    .sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  const overlaps: string[] = [];
  for (let i = 1; i < runs.length; i++) {
    const prev = runs[i - 1]!;
    const run = runs[i]!;
    if (Date.parse(run.startedAt) < Date.parse(prev.endedAt)) {
      overlaps.push(`${run.runId} started ${run.startedAt}, before ${prev.runId} ended ${prev.endedAt}`);
    }
  }
  return { runs, overlaps };
}

/** The queue job's state and attempts, for assertions. */
async function queueJob(world: FaultWorld, queueJobId: string) {
  const job = await world.runs.getJob(queueJobId);
  return { found: job !== undefined, state: job ? await job.getState() : 'missing', attemptsMade: job?.attemptsMade ?? 0, failedReason: job?.failedReason };
}

/** Worker log lines that mention a queue job / run id. */
const logOf = (world: FaultWorld, id: string) => world.workers.flatMap((w) => w.lines.filter((l) => l.includes(id)));

async function expectConvergedAndQuiet(world: FaultWorld): Promise<void> {
  const report = await checkConvergence(world);
  expect(report.problems, report.problems.join('\n')).toEqual([]);
  expect(await runOnceMore(world)).toEqual({ writeRequests: 0, written: 0, status: 'success' });
}

describe('fault suite: Redis restarted mid-run', () => {
  let redis: RedisServer;
  let world: FaultWorld;

  beforeAll(async () => {
    redis = await RedisServer.start();
    world = await startFaultWorld({ latency: LATENCY, workerRedisUrl: redis.url });
    paceWebflow(world, 3);
    await workers(world, 2);
  }, 60_000);

  afterAll(async () => {
    await world?.close();
    await redis?.stop();
  });

  it('a run pushing when Redis goes down and comes back completes; nothing acknowledged is lost; no overlap', async () => {
    world.seed(60, 'redis');
    const since = world.webflow.requests.length;
    const first = await world.enqueue();
    await firstWebflowWrite(world, since);
    // A second trigger while the run is active: acknowledged as its follow-up before Redis goes down.
    const second = await world.enqueue();
    expect(second.queueJobId).not.toBe(first.queueJobId);
    const writesBefore = world.webflow.requests.filter((r) => r.method !== 'GET').length;

    await redis.stop();
    await sleep(1500);
    await redis.start();

    await world.waitEnded(first.queueJobId, 90_000);
    await world.waitEnded(second.queueJobId, 90_000);
    await world.waitIdle(60_000);
    const jobs = [await queueJob(world, first.queueJobId), await queueJob(world, second.queueJobId)];
    console.log('redis restart:', JSON.stringify(jobs), '\n', logOf(world, first.queueJobId).slice(-6).join('\n'));
    expect(jobs.map((j) => j.state), JSON.stringify(jobs)).toEqual(['completed', 'completed']);
    // The run was in fact cut by the restart: it had more to write than it had written.
    expect(writesBefore).toBeLessThan(world.webflow.requests.filter((r) => r.method !== 'GET').length);

    const { runs, overlaps } = await recordedRuns(world);
    expect(overlaps).toEqual([]);
    // The first trigger's run was recorded (its first attempt, or a later one of the same queue job).
    expect(runs.some((r) => r.runId.startsWith(first.runId!) && r.status === 'success'), JSON.stringify(runs.map((r) => [r.runId, r.status]))).toBe(true);
    await expectConvergedAndQuiet(world);
    expect(world.webflow.items('videos').filter((i) => !i.isArchived)).toHaveLength(60);
  }, 180_000);
});

describe('fault suite: PostgreSQL unreachable mid-run', () => {
  let proxy: TcpProxy;
  let world: FaultWorld;
  const direct = new URL(DATABASE_URL);

  beforeAll(async () => {
    proxy = await TcpProxy.start({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaProxy = new URL(DATABASE_URL);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    world = await startFaultWorld({ latency: LATENCY, workerDatabaseUrl: viaProxy.toString() });
    paceWebflow(world, 3);
  }, 60_000);

  afterAll(async () => {
    await proxy?.restore();
    await world?.close();
    await proxy?.close();
  });

  const failCounts = async () => [
    await world.store.getFailCount('videos', { adapter: 'airtable', table: 'Videos' }),
    await world.store.getFailCount('videos', { adapter: 'webflow', table: world.webflow.collectionId('videos') }),
  ];

  it('10 s outage with the default tolerance: the run ends (waited out, or retried by the queue), nothing half-written', async () => {
    await workers(world, 2);
    world.seed(60, 'pg10');
    const since = world.webflow.requests.length;
    const accepted = proxy.accepted;
    const { queueJobId, runId } = await world.enqueue();
    await firstWebflowWrite(world, since);
    const refusedAt = Date.now();
    await proxy.refuse();
    await sleep(10_000);
    await proxy.restore();
    const restoredAt = Date.now();

    await world.waitEnded(queueJobId, 120_000);
    await world.waitIdle(60_000);
    const job = await queueJob(world, queueJobId);
    console.log('pg 10 s:', JSON.stringify(job), `remote writes during the outage ${writesBetween(world, refusedAt, restoredAt)}, after it ${writesBetween(world, restoredAt)}`, '\n', logOf(world, runId!).slice(-6).join('\n'));
    expect(job.state, JSON.stringify(job)).toBe('completed');
    // The workers did go through the proxy (so the outage reached them).
    expect(proxy.accepted).toBeGreaterThan(accepted);

    const { runs, overlaps } = await recordedRuns(world);
    expect(overlaps).toEqual([]);
    expect(runs.some((r) => r.runId.startsWith(runId!) && r.status === 'success'), JSON.stringify(runs.map((r) => [r.runId, r.status]))).toBe(true);
    expect(await failCounts()).toEqual([0, 0]);
    await expectConvergedAndQuiet(world);
    expect(world.webflow.items('videos').filter((i) => !i.isArchived)).toHaveLength(60);
  }, 180_000);

  it('4 s outage with a 2 s tolerance: the run ends with the store error and the queue retries it', async () => {
    const stuck = await stopWorkers(world);
    if (stuck.length > 0) console.log(stuck.join('\n\n'));
    // A lease TTL (10 s) above the outage, so what ends the run is the LinkIndex giving up after its
    // 2 s tolerance (a DatabaseUnavailableError), not the heartbeat (a lease unrenewed for 2 s).
    await workers(world, 2, { SYNCFRAME_STORE_OUTAGE_TOLERANCE_MS: '2000', SYNCFRAME_LEASE_TTL_MS: '10000' });
    world.seed(60, 'pg4');
    const since = world.webflow.requests.length;
    const { queueJobId, runId } = await world.enqueue();
    await firstWebflowWrite(world, since);
    await proxy.refuse();
    await sleep(4000);
    await proxy.restore();

    await world.waitEnded(queueJobId, 120_000);
    await world.waitIdle(60_000);
    const job = await queueJob(world, queueJobId);
    const log = logOf(world, queueJobId);
    console.log('pg 4 s / 2 s tolerance:', JSON.stringify(job), '\n', log.slice(-8).join('\n'));
    expect(job.state, JSON.stringify(job)).toBe('completed');
    const { runs, overlaps } = await recordedRuns(world);
    const ids = runs.map((r) => r.runId);
    // Retried by the queue: a later attempt of the same queue job ran (and was recorded).
    expect(job.attemptsMade, JSON.stringify({ job, ids })).toBeGreaterThanOrEqual(2);
    expect(runs.some((r) => r.runId.startsWith(`${runId}.`) && r.status === 'success'), JSON.stringify({ job, ids })).toBe(true);
    // The first attempt ended with the store's error (nothing recorded for it, no fail count).
    const failed = log.filter((l) => l.includes('"run failed"'));
    expect(failed.some((l) => /"attemptsMade":1,.*lost the connection to PostgreSQL/.test(l)), log.join('\n')).toBe(true);
    expect(ids).not.toContain(runId);
    expect(overlaps).toEqual([]);
    expect(await failCounts()).toEqual([0, 0]);
    await expectConvergedAndQuiet(world);
    expect(world.webflow.items('videos').filter((i) => !i.isArchived)).toHaveLength(120);
  }, 180_000);
});
