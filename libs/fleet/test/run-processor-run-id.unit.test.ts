/**
 * The run id chosen at enqueue time (`RunJobData.runId`) is the id the engine records the run
 * under: the first attempt records it as is, later attempts `<runId>.<n>`, so the link an enqueue
 * hands out leads to the run and no attempt overwrites another's record.
 */
import type { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import type { RunJobData } from '@syncframe/fleet';
import { attemptRunId, baseRunIdOf } from '@syncframe/fleet';
import { MemoryLinkIndex } from '@syncframe/linkindex';
import { runProcessorOver, useMemoryJobConfig } from './run-processor-fixtures.js';

const config = useMemoryJobConfig();

/** The parts of a BullMQ job the processor uses. */
function fakeJob(data: RunJobData, attemptsMade: number): Job<RunJobData> {
  return {
    id: data.runId ?? '17', data, attemptsMade,
    updateProgress: async () => undefined,
  } as unknown as Job<RunJobData>;
}

function processorOver(store: MemoryLinkIndex) {
  return runProcessorOver(store, config);
}

describe('run ids', () => {
  it('numbers attempts after the enqueued run id', () => {
    expect(attemptRunId('abc', 1)).toBe('abc');
    expect(attemptRunId('abc', 3)).toBe('abc.3');
    expect(baseRunIdOf('abc.3')).toBe('abc');
    expect(baseRunIdOf('abc')).toBe('abc');
  });

  it('records the first attempt under the enqueued run id, later attempts under <runId>.<n>, never over another record', async () => {
    const store = new MemoryLinkIndex();
    const processRun = processorOver(store);
    const runId = '5f0c2a8e-3b1d-4c6e-9a7f-1e2d3c4b5a69';
    const data: RunJobData = { jobId: 'j', trigger: 'api', requestedAt: new Date().toISOString(), runId };

    expect(await processRun(fakeJob(data, 0))).toMatchObject({ outcome: 'ran', runId });
    expect(await store.getRun(runId)).toMatchObject({ runId, jobId: 'j', trigger: 'api' });

    // BullMQ's second attempt.
    expect(await processRun(fakeJob(data, 1))).toMatchObject({ outcome: 'ran', runId: `${runId}.2` });
    expect(await store.getRun(`${runId}.2`)).toMatchObject({ trigger: 'retry' });
    // The same attempt number once more (handed back at shutdown, retried from Bull Board): the next free id.
    expect(await processRun(fakeJob(data, 1))).toMatchObject({ outcome: 'ran', runId: `${runId}.3` });
    expect((await store.listRuns({ jobId: 'j' })).map((r) => r.runId).sort()).toEqual([runId, `${runId}.2`, `${runId}.3`]);
  });

  it('gives a job queued without a run id (by hand) a fresh one per attempt', async () => {
    const store = new MemoryLinkIndex();
    const processRun = processorOver(store);
    const data: RunJobData = { jobId: 'j', trigger: 'retry', requestedAt: new Date().toISOString() };
    const first = await processRun(fakeJob(data, 0));
    const second = await processRun(fakeJob(data, 0));
    expect(first).toMatchObject({ outcome: 'ran', runId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(second).toMatchObject({ outcome: 'ran' });
    expect((second as { runId: string }).runId).not.toBe((first as { runId: string }).runId);
  });
});
