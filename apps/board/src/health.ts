import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { LinkIndex, Logger } from '@syncframe/engine';
import { errorSummary } from './http-errors.js';

/** A dependency that does not answer within this is reported down. @defaultValue 2 s */
export const HEALTH_TIMEOUT_MS = 2000;

/** A job id nobody configures: reading its state proves the LinkIndex answers, without touching real jobs. */
const PROBE_JOB_ID = '__syncframe_board_healthz__';

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /healthz` (no auth): 200 `{ok: true}` when Redis and the LinkIndex both answer, else 503
 * with which one did not. It says nothing else: it is public.
 */
export function healthHandler(deps: { redis: Redis; store: LinkIndex; logger: Logger }): RequestHandler {
  return async (_req, res) => {
    const [redis, linkindex] = await Promise.allSettled([
      within(HEALTH_TIMEOUT_MS, deps.redis.ping()),
      within(HEALTH_TIMEOUT_MS, deps.store.getJobState(PROBE_JOB_ID)),
    ]);
    const checks = { redis: redis.status === 'fulfilled', linkindex: linkindex.status === 'fulfilled' };
    const ok = checks.redis && checks.linkindex;
    if (!ok) {
      deps.logger.warn({
        redis: redis.status === 'rejected' ? errorSummary(redis.reason).message : 'ok',
        linkindex: linkindex.status === 'rejected' ? errorSummary(linkindex.reason).message : 'ok',
      }, 'health check failed');
    }
    res.status(ok ? 200 : 503).json({ ok, checks });
  };
}
