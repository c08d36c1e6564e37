/**
 * @syncframe/test-kit: test-only helpers (private; never a dependency of a production package, see the
 * `production-not-test-kit` rule in .dependency-cruiser.cjs). Subpaths: `/contracts` (vitest suites: the
 * SourceAdapter and LinkIndex contracts, the sync scenarios), `/fleet` (the fleet harness: `syncframe`
 * child processes, fresh PostgreSQL schemas), `/pg` (PostgreSQL test schemas).
 */
export * from './engine/index.js';
export type { LoggedLine, ManualClock, RawApiResponse, SlowRequest } from './adapter-helpers.js';
export { callOptions, caught, expectNoSecret, freeThrottle, manualClock, memoryLogger, pullAll, rawApi, slowRequest } from './adapter-helpers.js';
export * from './net/tcp-proxy.js';
export * from './seeded-random.js';
