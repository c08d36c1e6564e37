import { openRedis, DEFAULT_REDIS_URL, describeRedisUrl, ENQUEUE_OUTCOME_MESSAGES, enqueueRun, fleetSettingsFromEnv, openRunQueue,
  RedisUnavailableError } from '@syncframe/fleet';
import type { CliContext } from '../cli-context.js';
import { EXIT, requireJob } from '../cli-context.js';

/** `syncframe enqueue --job ID`: an ad-hoc run through the queue (a worker runs it). */
export async function enqueueCommand(ctx: CliContext): Promise<number> {
  const job = await requireJob(ctx);
  if (!job.enabled) {
    ctx.err(`job "${job.id}" is disabled in the config`);
    return EXIT.failed;
  }
  if ((await (await ctx.store()).getJobState(job.id)).disabledAt) {
    ctx.err(`job "${job.id}" is disabled after repeated failures; run \`syncframe jobs enable ${job.id}\` first`);
    return EXIT.failed;
  }
  const url = ctx.env.REDIS_URL || DEFAULT_REDIS_URL;
  const redis = await openRedis(url, 'producer');
  const queue = openRunQueue(redis, fleetSettingsFromEnv(ctx.env).queuePrefix);
  try {
    const enqueued = await enqueueRun(queue, job, 'cli', new Date(), { reconcile: ctx.args.values.reconcile === true }).catch((err: Error) => {
      throw new RedisUnavailableError(`cannot reach Redis at ${describeRedisUrl(url)}: ${err.message}`, { cause: err });
    });
    ctx.out(`${job.id}: ${ENQUEUE_OUTCOME_MESSAGES[enqueued.outcome]}`);
    if (enqueued.runId) ctx.out(`  run ${enqueued.runId}: follow it on the board at /runs/${enqueued.runId} (or GET /api/runs/${enqueued.runId})`);
    return EXIT.ok;
  } finally {
    await queue.close();
    redis.disconnect();
  }
}
