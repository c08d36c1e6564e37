import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { PendingDeleteState } from '@syncframe/engine';
import { decideDeletesAndRun, enqueueJobRun } from '../job-commands.js';
import { findJob } from '../job-lookup.js';
import type { ApiContext } from './api-context.js';
import { idParams } from './params.js';

/** Pending deletes one call decides at most (the page of a list). */
const MAX_IDS = 1000;

const STATES = { waiting: ['open', 'approved', 'rejected'], open: ['open'], approved: ['approved'], rejected: ['rejected'], done: ['done'] } as const;
const listQuery = z.strictObject({ state: z.enum(['waiting', 'open', 'approved', 'rejected', 'done', 'all']).default('waiting') });

/** `{"ids": [...]}` or `{"all": true}`: exactly one. */
export const decideBody = z.union([
  z.strictObject({ ids: z.array(z.string().min(1).max(200)).min(1).max(MAX_IDS) }),
  z.strictObject({ all: z.literal(true) }),
]);

/**
 * `GET /api/jobs/:id/pending-deletes?state=waiting|open|approved|rejected|done|all`: the deletes the
 * job's delete brake held back, oldest first, each with the record it would delete as last seen.
 * `waiting` (default): not carried out yet. 404 for a job not in the config.
 */
export function listPendingDeletesHandler({ deps }: ApiContext): RequestHandler {
  return async (req, res) => {
    const { id } = idParams.parse(req.params);
    const { state } = listQuery.parse(req.query);
    const job = findJob(deps, id);
    const states: readonly PendingDeleteState[] | undefined = state === 'all' ? undefined : STATES[state];
    res.json({ pendingDeletes: await deps.store.listPendingDeletes(job.id, states) });
  };
}

/**
 * `POST /api/jobs/:id/pending-deletes/approve` (or `/reject`) with `{"ids": [...]}` or `{"all": true}`:
 * decides those still open and enqueues a run to carry it out. 200 `{decided, run, runSkipped?}`;
 * ids that were not open (unknown, decided meanwhile) are simply not in `decided`.
 */
export function decidePendingDeletesHandler({ deps }: ApiContext, decision: 'approved' | 'rejected'): RequestHandler {
  return async (req, res) => {
    const { id } = idParams.parse(req.params);
    const body = decideBody.parse(req.body ?? {});
    res.json(await decideDeletesAndRun(deps, id, 'all' in body ? 'all' : body.ids, decision));
  };
}

/** `POST /api/jobs/:id/reconcile`: enqueues a reconciling run. 202 like `POST /api/jobs/:id/runs`. */
export function reconcileJobHandler({ deps }: ApiContext): RequestHandler {
  return async (req, res) => {
    const { id } = idParams.parse(req.params);
    res.status(202).json(await enqueueJobRun(deps, id, { reconcile: true }));
  };
}
