export * from './fleet-harness.js';
export * from './memory-job-config.js';
