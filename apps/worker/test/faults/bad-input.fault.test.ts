/**
 * Fault suite: bad input, with real `syncframe worker` processes. A record the remote refuses (a
 * Webflow item without its required name), records the job's mapper throws on, a page of records
 * whose body is not valid JSON (on each side), and a very large record. A record that fails fails
 * alone: the run is `partial`, the error is in the run summary, every other record lands, and once
 * the record is fixed the next run syncs it. A broken page loses nothing: the next run converges.
 * At the end both sides are equal under the mappers with a clean LinkIndex, and one more run
 * writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '@syncframe/engine';
import type { FaultWorld } from '@syncframe/test-kit/faults';
import { checkConvergence, expectConverged as expectConvergedTo, runOnceMore, startFaultWorld, startSyncedFaultWorld, webflowRows } from '@syncframe/test-kit/faults';

/** The job's Airtable→Webflow mapper, except that it throws on a record whose Name holds "boom". */
const THROWING_MAPPER = `export default (r) => {
  if (String(r.fields.Name ?? '').includes('boom')) throw new Error('mapper refuses ' + r.fields.Name);
  return { fields: { name: r.fields.Name ?? "", slug: r.fields.Slug, notes: r.fields.Notes ?? null } };
};
`;

let world: FaultWorld;
/** Records each side must hold once converged (none is deleted). */
let expected = 0;

/** Runs the job once through the queue; resolves with its recorded summary. */
const runJob = (): Promise<RunSummary> => world.runJob();

/** Both sides hold exactly the expected records, equal under the mappers, each linked once. */
const expectConverged = (label: string): Promise<void> => expectConvergedTo(world, expected, label);

/** Every convergence problem concerns one of `failing` (slugs or record ids): the rest converged. */
async function expectConvergedBut(failing: readonly string[], label: string): Promise<void> {
  const report = await checkConvergence(world);
  const others = report.problems.filter((p) => !failing.some((f) => p.includes(f)));
  expect(others, `${label}:\n${report.problems.join('\n')}`).toEqual([]);
  // The failing records are really not synced yet (else this proves nothing).
  expect(report.problems.length, label).toBeGreaterThan(0);
}

const onWebflow = (slug: string) => webflowRows(world).find((r) => r.slug === slug);

beforeAll(async () => {
  world = await startSyncedFaultWorld(4, { latency: { minMs: 2, maxMs: 10 }, mapperFiles: { 'at-to-wf.mjs': THROWING_MAPPER } });
  expected = 4;
}, 90_000);

afterAll(async () => {
  await world?.close();
});

describe('fault suite: bad input', () => {
  it('a record Webflow refuses (no name) fails alone; the others land; fixed, it syncs', async () => {
    world.seed(3, 'refuse-ok');
    const bad = world.airtable.insert('Videos', { Slug: 'refuse-bad', Notes: 'a video without a name' });
    world.webflow.insert('videos', { name: 'refuse wf', slug: 'refuse-wf', notes: 'made on webflow' });
    expected += 5;
    const partial = await runJob();
    expect(partial.status, JSON.stringify(partial.failures)).toBe('partial');
    expect(partial.failures).toEqual([]);
    expect(partial.errors, JSON.stringify(partial.errors)).toEqual([
      expect.objectContaining({ side: 'source', recordId: bad.id, stage: 'write', reason: expect.stringMatching(/name: Field is required/) }),
    ]);
    expect(partial.counts.dest.created).toBe(3);
    for (let i = 0; i < 3; i++) expect(onWebflow(`refuse-ok-${i}`)).toEqual({ slug: `refuse-ok-${i}`, name: `refuse-ok ${i}`, notes: `note refuse-ok ${i}` });
    expect(onWebflow('refuse-bad')).toBeUndefined();
    await expectConvergedBut(['refuse-bad', bad.id], 'only the refused record is missing');

    // The refused record is retried on the next run (it holds the cursor), and still refused.
    const again = await runJob();
    expect(again.status).toBe('partial');
    expect(again.errors.map((e) => e.recordId)).toEqual([bad.id]);

    world.airtable.edit('Videos', bad.id, { Name: 'refuse fixed' });
    const fixed = await runJob();
    expect(fixed.status, JSON.stringify(fixed.failures)).toBe('success');
    expect(fixed.errors).toEqual([]);
    expect(onWebflow('refuse-bad')).toEqual({ slug: 'refuse-bad', name: 'refuse fixed', notes: 'a video without a name' });
    await expectConverged('after fixing the refused record');
  });

  it('records the mapper throws on fail alone; the others sync both ways; fixed, they sync', async () => {
    world.seed(2, 'mapped-ok');
    const booms = [
      world.airtable.insert('Videos', { Name: 'boom one', Slug: 'boom-1', Notes: 'n1' }),
      world.airtable.insert('Videos', { Name: 'big boom two', Slug: 'boom-2', Notes: 'n2' }),
    ];
    world.webflow.insert('videos', { name: 'mapped wf', slug: 'mapped-wf', notes: 'made on webflow' });
    expected += 5;
    const partial = await runJob();
    expect(partial.status, JSON.stringify(partial.failures)).toBe('partial');
    expect(partial.failures).toEqual([]);
    expect(partial.errors.map((e) => ({ side: e.side, recordId: e.recordId, stage: e.stage })).sort((a, b) => a.recordId.localeCompare(b.recordId)))
      .toEqual(booms.map((b) => ({ side: 'source', recordId: b.id, stage: 'map' })).sort((a, b) => a.recordId.localeCompare(b.recordId)));
    expect(partial.errors.every((e) => /mapper refuses/.test(e.reason)), JSON.stringify(partial.errors)).toBe(true);
    expect(partial.counts.dest.created).toBe(2);
    expect(partial.counts.source.created).toBe(1); // the Webflow item reached Airtable
    expect(world.airtable.records('Videos').some((r) => r.fields.Slug === 'mapped-wf')).toBe(true);
    expect(onWebflow('boom-1')).toBeUndefined();
    expect(onWebflow('boom-2')).toBeUndefined();
    await expectConvergedBut(['boom-1', 'boom-2', ...booms.map((b) => b.id)], 'only the records the mapper refused are missing');

    world.airtable.edit('Videos', booms[0]!.id, { Name: 'fixed one' });
    world.airtable.edit('Videos', booms[1]!.id, { Name: 'fixed two' });
    const fixed = await runJob();
    expect(fixed.status, JSON.stringify(fixed.failures)).toBe('success');
    expect(fixed.errors).toEqual([]);
    expect(fixed.counts.dest.created).toBe(2);
    expect(onWebflow('boom-1')).toEqual({ slug: 'boom-1', name: 'fixed one', notes: 'n1' });
    await expectConverged('after fixing the records');
  });

  // A 200 whose body is cut short is a transient failure (RetryableError), never an empty last page:
  // the pull retries it from the last page received, and the run syncs the page's records.
  for (const side of ['airtable', 'webflow'] as const) {
    it(`${side}: a page whose body is not valid JSON loses nothing; the next run converges`, async () => {
      const tag = `broken-${side}`;
      world.seed(2, `${tag}-at`);
      for (let i = 0; i < 2; i++) world.webflow.insert('videos', { name: `${tag} wf ${i}`, slug: `${tag}-wf-${i}`, notes: `n ${i}` });
      expected += 4;
      const fake = side === 'airtable' ? world.airtable : world.webflow;
      const listUrl = side === 'airtable'
        ? `${world.airtable.url}/v0/${encodeURIComponent((world.config.jobs[0] as { sides: { airtable: { creds: { baseId: string } } } }).sides.airtable.creds.baseId)}/Videos`
        : `${world.webflow.url}/v2/collections/${world.webflow.collectionId('videos')}/items`;
      const path = new RegExp(`^${new URL(listUrl).pathname}$`);
      const rawBody = side === 'airtable' ? '{"records": [{"id": "rec' : '{"items": [{"id": "';
      fake.fail({ status: 200, rawBody, method: 'GET', path });
      const broken = await runJob();
      expect(broken.status, JSON.stringify(broken.failures)).toBe('success');
      expect(broken.retries).toBeGreaterThanOrEqual(1);
      expect(broken.errors).toEqual([]);
      await expectConverged(`the run that met a broken page on ${side}`);
      // The run met the broken page: the fault is used up, the list answers JSON again.
      const token = side === 'airtable' ? world.tokens.airtable : world.tokens.webflow;
      const text = await (await fetch(listUrl, { headers: { Authorization: `Bearer ${token}` } })).text();
      expect(() => JSON.parse(text) as unknown, text.slice(0, 80)).not.toThrow();
      const next = await runJob();
      expect(next.status, JSON.stringify(next.failures)).toBe('success');
      await expectConverged(`after a broken page on ${side}`);
    });
  }

  it('airtable without last_modified_field (an unordered listing): a broken page is retried, its records are not skipped', async () => {
    // The case that lost records while a broken page read as an empty last page: an unordered listing moves
    // its cursor to the snapshot time at the end, past every record not delivered.
    const other = await startFaultWorld({ latency: { minMs: 2, maxMs: 10 } });
    try {
      const job = other.config.jobs[0] as { sides: { airtable: Record<string, unknown>; webflow: Record<string, unknown> } };
      const { last_modified_field: _ordered, ...unordered } = job.sides.airtable;
      other.writeConfig({ ...other.config, jobs: [{ ...job, conflict_policy: 'manual', sides: { ...job.sides, airtable: unordered } }] });
      await other.startWorker().waitFor(/worker started/, 30_000);
      other.seed(3, 'first');
      const first = await other.enqueue();
      await other.waitEnded(first.queueJobId);
      other.seed(2, 'late');
      // Older than the listing's settle margin, so a cursor moved to the snapshot would pass them for good.
      await new Promise((r) => setTimeout(r, 3500));
      other.airtable.fail({ status: 200, rawBody: '{"records": [{"id": "rec', method: 'GET', path: /\/Videos$/ });
      const broken = await other.enqueue();
      await other.waitEnded(broken.queueJobId);
      const summary = await other.store.getRun(broken.runId!);
      expect(summary?.status, JSON.stringify(summary?.failures)).toBe('success');
      expect(summary!.retries).toBeGreaterThanOrEqual(1);
      const report = await checkConvergence(other);
      expect(report.problems, report.problems.join('\n')).toEqual([]);
      expect(report.webflow).toBe(5);
    } finally {
      await other.close();
    }
  });

  it('a record with 200 KB of notes syncs intact both ways', async () => {
    const big = 'x'.repeat(200 * 1024 - 20);
    world.airtable.insert('Videos', { Name: 'big at', Slug: 'big-at', Notes: `${big}\nfrom airtable` });
    world.webflow.insert('videos', { name: 'big wf', slug: 'big-wf', notes: `${big} from webflow` });
    expected += 2;
    const summary = await runJob();
    expect(summary.status, JSON.stringify(summary.failures)).toBe('success');
    expect(summary.errors).toEqual([]);
    expect(onWebflow('big-at')?.notes).toBe(`${big}\nfrom airtable`);
    expect(world.airtable.records('Videos').find((r) => r.fields.Slug === 'big-wf')?.fields.Notes).toBe(`${big} from webflow`);
    await expectConverged('after the large records');
  });

  it('ends converged: one more run writes nothing', async () => {
    const report = await checkConvergence(world);
    expect(report.problems).toEqual([]);
    const quiet = await runOnceMore(world);
    expect(quiet).toEqual({ writeRequests: 0, written: 0, status: 'success' });
  }, 60_000);
});
