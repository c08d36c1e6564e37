/**
 * Fault suite: kill -9 of the worker running a sync, at seeded random moments of the run. Each trial
 * changes both sides (new records, edits on each side), triggers a run, and kills the worker that
 * runs it when the fakes have received a random number of its requests (so during its pulls, its
 * key lookups, its write batches, or just after a write landed and before its links and cursors
 * were saved), plus a random few milliseconds. A standby worker takes the run over once the dead
 * one's lock and lease lapse. After every trial both sides must be equal under the mappers with a
 * clean LinkIndex; at the end one more run must write nothing. Each trial prints its seed:
 * `FAULT_SEED=<seed> npx vitest run apps/worker/test/faults/kill-nine.fault.test.ts` replays it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { between, faultSeed, seededRandom } from '@syncframe/test-kit';
import type { FaultWorld } from '@syncframe/test-kit/faults';
import { checkConvergence, runOnceMore, startFaultWorld } from '@syncframe/test-kit/faults';
import type { CliProcess } from '@syncframe/test-kit/fleet';

/**
 * Workers killed mid-run: trials go on until this many kills. A run may end before its kill point
 * (a trial with few changes costs 4-5 requests, and a loaded machine runs the kill check late):
 * under three files of the suite at once about 4 trials in 10 end so, hence room for three times
 * as many trials; a trial whose run ended first costs a second or two.
 */
const KILLS = Number(process.env.FAULT_TRIALS ?? 20);
const MAX_TRIALS = KILLS * 3;
const seed = faultSeed();
const rand = seededRandom(seed);
let world: FaultWorld;

/** Requests either fake has received so far. */
const arrivals = () => world.airtable.arrivals.length + world.webflow.arrivals.length;

/** The live worker whose log names `runId` last (the one running it), if any. */
function runnerOf(runId: string): CliProcess | undefined {
  let found: { worker: CliProcess; at: number } | undefined;
  for (const worker of world.liveWorkers()) {
    const at = worker.lines.findLastIndex((l) => l.includes(runId.slice(0, 36)));
    if (at >= 0 && (!found || at > found.at)) found = { worker, at };
  }
  return found?.worker;
}

/** Two live workers, started if needed (a replacement may be starting already); resolves once they take runs. */
async function twoWorkers(): Promise<void> {
  while (world.liveWorkers().length < 2) world.startWorker();
  await Promise.all(world.liveWorkers().map((w) => w.waitFor(/worker started/, 30_000)));
}

/** Changes on both sides, as people would make them between runs. */
function changeBothSides(trial: number): void {
  world.seed(between(rand, 3, 12), `t${trial}`);
  const atRecords = world.airtable.records('Videos');
  for (let i = between(rand, 0, 4); i > 0 && atRecords.length > 0; i--) {
    const r = atRecords[between(rand, 0, atRecords.length - 1)]!;
    world.airtable.edit('Videos', r.id, { Notes: `airtable edit ${trial}.${i}` });
  }
  const items = world.webflow.items('videos').filter((it) => !it.isArchived);
  for (let i = between(rand, 0, 3); i > 0 && items.length > 0; i--) {
    const item = items[between(rand, 0, items.length - 1)]!;
    world.webflow.edit('videos', item.id, { name: `webflow edit ${trial}.${i}` });
  }
}

beforeAll(async () => {
  console.log(`kill -9 fault suite: seed ${seed} (replay with FAULT_SEED=${seed})`);
  world = await startFaultWorld({ latency: { minMs: 10, maxMs: 40 } });
  world.seed(30, 'base');
  await twoWorkers();
  const { queueJobId } = await world.enqueue();
  await world.waitEnded(queueJobId);
}, 90_000);

afterAll(async () => {
  await world?.close();
});

describe('fault suite: kill -9 of the worker mid-run', () => {
  it(`${KILLS} workers killed at seeded moments: no duplicate, no lost update, a clean LinkIndex after each trial`, async () => {
    const kills: string[] = [];
    let trial = 0;
    while (kills.filter((k) => k.includes(': killed')).length < KILLS && trial < MAX_TRIALS) {
      trial++;
      await twoWorkers();
      changeBothSides(trial);
      const start = arrivals();
      // A run here costs about 5-10 requests (pages, key lookups, batches): kill within them.
      const killAfter = between(rand, 1, 7);
      const extraMs = between(rand, 0, 30);
      const { queueJobId, runId } = await world.enqueue();
      let killed = 'not killed (the run ended first)';
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const job = await world.runs.getJob(queueJobId);
        if (job?.finishedOn) break;
        if (arrivals() - start >= killAfter) {
          await new Promise((r) => setTimeout(r, extraMs));
          const runner = runnerOf(runId!);
          if (runner) {
            runner.proc.kill('SIGKILL');
            killed = `killed after ${arrivals() - start} requests (+${extraMs} ms)`;
            // Its replacement starts while the standby takes the run over.
            world.startWorker();
          }
          break;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
      kills.push(`trial ${trial}: ${killed}`);
      await twoWorkers();
      await world.waitIdle(60_000);
      const report = await checkConvergence(world);
      expect(report.problems, `seed ${seed}, trial ${trial} (${killed}):\n${report.problems.join('\n')}`).toEqual([]);
    }
    console.log(kills.join('\n'));
    // Every kill landed mid-run (trials whose run ended before its kill point do not count).
    expect(kills.filter((k) => k.includes(': killed')).length, kills.join('\n')).toBe(KILLS);
    const quiet = await runOnceMore(world);
    expect(quiet).toEqual({ writeRequests: 0, written: 0, status: 'success' });
    const final = await checkConvergence(world);
    expect(final.problems).toEqual([]);
    expect(final.airtable).toBeGreaterThanOrEqual(30 + 3 * trial);
  }, 600_000);
});
