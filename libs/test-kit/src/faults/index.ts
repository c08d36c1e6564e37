export * from './fault-world.js';
export * from './convergence.js';
export * from './redis-server.js';
export * from './synced-world.js';
