import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@syncframe/engine';
import { PRUNE_SCHEDULER_ID } from '@syncframe/fleet';
import type { SchedulerHandle } from '@syncframe/scheduler';
import { startScheduler } from '@syncframe/scheduler';
import { DATABASE_URL, freshSchema, REDIS_URL, tempDir, until, writeMappers } from '@syncframe/test-kit/fleet';

const prefix = `sf-test-${randomUUID().slice(0, 8)}`;
const env = { ...process.env, DATABASE_URL, REDIS_URL, SYNCFRAME_QUEUE_PREFIX: prefix };
const logger = createLogger({ level: 'silent' });
let dir: string;
let configPath: string;
let schema: string;
let dropSchema: () => Promise<void>;
const handles: SchedulerHandle[] = [];

function writeConfig(jobs: { id: string; cron?: string; enabled?: boolean; tz?: string; reconcile?: string }[]) {
  const job = (j: (typeof jobs)[number]) => ({
    id: j.id,
    ...(j.enabled === false ? { enabled: false } : {}),
    ...(j.cron ? { schedule: j.tz ? { cron: j.cron, timezone: j.tz } : j.cron } : {}),
    ...(j.reconcile ? { reconcile: { every: j.reconcile } } : {}),
    sides: { a: { adapter: 'memory', table: `A-${j.id}` }, b: { adapter: 'memory', table: `B-${j.id}` } },
    mappings: { 'a->b': './at-to-wf.mjs', 'b->a': './wf-to-at.mjs' },
  });
  writeFileSync(configPath, JSON.stringify({ linkindex: { driver: 'postgres', conn: '${DATABASE_URL}', schema }, jobs: jobs.map(job) }, null, 2));
}

const schedulerIds = async (h: SchedulerHandle) => (await h.ticks.getJobSchedulers(0, -1, true)).map((s) => s.key).sort();

beforeAll(async () => {
  ({ schema, drop: dropSchema } = await freshSchema());
  dir = tempDir();
  writeMappers(dir);
  configPath = join(dir, 'jobs.jsonc');
});

afterAll(async () => {
  for (const h of handles) await h.close().catch(() => undefined);
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await dropSchema();
});

describe('scheduler', () => {
  it('three replicas starting at once converge to one scheduler per enabled scheduled job, plus the nightly prune', async () => {
    writeConfig([
      { id: 'every-5', cron: '*/5 * * * *' },
      { id: 'paris', cron: '0 9 * * 1-5', tz: 'Europe/Paris' },
      { id: 'manual' },
      { id: 'off', cron: '* * * * *', enabled: false },
    ]);
    handles.push(...(await Promise.all([1, 2, 3].map(() => startScheduler({ configPath, env, logger, watchConfig: false })))));
    const h = handles[0]!;
    expect(await schedulerIds(h)).toEqual([PRUNE_SCHEDULER_ID, 'sync.every-5', 'sync.paris']);
    const paris = (await h.ticks.getJobSchedulers(0, -1)).find((s) => s.key === 'sync.paris')!;
    expect(paris).toMatchObject({ pattern: '0 9 * * 1-5', tz: 'Europe/Paris' });
    expect(paris.next).toBeGreaterThan(Date.now());
    // As many delayed ticks as schedulers: no duplicates from the racing replicas.
    expect(await h.ticks.getDelayedCount()).toBe(3);
    // Running again changes nothing.
    expect(await h.reload()).toMatchObject({ upserted: [], removed: [], unchanged: 3 });
  });

  it('reloads: jobs that left the config or were disabled lose their schedulers, changed ones are updated', async () => {
    const h = handles[0]!;
    writeConfig([{ id: 'every-5', cron: '*/10 * * * *' }, { id: 'paris', cron: '0 9 * * 1-5', tz: 'Europe/Paris', enabled: false }, { id: 'new', cron: '0 0 * * *' }]);
    const report = await h.reload();
    expect(report).toMatchObject({ upserted: ['sync.every-5', 'sync.new'], removed: ['sync.paris'] });
    expect(await schedulerIds(h)).toEqual([PRUNE_SCHEDULER_ID, 'sync.every-5', 'sync.new']);
    expect((await h.ticks.getJobScheduler('sync.every-5'))!.pattern).toBe('*/10 * * * *');
    expect(await h.ticks.getDelayedCount()).toBe(3);
  });

  it('a broken config on reload keeps the previous one', async () => {
    const h = handles[0]!;
    writeFileSync(configPath, '{ "jobs": [ { "id": "x" ');
    expect(await h.reload()).toBeNull();
    expect(await schedulerIds(h)).toEqual([PRUNE_SCHEDULER_ID, 'sync.every-5', 'sync.new']);
  });

  it('reloads on SIGHUP and when the file changes', async () => {
    writeConfig([{ id: 'every-5', cron: '*/10 * * * *' }]);
    const watching = await startScheduler({ configPath, env, logger, watchConfig: true });
    handles.push(watching);
    writeConfig([{ id: 'every-5', cron: '*/10 * * * *' }, { id: 'watched', cron: '0 1 * * *' }]);
    await until(async () => (await schedulerIds(watching)).includes('sync.watched'), 10_000, 'the file change is picked up');
    writeConfig([{ id: 'every-5', cron: '*/10 * * * *' }, { id: 'watched', cron: '0 1 * * *' }, { id: 'hup', cron: '0 2 * * *' }]);
    process.kill(process.pid, 'SIGHUP');
    await until(async () => (await schedulerIds(watching)).includes('sync.hup'), 10_000, 'SIGHUP reload');
  });

  it('a tick enqueues a deduplicated run of its job', async () => {
    const h = handles[0]!;
    writeConfig([{ id: 'fast', cron: '* * * * * *' }]); // every second (6 fields: seconds first)
    // Every replica takes ticks, so every replica must know the job (as after a real deploy).
    await Promise.all(handles.map((x) => x.reload()));
    await until(async () => ((await h.runs.getJobCounts('waiting')).waiting ?? 0) >= 1, 10_000, 'a run is enqueued');
    await new Promise((r) => setTimeout(r, 2500));
    // Several ticks later there is still one waiting run of the job: deduplicated.
    const waiting = await h.runs.getWaiting();
    expect(waiting.filter((j) => j.data.jobId === 'fast')).toHaveLength(1);
    expect(waiting[0]!.data).toMatchObject({ jobId: 'fast', trigger: 'schedule' });
  });

  it('keeps a reconciliation scheduler per job with `reconcile`, whose tick enqueues a reconciling run apart from plain runs', async () => {
    const h = handles[0]!;
    writeConfig([{ id: 'hourly', cron: '0 * * * *', reconcile: '6h' }, { id: 'on-demand', reconcile: '1d' }]);
    await Promise.all(handles.map((x) => x.reload()));
    expect(await schedulerIds(h)).toEqual([PRUNE_SCHEDULER_ID, 'reconcile.hourly', 'reconcile.on-demand', 'sync.hourly']);
    expect(await h.ticks.getJobScheduler('reconcile.hourly')).toMatchObject({ every: 6 * 3600_000 });
    expect(await h.reload()).toMatchObject({ upserted: [], removed: [] });

    // A reconcile tick (as the scheduler adds it) becomes a reconciling run; a plain run of the job queues beside it.
    await h.ticks.add('tick', { kind: 'reconcile', jobId: 'on-demand', everyMs: 86_400_000 });
    await until(async () => (await h.runs.getWaiting()).some((j) => j.data.jobId === 'on-demand'), 10_000, 'a reconciling run is enqueued');
    await h.ticks.add('tick', { kind: 'sync', jobId: 'on-demand', specHash: 'x' });
    await until(async () => (await h.runs.getWaiting()).filter((j) => j.data.jobId === 'on-demand').length === 2, 10_000, 'a plain run queues beside it');
    const runs = (await h.runs.getWaiting()).filter((j) => j.data.jobId === 'on-demand');
    expect(runs.map((j) => j.data.reconcile === true).sort()).toEqual([false, true]);

    writeConfig([{ id: 'hourly', cron: '0 * * * *' }]);
    expect(await h.reload()).toMatchObject({ removed: ['reconcile.hourly', 'reconcile.on-demand'] });
  });

  it('refuses an embedded store: a fleet needs postgres', async () => {
    writeFileSync(configPath, JSON.stringify({ linkindex: { driver: 'pglite' }, jobs: [{ id: 'j', sides: { a: { adapter: 'memory', table: 'A' }, b: { adapter: 'memory', table: 'B' } }, mappings: { 'a->b': './at-to-wf.mjs', 'b->a': './wf-to-at.mjs' } }] }));
    await expect(startScheduler({ configPath, env, logger, watchConfig: false })).rejects.toThrow(/needs linkindex.driver "postgres"/);
  });
});
