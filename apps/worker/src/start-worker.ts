import type { FleetProcessOptions, RunWorker } from '@syncframe/fleet';
import {
  createConfigReloader, createRunProcessor, FileRecordSpool, openFleetProcess, openRedis, openRunWorker, processIdentity, RedisThrottleProvider,
} from '@syncframe/fleet';
import { startHealthServer } from './health-server.js';

export type StartWorkerOptions = FleetProcessOptions;

export interface WorkerHandle {
  readonly worker: RunWorker;
  /** Port of the health server, when one runs. */
  readonly healthPort: number | null;
  /**
   * Graceful stop: take no new runs, let the current ones finish within the grace period, then
   * hand whatever still runs back to the queue (another worker resumes it from its last cursor).
   */
  close(): Promise<void>;
}

/** A worker process: a BullMQ Worker on the runs queue running the engine. */
export async function startWorker(options: StartWorkerOptions): Promise<WorkerHandle> {
  const { env, settings, logger, config, store, redisUrl } = await openFleetProcess('worker', options);
  const connection = await openRedis(redisUrl, 'worker');
  // Rate-limit calls fail fast instead of queueing while Redis is away.
  const limiterRedis = await openRedis(redisUrl, 'producer');
  const holder = await processIdentity();
  // Runs of a worker killed mid-run may have left their spilled records behind.
  const swept = await FileRecordSpool.sweepStale();
  if (swept.length > 0) logger.info({ folders: swept.length }, 'removed spools left by stopped workers');
  // A rotated token or a job added to the config reaches the next runs without a restart.
  const reloader = createConfigReloader(config, {
    configPath: options.configPath, env, logger, processName: 'worker', onReload: async () => undefined,
    ...(options.watchConfig === false ? { watch: false } : {}),
  });
  const onHup = () => void reloader.reload();
  process.on('SIGHUP', onHup);
  const processor = createRunProcessor({
    config: reloader.current,
    store,
    throttles: new RedisThrottleProvider(limiterRedis, { prefix: `${settings.queuePrefix}:rl`, logger, outageToleranceMs: settings.storeOutageToleranceMs }),
    logger,
    holder,
    settings,
  });
  const worker = openRunWorker(connection, processor, settings);
  let closing = false;
  worker.on('error', (err) => logger.error({ err: err.message }, 'worker error'));
  worker.on('failed', (job, err) => logger.warn({ queueJobId: job?.id, jobId: job?.data.jobId, attemptsMade: job?.attemptsMade, err: err.message }, 'run failed'));
  worker.on('completed', (job, result) => logger.info({ queueJobId: job.id, jobId: job.data.jobId, ...result }, 'run completed'));
  // A lost BullMQ lock means another worker may take the job: stop this copy (its writes are fenced anyway).
  worker.on('lockRenewalFailed', (ids) => ids.forEach((id) => worker.cancelJob(id, 'lock lost')));
  await worker.waitUntilReady();

  const health = settings.healthPort > 0
    ? await startHealthServer(settings.healthPort, { ready: () => !closing && worker.isRunning() && connection.status === 'ready' })
    : null;
  logger.info({ holder, concurrency: settings.concurrency, queuePrefix: settings.queuePrefix, healthPort: health?.port ?? null }, 'worker started');

  return {
    worker,
    healthPort: health?.port ?? null,
    async close() {
      if (closing) return;
      closing = true;
      logger.info({ graceMs: settings.shutdownGraceMs }, 'worker stopping: no new runs');
      const closed = worker.close();
      const inTime = await Promise.race([closed.then(() => true), sleep(settings.shutdownGraceMs).then(() => false)]);
      if (!inTime) {
        logger.warn({}, 'grace period over: handing running runs back to the queue');
        worker.cancelAllJobs('shutdown');
        await Promise.race([closed, sleep(5000)]);
        await worker.close(true);
      }
      process.off('SIGHUP', onHup);
      reloader.close();
      await health?.close();
      await store.close();
      limiterRedis.disconnect();
      connection.disconnect();
      logger.info({}, 'worker stopped');
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
