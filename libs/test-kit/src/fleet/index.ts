export * from './fleet-harness.js';
