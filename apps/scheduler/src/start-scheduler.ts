import { Queue, Worker } from 'bullmq';
import type { Logger } from '@syncframe/engine';
import type { ConfigReloader, FleetSettings, ReconcileReport, TickJobData } from '@syncframe/fleet';
import {
  createConfigReloader, createTickProcessor, openFleetProcess, openRedis, QUEUES, reconcileSchedulers,
} from '@syncframe/fleet';
import { withReconcileLock } from './reconcile-lock.js';

export interface StartSchedulerOptions {
  readonly configPath: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: Logger;
  readonly settings?: Partial<FleetSettings>;
  /** Reload when the config file changes. @defaultValue true */
  readonly watchConfig?: boolean;
  /** Re-reconcile periodically, a watchdog against schedulers that stop producing. @defaultValue 300000 */
  readonly reconcileEveryMs?: number;
}

export interface SchedulerHandle {
  /** Re-read the config and reconcile; a config with errors is logged and the old one kept. */
  reload(): Promise<ReconcileReport | null>;
  readonly ticks: Queue;
  readonly runs: Queue;
  close(): Promise<void>;
}

/**
 * The scheduler process: keeps one BullMQ job scheduler per enabled, scheduled job (plus the
 * nightly prune) and turns their ticks into deduplicated runs.
 */
export async function startScheduler(options: StartSchedulerOptions): Promise<SchedulerHandle> {
  const { env, settings, logger, config: initial, store, redisUrl } = await openFleetProcess('scheduler', options);
  let reloader: ConfigReloader<ReconcileReport> | null = null;
  const jobs = () => (reloader?.current() ?? initial).jobs;
  const producer = await openRedis(redisUrl, 'producer');
  const workerConnection = await openRedis(redisUrl, 'worker');
  const ticks = new Queue<TickJobData>(QUEUES.ticks, { connection: producer, prefix: settings.queuePrefix });
  const runs = new Queue(QUEUES.runs, { connection: producer, prefix: settings.queuePrefix });
  for (const q of [ticks, runs]) q.on('error', (err) => logger.error({ err: err.message }, 'queue error'));

  const reconcile = () =>
    withReconcileLock(producer, `${settings.queuePrefix}:scheduler:reconcile-lock`, () => reconcileSchedulers(ticks, jobs()))
      .then((report) => {
        logger.info({ ...report }, 'schedulers reconciled');
        return report;
      });

  const tickWorker = new Worker<TickJobData>(
    QUEUES.ticks,
    createTickProcessor({ jobs, runs, linkIndex: store, logger }),
    { connection: workerConnection, prefix: settings.queuePrefix, concurrency: 5 },
  );
  tickWorker.on('error', (err) => logger.error({ err: err.message }, 'tick worker error'));
  tickWorker.on('failed', (job, err) => logger.warn({ tick: job?.data, err: err.message }, 'tick failed'));
  await reconcile();

  reloader = createConfigReloader(initial, {
    configPath: options.configPath, env, logger, processName: 'scheduler', onReload: () => reconcile(),
    ...(options.watchConfig === false ? { watch: false } : {}),
  });
  const onHup = () => void reloader!.reload();
  process.on('SIGHUP', onHup);
  const watchdog = setInterval(() => void reconcile().catch((err: Error) => logger.error({ err: err.message }, 'reconcile failed')),
    options.reconcileEveryMs ?? 300_000);
  watchdog.unref();
  logger.info({ jobs: jobs().length, queuePrefix: settings.queuePrefix }, 'scheduler started');

  return {
    ticks,
    runs,
    reload: () => reloader!.reload(),
    async close() {
      process.off('SIGHUP', onHup);
      reloader!.close();
      clearInterval(watchdog);
      await tickWorker.close();
      await ticks.close();
      await runs.close();
      await store.close();
      producer.disconnect();
      workerConnection.disconnect();
      logger.info({}, 'scheduler stopped');
    },
  };
}
