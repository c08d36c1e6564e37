export * from './test-schema.js';
