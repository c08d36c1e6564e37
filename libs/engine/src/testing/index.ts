export * from './in-memory-adapter.js';
export * from './in-memory-link-index.js';
export * from './fake-clock.js';
export * from './max-in-window.js';
export * from './counting-throttle.js';
export * from './simulated-clock.js';
