import type { Router } from 'express';
import type { FleetQueues } from '@syncframe/fleet';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BULL_BOARD_PATH } from './security-headers.js';

const HIDDEN = '[hidden]';

/**
 * Job data as Bull Board shows it: only the keys the fleet puts there, anything else masked. The
 * fleet never puts a secret in job data (Redis stores it in clear text), but a job added by hand
 * through the UI or redis-cli could, and Bull Board would show it to every viewer.
 */
export function maskJobData(allowed: readonly string[]) {
  return (data: unknown): unknown => {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return HIDDEN;
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, allowed.includes(k) && isPlain(v) ? v : HIDDEN]));
  };
}

function isPlain(v: unknown): boolean {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

/** Keys of `RunJobData` and `TickJobData`. */
const RUN_KEYS = ['jobId', 'trigger', 'requestedAt', 'runId'] as const;
const TICK_KEYS = ['kind', 'jobId', 'specHash', 'olderThanDays'] as const;

/**
 * Bull Board over the fleet's queues, to mount at {@link BULL_BOARD_PATH} behind the board's
 * authentication and CSRF guard (it has none of its own).
 *
 * `sync-runs` allows retries: a retried run is just another trigger and meets the same guards as
 * every other one (BullMQ deduplication per job, then the workers' PostgreSQL lease: one active
 * run per job across the fleet). `sync-ticks` is read-only: its jobs are produced by the
 * schedulers, which the scheduler app reconciles from the config; editing them here would be undone.
 */
export function createBullBoardRouter(queues: FleetQueues): Router {
  const serverAdapter = new ExpressAdapter();
  // Must equal the mount path as the browser sees it: the UI builds its URLs from it.
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  const runs = new BullMQAdapter(queues.runs, {
    readOnlyMode: false,
    allowRetries: true,
    description: 'Runs of sync jobs. A retry is one more trigger: deduplicated per job and guarded by the one-run-per-job lease.',
  });
  runs.setFormatter('data', maskJobData(RUN_KEYS));
  const ticks = new BullMQAdapter(queues.ticks, {
    readOnlyMode: true,
    allowRetries: false,
    description: 'Ticks of the job schedulers (read-only: the scheduler app owns them).',
  });
  ticks.setFormatter('data', maskJobData(TICK_KEYS));
  createBullBoard({
    queues: [runs, ticks],
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'SyncFrame queues',
        miscLinks: [{ text: 'SyncFrame board', url: '/' }, { text: 'Log out', url: '/logout' }],
        hideDocsLink: true,
      },
    },
  });
  return serverAdapter.getRouter() as Router;
}
