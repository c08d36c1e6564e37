import type { RequestHandler } from 'express';
import { DEFAULT_RUNS_PAGE } from '@syncframe/engine';
import { z } from 'zod';
import { scrubRun } from '../run-lookup.js';
import type { ApiContext } from './api-context.js';

export const MAX_RUNS_PAGE = 200;

const isoDateTime = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 date-time');

const runsQuery = z.strictObject({
  job: z.string().min(1).max(200).optional(),
  status: z.enum(['success', 'partial', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_RUNS_PAGE).default(DEFAULT_RUNS_PAGE),
  before: isoDateTime.optional(),
});

/**
 * `GET /api/runs?job=&status=&limit=&before=`: run summaries, newest first. `nextBefore` is the
 * `before` of the next page, null on the last one.
 */
export function listRunsHandler({ deps, scrubber }: ApiContext): RequestHandler {
  return async (req, res) => {
    const q = runsQuery.parse(req.query);
    const runs = await deps.store.listRuns({
      limit: q.limit,
      ...(q.job !== undefined ? { jobId: q.job } : {}),
      ...(q.status !== undefined ? { status: q.status } : {}),
      ...(q.before !== undefined ? { before: new Date(q.before).toISOString() } : {}),
    });
    const nextBefore = runs.length === q.limit ? runs[runs.length - 1]!.startedAt : null;
    res.json({ runs: runs.map((r) => scrubRun(r, (t) => scrubber.scrub(t))), nextBefore });
  };
}
