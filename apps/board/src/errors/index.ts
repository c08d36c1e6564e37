export * from './conflict-not-open-error.js';
export * from './job-disabled-error.js';
export * from './remote-side-error.js';
