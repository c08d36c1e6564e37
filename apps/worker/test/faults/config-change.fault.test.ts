/**
 * Fault suite: the config file changing under a running fleet (a scheduler and two workers), with
 * nothing restarted:
 * (a) a second job, `videos-b` (its own Airtable table and Webflow collection), is added with a
 *     schedule every second: the scheduler creates its job scheduler and its runs happen;
 * (b) it is removed again: the scheduler removes its job scheduler and no new run of it starts;
 * (c) tokens are rotated: first by pointing the config at variables of a `.env` beside it, then by
 *     changing only that `.env`: the next runs send the new tokens and succeed.
 * It ends like every fault scenario: `videos` converged, and one more run writes nothing.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetQueues } from '@syncframe/fleet';
import { openFleetQueues, schedulerIdOf } from '@syncframe/fleet';
import type { FaultWorld } from '@syncframe/test-kit/faults';
import { checkConvergence, runOnceMore, startFaultWorld } from '@syncframe/test-kit/faults';
import type { CliProcess } from '@syncframe/test-kit/fleet';
import { spawnCli, until } from '@syncframe/test-kit/fleet';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ROTATED = {
  airtable: ['patROTATED0000000000000000000001', 'patROTATED0000000000000000000002'],
  webflow: ['wfROTATED00000000000000000000001', 'wfROTATED00000000000000000000002'],
};

let world: FaultWorld;
let scheduler: CliProcess;
let redis: Redis;
let queues: FleetQueues;

type Config = FaultWorld['config'];
const clone = <T>(v: T): T => structuredClone(v);

/** The config with a second job, `videos-b`, between Airtable VideosB and Webflow videos-b, run every second. */
function withJobB(): Config {
  const config = clone(world.config);
  const b = clone(config.jobs[0]!) as { id: string; sides: { airtable: { table: string }; webflow: { collection: string } } };
  b.id = 'videos-b';
  b.sides.airtable.table = 'VideosB';
  b.sides.webflow.collection = world.webflow.collectionId('videos-b');
  config.jobs.push({ ...b, schedule: '* * * * * *' });
  return config;
}

/** Count of "config reloaded" lines per process, to wait for the next reload of each. */
const reloads = (p: CliProcess) => p.lines.filter((l) => l.includes('"config reloaded"')).length;
async function afterReload(change: () => void): Promise<void> {
  const procs = [scheduler, ...world.liveWorkers()];
  const before = procs.map(reloads);
  change();
  await until(() => procs.every((p, i) => reloads(p) > before[i]!), 15_000, 'every process reloaded its config');
}

const syncSchedulers = async () => (await queues.ticks.getJobSchedulers()).map((s) => s.key).filter((k) => k.startsWith('sync.'));
const runsOf = async (jobId: string) => world.store.listRuns({ jobId, limit: 100 });

beforeAll(async () => {
  world = await startFaultWorld({
    extraTables: [{ airtable: 'VideosB', webflow: 'videos-b' }],
    extraTokens: ROTATED,
  });
  world.seed(10, 'base');
  redis = new Redis(world.env.REDIS_URL!, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  queues = openFleetQueues(redis, world.env.SYNCFRAME_QUEUE_PREFIX!);
  scheduler = spawnCli(['scheduler', '--config', world.configPath], world.env);
  const workers = [world.startWorker(), world.startWorker()];
  await Promise.all([scheduler.waitFor(/scheduler started/), ...workers.map((w) => w.waitFor(/worker started/))]);
  const { queueJobId } = await world.enqueue();
  await world.waitEnded(queueJobId);
}, 90_000);

afterAll(async () => {
  if (scheduler && scheduler.proc.exitCode === null && scheduler.proc.signalCode === null) {
    scheduler.proc.kill('SIGKILL');
    await scheduler.exited;
  }
  await queues?.ticks.close().catch(() => undefined);
  await queues?.runs.close().catch(() => undefined);
  redis?.disconnect();
  await world?.close();
});

describe('fault suite: the config changes under a running fleet', () => {
  it('(a) a job added with a schedule runs, (b) removed, stops; (c) rotated tokens are used from the next run', async () => {
    // Nothing is scheduled at first: `videos` runs on demand only.
    expect(await syncSchedulers()).toEqual([]);

    // (a) Add videos-b, scheduled every second, with records of its own.
    for (let i = 0; i < 5; i++) world.airtable.insert('VideosB', { Name: `b ${i}`, Slug: `b-${i}`, Notes: `note b ${i}` });
    await afterReload(() => world.writeConfig(withJobB()));
    await until(async () => (await syncSchedulers()).includes(schedulerIdOf('videos-b')), 15_000, 'the scheduler of videos-b exists');
    await until(async () => (await runsOf('videos-b')).filter((r) => r.status === 'success').length >= 2, 30_000, 'videos-b ran twice');
    expect(world.webflow.items('videos-b').map((i) => String(i.fieldData.slug)).sort()).toEqual(['b-0', 'b-1', 'b-2', 'b-3', 'b-4']);
    expect((await runsOf('videos-b')).map((r) => r.trigger)).toContain('schedule');

    // (b) Remove it: its job scheduler goes, and no run of it starts any more.
    await afterReload(() => world.writeConfig(world.config));
    await until(async () => !(await syncSchedulers()).includes(schedulerIdOf('videos-b')), 15_000, 'the scheduler of videos-b is removed');
    await world.waitIdle(30_000);
    const settled = (await runsOf('videos-b')).length;
    await sleep(3000);
    expect((await runsOf('videos-b')).length).toBe(settled);
    expect(await syncSchedulers()).toEqual([]);

    // (c1) Rotate by pointing the config at variables of a .env beside it.
    const dotenv = join(dirname(world.configPath), '.env');
    const rotated = clone(world.config);
    const sides = (rotated.jobs[0] as { sides: { airtable: { creds: Record<string, string> }; webflow: { creds: Record<string, string> } } }).sides;
    sides.airtable.creds.apiKey = '${SF_ROTATED_AT}';
    sides.webflow.creds.token = '${SF_ROTATED_WF}';
    await afterReload(() => {
      writeFileSync(dotenv, `SF_ROTATED_AT=${ROTATED.airtable[0]}\nSF_ROTATED_WF=${ROTATED.webflow[0]}\n`);
      world.writeConfig(rotated);
    });
    await expectRunWithTokens(ROTATED.airtable[0]!, ROTATED.webflow[0]!, 'rot1');

    // (c2) Rotate again by changing only the .env.
    await afterReload(() => writeFileSync(dotenv, `SF_ROTATED_AT=${ROTATED.airtable[1]}\nSF_ROTATED_WF=${ROTATED.webflow[1]}\n`));
    await expectRunWithTokens(ROTATED.airtable[1]!, ROTATED.webflow[1]!, 'rot2');

    // videos converged; one more run writes nothing.
    const bIds = new Set([
      ...world.airtable.records('VideosB').map((r) => r.id),
      ...world.webflow.items('videos-b').map((i) => i.id),
    ]);
    const report = await checkConvergence(world);
    // videos-b's links and cursors stay in the LinkIndex after the job was removed (a removed job's
    // state is kept, as for a renamed one): they are not the `videos` job's.
    const problems = report.problems.filter((p) => !p.includes('cursor of job videos-b') && ![...bIds].some((id) => p.includes(id)));
    console.log(`left by the removed job videos-b (not counted):\n${report.problems.filter((p) => !problems.includes(p)).join('\n')}`);
    expect(problems, report.problems.join('\n')).toEqual([]);
    expect(report.airtable).toBe(12);
    expect(await runOnceMore(world)).toEqual({ writeRequests: 0, written: 0, status: 'success' });
  }, 120_000);
});

/** A run (with a change on each side to push) sends only the given tokens, and succeeds. */
async function expectRunWithTokens(airtableToken: string, webflowToken: string, tag: string): Promise<void> {
  world.airtable.insert('Videos', { Name: `${tag}`, Slug: tag, Notes: `note ${tag}` });
  const item = world.webflow.items('videos').find((i) => !i.isArchived)!;
  world.webflow.edit('videos', item.id, { name: `edited ${tag}` });
  const from = { airtable: world.airtable.requests.length, webflow: world.webflow.requests.length };
  const { queueJobId, runId } = await world.enqueue();
  await world.waitEnded(queueJobId);
  const run = await world.store.getRun(runId!);
  expect(run?.status, JSON.stringify(run?.failures)).toBe('success');
  const at = world.airtable.requests.slice(from.airtable);
  const wf = world.webflow.requests.slice(from.webflow);
  expect(at.length).toBeGreaterThan(0);
  expect(wf.length).toBeGreaterThan(0);
  expect([...new Set(at.map((r) => r.authorization))]).toEqual([`Bearer ${airtableToken}`]);
  expect([...new Set(wf.map((r) => r.authorization))]).toEqual([`Bearer ${webflowToken}`]);
  expect(world.webflow.items('videos').some((i) => i.fieldData.slug === tag)).toBe(true);
  expect(world.airtable.records('Videos').some((r) => r.fields.Name === `edited ${tag}`)).toBe(true);
}
