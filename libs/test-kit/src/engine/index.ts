export * from './in-memory-adapter.js';
export * from './in-memory-link-index.js';
export * from './fake-clock.js';
export * from './counting-throttle.js';
export * from './simulated-clock.js';
export * from './harness.js';
/** Pure; lives with the fakes (production, shipped by `syncframe demo`) and is re-exported here for tests. */
export { maxInWindow } from '@syncframe/fakes';
export * from './copy-job.js';
export * from './json-record-spool.js';
