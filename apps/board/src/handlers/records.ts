import type { RequestHandler } from 'express';
import { z } from 'zod';
import { findJob } from '../job-lookup.js';
import { explainJobRecord, retryFailingRecords } from '../record-explainer.js';
import type { ApiContext } from './api-context.js';
import { idParams } from './params.js';

const recordParams = idParams.extend({ recordId: z.string().min(1).max(200) });
const recordKey = z.strictObject({ side: z.enum(['source', 'dest']), recordId: z.string().min(1).max(200) });
/** `{"records": [{side, recordId}, ...]}` or `{"all": true}`. */
export const retryBody = z.union([z.strictObject({ records: z.array(recordKey).min(1).max(1000) }), z.strictObject({ all: z.literal(true) })]);

/**
 * `GET /api/jobs/:id/records/:recordId`: why a record did (not) sync, by either side's id (see
 * `RecordExplanation`): 200 with `side: null` when neither side knows it; 404 job not in the
 * config; 502 a remote could not be read. Reads only.
 */
export function explainRecordHandler({ deps, scrubber }: ApiContext): RequestHandler {
  return async (req, res) => {
    const { id, recordId } = recordParams.parse(req.params);
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    res.json(await explainJobRecord(deps, id, recordId, scrubber, gone.signal));
  };
}

/** `GET /api/jobs/:id/failing-records`: records that failed alone and have not synced since, most recent first. */
export function listFailingRecordsHandler({ deps, scrubber }: ApiContext): RequestHandler {
  return async (req, res) => {
    const { id } = idParams.parse(req.params);
    const job = findJob(deps, id);
    const failing = await deps.store.listRecordFailures(job.id);
    res.json({ failingRecords: failing.map((f) => ({ ...f, reason: scrubber.scrub(f.reason) })) });
  };
}

/**
 * `POST /api/jobs/:id/failing-records/retry` `{"records": [{side, recordId}]}` or `{"all": true}`:
 * the next run reads them by id and plans them again (also those no longer retried by themselves);
 * a run is enqueued. 200 `{requested, run, runSkipped?}`.
 */
export function retryFailingRecordsHandler({ deps }: ApiContext): RequestHandler {
  return async (req, res) => {
    const { id } = idParams.parse(req.params);
    const body = retryBody.parse(req.body ?? {});
    res.json(await retryFailingRecords(deps, id, 'all' in body ? 'all' : body.records));
  };
}
