export * from './queues.js';
export * from './redis-connection.js';
export * from './redis-throttle.js';
export * from './build-sync-job.js';
export * from './fleet-settings.js';
export * from './run-processor.js';
export * from './reconcile-schedulers.js';
export * from './tick-processor.js';
