/**
 * Fault suite: the remotes misbehave while real `syncframe worker` processes run the job. On both
 * sides (Airtable and Webflow), one fault at a time: a write whose response is lost after it was
 * applied, a 502 and a 504 answered after the write was applied, a burst of 503s shorter than
 * `retries.max_attempts` (the run succeeds), a burst as long as it (the run fails for good and is
 * recorded so; the next run catches up), and a 429 storm (Webflow with a short Retry-After,
 * Airtable with none: its documented 30 s penalty per 429). Each step changes both sides (new records on each, an edit on each), arms the fault,
 * runs the job once and checks: the fault was met, the run's status and retries, no record created
 * twice (`match` on the slug must find a write whose answer was lost), nothing lost, a clean
 * LinkIndex. At the end one more run must write nothing.
 *
 * A remote slower than the request timeout: the FaultWorld's sides set `timeout_sec: 2`; a request
 * that gets no answer times out, counts as a transient failure and is retried.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '@syncframe/engine';
import type { FakeHttpRequest } from '@syncframe/fakes';
import type { FaultWorld } from '@syncframe/test-kit/faults';
import { checkConvergence, expectConverged as expectConvergedTo, runOnceMore, startSyncedFaultWorld } from '@syncframe/test-kit/faults';

let world: FaultWorld;
/** Records each side must hold: every record made on either side so far (none is deleted). */
let expected = 0;

type SideName = 'airtable' | 'webflow';
const fake = (side: SideName) => (side === 'airtable' ? world.airtable : world.webflow);

/**
 * Changes on both sides: `n` new records on each (creates on the other side), and an edit of a
 * different existing record on each (updates on the other side, no conflict).
 */
function changeBothSides(tag: string, n = 2): void {
  world.seed(n, `${tag}-at`);
  for (let i = 0; i < n; i++) world.webflow.insert('videos', { name: `${tag} wf ${i}`, slug: `${tag}-wf-${i}`, notes: `note ${tag} wf ${i}` });
  expected += 2 * n;
  const atRecord = world.airtable.records('Videos').find((r) => r.fields.Slug === 'base-0')!;
  world.airtable.edit('Videos', atRecord.id, { Notes: `airtable edit ${tag}` });
  const wfItem = world.webflow.items('videos').find((i) => i.fieldData.slug === 'base-1')!;
  world.webflow.edit('videos', wfItem.id, { name: `webflow edit ${tag}` });
}

/** Runs the job once through the queue; resolves with its recorded summary. */
const runJob = (): Promise<RunSummary> => world.runJob();
/** The same, waiting up to `timeoutMs` for the run to end. */
const runJobWaiting = (timeoutMs: number): Promise<RunSummary> => world.runJob(undefined, timeoutMs);

/** Both sides hold exactly the expected records, equal under the mappers, each linked once. */
const expectConverged = (label: string): Promise<void> => expectConvergedTo(world, expected, label);

/** The requests `side` answered since `from` (an index into its request log). */
const since = (side: SideName, from: number): FakeHttpRequest[] => fake(side).requests.slice(from);
const writes = (requests: FakeHttpRequest[]) => requests.filter((r) => r.method !== 'GET');
const brief = (requests: FakeHttpRequest[]) => requests.map((r) => `${r.method} ${r.path} ${r.status}`).join('\n');

beforeAll(async () => {
  world = await startSyncedFaultWorld(6, { latency: { minMs: 2, maxMs: 10 } });
  expected = 6;
}, 90_000);

afterAll(async () => {
  await world?.close();
});

describe('fault suite: remote faults on both sides', () => {
  for (const side of ['airtable', 'webflow'] as const) {
    it(`${side}: a write applied whose response is lost is retried without creating twice`, async () => {
      changeBothSides(`lost-${side}`);
      const from = fake(side).requests.length;
      fake(side).loseNextWriteResponse();
      const summary = await runJob();
      const seen = since(side, from);
      // The fault was met: a write reached the fake (and was applied) but got no response.
      expect(writes(seen).filter((r) => r.status === 0), brief(seen)).toHaveLength(1);
      expect(summary.status, JSON.stringify(summary.failures)).toBe('success');
      expect(summary.errors).toEqual([]);
      expect(summary.retries).toBeGreaterThanOrEqual(1);
      await expectConverged(`lost response on ${side}`);
    });

    for (const status of [502, 504]) {
      it(`${side}: a write applied then answered ${status} is retried without creating twice`, async () => {
        changeBothSides(`gw${status}-${side}`);
        const from = fake(side).requests.length;
        fake(side).failAfterApply(status);
        const summary = await runJob();
        const seen = since(side, from);
        expect(writes(seen).filter((r) => r.status === status), brief(seen)).toHaveLength(1);
        expect(summary.status, JSON.stringify(summary.failures)).toBe('success');
        expect(summary.errors).toEqual([]);
        expect(summary.retries).toBeGreaterThanOrEqual(1);
        await expectConverged(`${status} after apply on ${side}`);
      });
    }

    it(`${side}: a burst of 503s shorter than max_attempts is ridden out`, async () => {
      changeBothSides(`burst-${side}`);
      const from = fake(side).requests.length;
      fake(side).fail({ status: 503, times: 3 });
      const summary = await runJob();
      const seen = since(side, from);
      expect(seen.filter((r) => r.status === 503), brief(seen)).toHaveLength(3);
      expect(summary.status, JSON.stringify(summary.failures)).toBe('success');
      expect(summary.failures).toEqual([]);
      expect(summary.retries).toBeGreaterThanOrEqual(3);
      await expectConverged(`503 burst on ${side}`);
    });

    it(`${side}: a request slower than the request timeout (timeout_sec: 2) times out and is retried`, async () => {
      changeBothSides(`slow-${side}`);
      fake(side).hangNext();
      const summary = await runJob();
      // The fault was met: the run waited out one request's 2 s timeout (a run here takes well under a
      // second otherwise) and retried it.
      expect(summary.status, JSON.stringify(summary.failures)).toBe('success');
      expect(summary.retries).toBeGreaterThanOrEqual(1);
      expect(summary.durationMs).toBeGreaterThanOrEqual(2000);
      await expectConverged(`a hung request on ${side}`);
    });

    it(`${side}: creates failing max_attempts times fail the run for good; the next run catches up`, async () => {
      changeBothSides(`down-${side}`);
      const from = fake(side).requests.length;
      // Every attempt of the side's create batch (POST) fails; lookups (GET) and updates (PATCH) pass.
      fake(side).fail({ status: 503, times: 4, method: 'POST' });
      const failed = await runJob();
      const seen = since(side, from);
      expect(seen.filter((r) => r.status === 503), brief(seen)).toHaveLength(4);
      expect(failed.status).toBe('failed');
      const sideRole = side === 'airtable' ? 'source' : 'dest';
      expect(failed.failures, JSON.stringify(failed.failures)).toEqual([expect.objectContaining({ side: sideRole, retryable: true })]);
      // The records that could not be created there are missing for now...
      const report = await checkConvergence(world);
      expect(report.problems.length).toBeGreaterThan(0);
      // ...and nothing is lost: the next run (the queue does not retry a failed run) catches up.
      const next = await runJob();
      expect(next.status, JSON.stringify(next.failures)).toBe('success');
      expect(next.counts[sideRole].created).toBeGreaterThanOrEqual(1);
      await expectConverged(`after the failed run on ${side}`);
    });
  }

  it('webflow: a 429 storm with a short Retry-After is waited out', async () => {
    changeBothSides('storm');
    const from = world.webflow.requests.length;
    world.webflow.fail({ status: 429, times: 3, headers: { 'Retry-After': '1' } });
    const summary = await runJob();
    const seen = since('webflow', from);
    expect(seen.filter((r) => r.status === 429), brief(seen)).toHaveLength(3);
    expect(summary.status, JSON.stringify(summary.failures)).toBe('success');
    expect(summary.rateLimited).toBe(3);
    await expectConverged('429 storm on webflow');
  });

  it('airtable: a 429 storm without Retry-After is waited out (30 s penalty each), the account paused meanwhile', async () => {
    changeBothSides('at-storm');
    const from = world.airtable.requests.length;
    world.airtable.fail({ status: 429, times: 2 });
    const summary = await runJobWaiting(150_000);
    const seen = since('airtable', from);
    const refused = seen.filter((r) => r.status === 429);
    expect(refused, brief(seen)).toHaveLength(2);
    expect(summary.status, JSON.stringify(summary.failures)).toBe('success');
    expect(summary.rateLimited).toBe(2);
    // The run waited Airtable's penalty out: nothing reached Airtable for 30 s after a 429.
    const after = seen.filter((r) => r.at > refused[0]!.at && r.status !== 429);
    expect(after.length).toBeGreaterThan(0);
    expect(after[0]!.at - refused[0]!.at).toBeGreaterThanOrEqual(29_000);
    await expectConverged('429 storm on airtable');
  }, 180_000);

  it('ends converged: one more run writes nothing', async () => {
    await expectConverged('before the quiet run');
    const report = await checkConvergence(world);
    expect(report.problems).toEqual([]);
    const quiet = await runOnceMore(world);
    expect(quiet).toEqual({ writeRequests: 0, written: 0, status: 'success' });
  }, 60_000);
});
