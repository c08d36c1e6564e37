import { expect } from 'vitest';
import { expectConverged } from './convergence.js';
import type { FaultWorld, FaultWorldOptions } from './fault-world.js';
import { startFaultWorld } from './fault-world.js';

/**
 * A fault world with `records` Airtable records (slugs `base-<i>`), one worker taking runs, and its
 * first sync done and checked converged: where a scenario that injects faults into later runs starts.
 */
export async function startSyncedFaultWorld(records: number, options?: FaultWorldOptions): Promise<FaultWorld> {
  const world = await startFaultWorld(options);
  world.seed(records, 'base');
  await world.startWorker().waitFor(/worker started/, 30_000);
  const first = await world.runJob();
  expect(first.status).toBe('success');
  await expectConverged(world, records, 'first sync');
  return world;
}
