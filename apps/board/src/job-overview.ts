import type { JobConfig, ScheduleConfig, SideConfig } from '@syncframe/config';
import type { ConflictPolicy, RunSummary, Side } from '@syncframe/engine';
import { schedulerIdOf, sideRef } from '@syncframe/fleet';
import type { BoardDeps } from './board-deps.js';
import { scrubRun } from './run-lookup.js';

/** One side of a job as the board shows it: where it points, never its credentials. */
export interface SideView {
  readonly role: Side;
  readonly name: string;
  /** The adapter plug-in's own name (`airtable`, `webflow`, `postgres`, a plug-in's). */
  readonly adapter: string;
  /** What the side points at, as its plug-in names it: a table, a Webflow collection, a file. */
  readonly table: string;
  /** Runs in a row this side failed (reset by a good run or by enabling the job). */
  readonly failCount: number;
}

/** One configured job with its live state. */
export interface JobView {
  readonly id: string;
  /** `enabled` in the config. */
  readonly enabled: boolean;
  /** When the job was disabled in the LinkIndex (by a person or after repeated failures); null when not. */
  readonly disabledAt: string | null;
  /** Enabled in the config and not disabled: runs will happen. */
  readonly runnable: boolean;
  readonly schedule: ScheduleConfig | null;
  readonly conflictPolicy: ConflictPolicy;
  readonly sides: readonly SideView[];
  readonly lastRun: RunSummary | null;
  /** Next tick of the job's scheduler (ISO); null when it has none or the job is not runnable. */
  readonly nextRunAt: string | null;
  readonly openConflicts: number;
}

function sideView(role: Side, side: SideConfig, failCount: number): SideView {
  // Field by field on purpose: a spread of the config side would carry its options (credentials) along.
  return { role, name: side.name, adapter: side.plugin, table: side.table, failCount };
}

/**
 * The live view of one configured job (six small reads, in parallel). `scrub` cleans the last
 * run's messages of configured secrets.
 */
export async function jobView(deps: Pick<BoardDeps, 'store' | 'queues'>, job: JobConfig, scrub: (text: string) => string = (t) => t): Promise<JobView> {
  const { store, queues } = deps;
  const [state, sourceFails, destFails, runs, open, scheduler] = await Promise.all([
    store.getJobState(job.id),
    store.getFailCount(job.id, sideRef(job.source)),
    store.getFailCount(job.id, sideRef(job.dest)),
    store.listRuns({ jobId: job.id, limit: 1 }),
    store.listConflicts(job.id, 'open'),
    job.schedule ? queues.ticks.getJobScheduler(schedulerIdOf(job.id)) : Promise.resolve(undefined),
  ]);
  const runnable = job.enabled && state.disabledAt === null;
  return {
    id: job.id,
    enabled: job.enabled,
    disabledAt: state.disabledAt,
    runnable,
    schedule: job.schedule,
    conflictPolicy: job.conflictPolicy,
    sides: [sideView('source', job.source, sourceFails), sideView('dest', job.dest, destFails)],
    lastRun: runs[0] ? scrubRun(runs[0], scrub) : null,
    nextRunAt: runnable && typeof scheduler?.next === 'number' ? new Date(scheduler.next).toISOString() : null,
    openConflicts: open.length,
  };
}

/** Every configured job, in config order. */
export async function listJobViews(deps: Pick<BoardDeps, 'config' | 'store' | 'queues'>, scrub?: (text: string) => string): Promise<JobView[]> {
  return Promise.all(deps.config().jobs.map((job) => jobView(deps, job, scrub)));
}
