import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { ApiContext } from './api-context.js';

const conflictsQuery = z.strictObject({ job: z.string().min(1).max(200).optional() });

/**
 * `GET /api/conflicts?job=`: open conflicts with both payloads, oldest first; without `job`,
 * those of every configured job. A field_merge conflict also has `fields`: the fields changed on
 * both sides (source-side names); a whole-record conflict has none.
 */
export function listConflictsHandler({ deps }: ApiContext): RequestHandler {
  return async (req, res) => {
    const { job } = conflictsQuery.parse(req.query);
    const jobIds = job !== undefined ? [job] : deps.config().jobs.map((j) => j.id);
    const conflicts = (await Promise.all(jobIds.map((id) => deps.store.listConflicts(id, 'open')))).flat();
    res.json({ conflicts });
  };
}
