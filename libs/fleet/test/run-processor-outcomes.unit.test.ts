/**
 * The processor applies `runOutcome`'s outcomes with BullMQ calls: checked here for the outcomes
 * decided before a run starts (the others are covered by apps/worker's fleet integration test).
 */
import type { Job } from 'bullmq';
import { DelayedError, UnrecoverableError } from 'bullmq';
import { describe, expect, it, vi } from 'vitest';
import type { LoadedConfig } from '@syncframe/config';
import type { RunJobData } from '@syncframe/fleet';
import { MemoryLinkIndex } from '@syncframe/linkindex';
import { runProcessorOver, useMemoryJobConfig } from './run-processor-fixtures.js';

const config = useMemoryJobConfig();

function fakeJob(jobId: string) {
  const moveToDelayed = vi.fn(async () => undefined);
  const job = {
    id: '17', data: { jobId, trigger: 'api', requestedAt: new Date().toISOString() } satisfies RunJobData, attemptsMade: 0,
    updateProgress: async () => undefined, moveToDelayed,
  } as unknown as Job<RunJobData>;
  return { job, moveToDelayed };
}

function processorOver(store: MemoryLinkIndex, current: () => LoadedConfig = config) {
  return runProcessorOver(store, current);
}

describe('run processor outcomes', () => {
  it('fails a job missing from the config with UnrecoverableError', async () => {
    const { job } = fakeJob('ghost');
    const error = await processorOver(new MemoryLinkIndex())(job).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toBe('job "ghost" is not in this worker\'s config');
  });

  it('completes a job disabled in the config as skipped', async () => {
    const disabled = { ...config(), jobs: config().jobs.map((j) => ({ ...j, enabled: false })) } as LoadedConfig;
    const { job } = fakeJob('j');
    expect(await processorOver(new MemoryLinkIndex(), () => disabled)(job)).toEqual({ outcome: 'skipped', reason: 'the job is disabled in the config' });
  });

  it('delays a run while another holds the lease (moveToDelayed by busyRetryMs + DelayedError)', async () => {
    const store = new MemoryLinkIndex();
    expect(await store.acquireLease('j', 'other', 60_000)).not.toBeNull();
    const { job, moveToDelayed } = fakeJob('j');
    const before = Date.now();
    const error = await processorOver(store)(job, 'lock-token').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DelayedError);
    expect(moveToDelayed).toHaveBeenCalledTimes(1);
    const [at, token] = moveToDelayed.mock.calls[0] as unknown as [number, string];
    expect(token).toBe('lock-token');
    expect(at).toBeGreaterThanOrEqual(before + 1000);
  });
});
