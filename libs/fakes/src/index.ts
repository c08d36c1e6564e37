/**
 * @syncframe/fakes: fake Airtable and Webflow APIs on a local HTTP server, and the plumbing they share
 * (rate windows, latency, injected faults, the request log). A product of its own: `syncframe demo` serves
 * them; tests and the saturation bench drive them. Free of any test runner and of the adapters.
 */
export * from './http/index.js';
export * from './airtable/index.js';
export * from './webflow/index.js';
export { maxInWindow } from './max-in-window.js';
