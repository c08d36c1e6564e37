export * from './fault-world.js';
export * from './convergence.js';
