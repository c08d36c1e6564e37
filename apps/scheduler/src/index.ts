export * from './start-scheduler.js';
export * from './reconcile-lock.js';
