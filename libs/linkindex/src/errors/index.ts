export * from './database-unavailable-error.js';
export * from './schema-version-error.js';
