import type { Processor } from 'bullmq';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FleetSettings } from './fleet-settings.js';
import type { RunJobData, TickJobData } from './queues.js';
import { QUEUES } from './queues.js';
import type { RunResult } from './run-outcome.js';

/**
 * The BullMQ objects of the fleet, opened here so that libs/fleet is the one package that imports
 * BullMQ (the boundary check enforces it): the apps call these and hold the results by the types
 * below.
 */
export type RunQueue = Queue<RunJobData>;
export type TickQueue = Queue<TickJobData>;
export type RunWorker = Worker<RunJobData, RunResult>;
export type TickWorker = Worker<TickJobData>;
/** Either queue, for code that only reads them (the board's views and metrics). */
export type AnyFleetQueue = Queue;

/** Both queues, on one producer connection. */
export interface FleetQueues {
  readonly runs: RunQueue;
  readonly ticks: TickQueue;
}

export function openRunQueue(connection: Redis, prefix: string): RunQueue {
  return new Queue<RunJobData>(QUEUES.runs, { connection, prefix });
}

export function openFleetQueues(connection: Redis, prefix: string): FleetQueues {
  return { runs: openRunQueue(connection, prefix), ticks: new Queue<TickJobData>(QUEUES.ticks, { connection, prefix }) };
}

export async function closeFleetQueues(queues: FleetQueues): Promise<void> {
  await Promise.all([queues.runs.close(), queues.ticks.close()]);
}

/** The worker of the runs queue: one per worker process, `settings.concurrency` runs at once. */
export function openRunWorker(
  connection: Redis,
  processor: Processor<RunJobData, RunResult>,
  settings: Pick<FleetSettings, 'queuePrefix' | 'concurrency' | 'lockDurationMs' | 'stalledIntervalMs' | 'maxStalledCount'>,
): RunWorker {
  return new Worker<RunJobData, RunResult>(QUEUES.runs, processor, {
    connection,
    prefix: settings.queuePrefix,
    concurrency: settings.concurrency,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    maxStalledCount: settings.maxStalledCount,
  });
}

/** Ticks are tiny (enqueue one run each): a few at once are plenty. */
const TICK_CONCURRENCY = 5;

/** The scheduler's worker of the ticks queue. */
export function openTickWorker(connection: Redis, processor: Processor<TickJobData>, prefix: string): TickWorker {
  return new Worker<TickJobData>(QUEUES.ticks, processor, { connection, prefix, concurrency: TICK_CONCURRENCY });
}
