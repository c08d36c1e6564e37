import type { ConfigReloader, FleetProcessOptions, ReconcileReport, RunQueue, TickQueue } from '@syncframe/fleet';
import {
  closeFleetQueues, createConfigReloader, createTickProcessor, openFleetProcess, openFleetQueues, openRedis, openTickWorker,
  reconcileSchedulers,
} from '@syncframe/fleet';
import { withReconcileLock } from './reconcile-lock.js';

export interface StartSchedulerOptions extends FleetProcessOptions {  /** Re-reconcile periodically, a watchdog against schedulers that stop producing. @defaultValue 300000 */
  readonly reconcileEveryMs?: number;
}

export interface SchedulerHandle {
  /** Re-read the config and reconcile; a config with errors is logged and the old one kept. */
  reload(): Promise<ReconcileReport | null>;
  readonly ticks: TickQueue;
  readonly runs: RunQueue;
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
  const queues = openFleetQueues(producer, settings.queuePrefix);
  const { ticks, runs } = queues;
  for (const q of [ticks, runs]) q.on('error', (err) => logger.error({ err: err.message }, 'queue error'));

  const reconcile = () =>
    withReconcileLock(producer, `${settings.queuePrefix}:scheduler:reconcile-lock`, () => reconcileSchedulers(ticks, jobs()))
      .then((report) => {
        logger.info({ ...report }, 'schedulers reconciled');
        return report;
      });

  const tickWorker = openTickWorker(workerConnection, createTickProcessor({ jobs, runs, linkIndex: store, logger }), settings.queuePrefix);
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
      await closeFleetQueues(queues);
      await store.close();
      producer.disconnect();
      workerConnection.disconnect();
      logger.info({}, 'scheduler stopped');
    },
  };
}
