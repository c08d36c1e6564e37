export * from './start-worker.js';
export * from './health-server.js';
