export * from './source-adapter.contract.js';
export * from './link-index.contract.js';
export * from './sync-scenarios.js';
