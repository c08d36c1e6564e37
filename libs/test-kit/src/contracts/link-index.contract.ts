/**
 * The LinkIndex contract suite: the same assertions run against every implementation (the
 * engine's InMemoryLinkIndex, and @syncframe/linkindex's memory, PGlite and PostgreSQL stores).
 *
 * `open` is called once per suite and the store is shared by its tests, so a slow-to-open store
 * (PGlite, a migrated schema) is opened once. Tests stay independent by using ids unique to each
 * test; the few queries that span jobs (listRuns without a job, pruneRuns) use a time window no
 * other test writes in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLostError, NotFoundError, conflictState } from '@syncframe/engine';
import type { JobLeases, Link, LinkIndex, NewConflict, NewPendingDelete, RunStatus, RunSummary, TablePair, TableRef } from '@syncframe/engine';
import { describeHeldRecordsContract } from './held-records.contract.js';
import { describeRecordFailuresContract } from './record-failures.contract.js';

/** What a suite runs against. */
export interface LinkIndexUnderTest {
  readonly linkIndex: LinkIndex & Partial<JobLeases>;
  close(): Promise<void>;
}

/** Options of {@link describeLinkIndexContract}. */
export interface LinkIndexContractOptions {
  /** The implementation also implements JobLeases: run the lease and fencing tests. @defaultValue false */
  readonly leases?: boolean;
}

let counter = 0;
/** An id no other test (or earlier run of the suite) uses. */
function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}-${counter}`;
}

function freshPair(): TablePair {
  const u = unique('t');
  return { source: { adapter: 'airtable', table: `Videos ${u}` }, dest: { adapter: 'webflow', table: `coll-${u}` } };
}

const T0 = '2026-01-01T00:00:00.000Z';

function link(sourceId: string, destId: string, over: Partial<Link> = {}): Link {
  return { sourceId, destId, sourceHash: `hs:${sourceId}`, destHash: `hd:${destId}`, deletedAt: null, syncedAt: T0, ...over };
}

function byIds(a: Link, b: Link): number {
  return a.sourceId.localeCompare(b.sourceId) || a.destId.localeCompare(b.destId);
}

function sorted(links: readonly Link[]): Link[] {
  return [...links].sort(byIds);
}

function run(runId: string, jobId: string, startedAt: string, status: RunStatus = 'success'): RunSummary {
  const side = { pulled: 3, created: 1, updated: 1, deleted: 0, echoesSkipped: 1, conflicts: 0, errors: status === 'success' ? 0 : 1 };
  return {
    runId,
    jobId,
    trigger: 'schedule',
    startedAt,
    endedAt: new Date(Date.parse(startedAt) + 1234).toISOString(),
    durationMs: 1234,
    status,
    counts: { source: { ...side }, dest: { ...side, pulled: 7 } },
    retries: 2,
    rateLimited: 1,
    throttleWaitMs: 250,
    errors: status === 'success' ? [] : [{ side: 'source', recordId: 'rec1', stage: 'write', reason: 'rejected: "bad" value' }],
    errorsTruncated: false,
    failures: status === 'failed' ? [{ side: 'dest', message: 'auth failed', retryable: false }] : [],
  };
}

function newConflict(conflictId: string, jobId: string, pair: TablePair, sourceId: string, destId: string, detectedAt = T0, tag = 'v1'): NewConflict {
  return {
    conflictId,
    jobId,
    pair,
    sourceId,
    destId,
    sourcePayload: { id: sourceId, fields: { Name: `src ${tag}`, Tags: ['a', 'b'], Nested: { n: 1 } }, updatedAt: detectedAt, deleted: false },
    destPayload: { id: destId, fields: { name: `dest ${tag}`, count: 2 }, updatedAt: detectedAt, deleted: false },
    detectedAt,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Registers the contract suite for one LinkIndex implementation. */
export function describeLinkIndexContract(name: string, open: () => Promise<LinkIndexUnderTest>, options: LinkIndexContractOptions = {}): void {
  describe(`LinkIndex contract: ${name}`, () => {
    let subject: LinkIndexUnderTest;
    let li: LinkIndex & Partial<JobLeases>;

    beforeAll(async () => {
      subject = await open();
      li = subject.linkIndex;
    });

    afterAll(async () => {
      await subject?.close();
    });

    describe('links', () => {
      it('finds upserted links by source id and by destination id', async () => {
        const pair = freshPair();
        await li.upsertLinks(pair, [link('s1', 'd1'), link('s2', 'd2'), link('s3', 'd3')]);

        expect(sorted(await li.findLinks(pair, 'source', ['s1', 's3']))).toEqual([link('s1', 'd1'), link('s3', 'd3')]);
        expect(await li.findLinks(pair, 'dest', ['d2'])).toEqual([link('s2', 'd2')]);
        // A source id is not a destination id.
        expect(await li.findLinks(pair, 'dest', ['s1'])).toEqual([]);
        expect(await li.findLinks(pair, 'source', ['nope'])).toEqual([]);
        expect(await li.findLinks(pair, 'source', [])).toEqual([]);
      });

      it('is idempotent: the same batch twice leaves one copy of each link', async () => {
        const pair = freshPair();
        const batch = [link('s1', 'd1'), link('s2', 'd2')];
        await li.upsertLinks(pair, batch);
        await li.upsertLinks(pair, batch);
        expect(sorted(await li.findLinks(pair, 'source', ['s1', 's2']))).toEqual(sorted(batch));
      });

      it('replaces hashes and sync time of an existing link', async () => {
        const pair = freshPair();
        await li.upsertLinks(pair, [link('s1', 'd1')]);
        const newer = link('s1', 'd1', { sourceHash: 'h2', destHash: null, syncedAt: '2026-02-03T04:05:06.789Z' });
        await li.upsertLinks(pair, [newer]);
        expect(await li.findLinks(pair, 'source', ['s1'])).toEqual([newer]);
      });

      it('round-trips per-field hashes (field_merge), replaces and clears them; links without them read back without them', async () => {
        const pair = freshPair();
        const sourceFields = { name: 'aB3_-x', 'odd "key", {x}\\': 'h\u00e9' };
        const destFields = { Name: 'zz' };
        const merged = link('s1', 'd1', { sourceFields, destFields });
        await li.upsertLinks(pair, [merged, link('s2', 'd2')]);
        expect(sorted(await li.findLinks(pair, 'source', ['s1', 's2']))).toEqual([merged, link('s2', 'd2')]);
        const [plain] = await li.findLinks(pair, 'dest', ['d2']);
        expect(plain && 'sourceFields' in plain).toBe(false);
        const replaced = link('s1', 'd1', { sourceFields: { name: 'new' }, destFields: {} });
        await li.upsertLinks(pair, [replaced]);
        expect(await li.findLinks(pair, 'dest', ['d1'])).toEqual([replaced]);
        await li.upsertLinks(pair, [link('s1', 'd1', { sourceFields: null, destFields: null })]);
        expect(await li.findLinks(pair, 'source', ['s1'])).toEqual([link('s1', 'd1')]);
      });

      it('keeps the last entry when one batch names a link twice', async () => {
        const pair = freshPair();
        await li.upsertLinks(pair, [link('s1', 'd1', { sourceHash: 'first' }), link('s2', 'd2'), link('s1', 'd1', { sourceHash: 'last' })]);
        expect(await li.findLinks(pair, 'source', ['s1'])).toEqual([link('s1', 'd1', { sourceHash: 'last' })]);
      });

      it('keys links by pair + source id + destination id', async () => {
        const pair = freshPair();
        await li.upsertLinks(pair, [link('s1', 'd1'), link('s1', 'd2')]);
        expect(sorted(await li.findLinks(pair, 'source', ['s1']))).toEqual([link('s1', 'd1'), link('s1', 'd2')]);
        expect(await li.findLinks(pair, 'dest', ['d2'])).toEqual([link('s1', 'd2')]);
      });

      it('scopes links to their table pair', async () => {
        const pair = freshPair();
        const otherDest: TablePair = { source: pair.source, dest: { ...pair.dest, table: `${pair.dest.table}-other` } };
        const reversed: TablePair = { source: pair.dest, dest: pair.source };
        await li.upsertLinks(pair, [link('s1', 'd1')]);
        await li.upsertLinks(otherDest, [link('s1', 'd9')]);
        expect(await li.findLinks(pair, 'source', ['s1'])).toEqual([link('s1', 'd1')]);
        expect(await li.findLinks(otherDest, 'source', ['s1'])).toEqual([link('s1', 'd9')]);
        expect(await li.findLinks(reversed, 'source', ['s1'])).toEqual([]);
      });

      it('round-trips ids and hashes with quotes, commas, braces, backslashes and non-ASCII', async () => {
        const pair = freshPair();
        const odd = ['rec"1', 'a,b', '{x}', 'back\\slash', 'ünïcødé ✓', "it's", ' spaced ', 'NULL', ''];
        const batch = odd.map((id, i) => link(id, `dest ${id}`, { sourceHash: `${id}#${i}` }));
        await li.upsertLinks(pair, batch);
        expect(sorted(await li.findLinks(pair, 'source', odd))).toEqual(sorted(batch));
        expect(sorted(await li.findLinks(pair, 'dest', odd.map((id) => `dest ${id}`)))).toEqual(sorted(batch));
      });

      it('keeps tombstones, returns them from lookups, and lets an upsert revive them', async () => {
        const pair = freshPair();
        await li.upsertLinks(pair, [link('s1', 'd1'), link('s2', 'd2')]);
        const tomb = link('s1', 'd1', { deletedAt: '2026-03-01T10:00:00.000Z', syncedAt: '2026-03-01T10:00:00.000Z' });
        await li.upsertLinks(pair, [tomb]);
        expect(await li.findLinks(pair, 'source', ['s1'])).toEqual([tomb]);
        expect(await li.findLinks(pair, 'dest', ['d1'])).toEqual([tomb]);
        const revived = link('s1', 'd1', { syncedAt: '2026-03-02T00:00:00.000Z' });
        await li.upsertLinks(pair, [revived]);
        expect(await li.findLinks(pair, 'source', ['s1'])).toEqual([revived]);
      });

      it('handles batches of 1, 100 and 1000 links both ways', async () => {
        const pair = freshPair();
        for (const size of [1, 100, 1000]) {
          const batch = Array.from({ length: size }, (_, i) => link(`b${size}-s${i}`, `b${size}-d${i}`));
          await li.upsertLinks(pair, batch);
          expect(sorted(await li.findLinks(pair, 'source', batch.map((l) => l.sourceId)))).toEqual(sorted(batch));
          const half = batch.filter((_, i) => i % 2 === 0);
          expect(sorted(await li.findLinks(pair, 'dest', half.map((l) => l.destId)))).toEqual(sorted(half));
        }
      });

      it('upserts 20000 links in one call (more than one statement can carry) and finds them all', async () => {
        const pair = freshPair();
        const batch = Array.from({ length: 20_000 }, (_, i) =>
          link(`s${i}`, `d${i}`, { sourceHash: `h${i}`, deletedAt: i % 10 === 0 ? T0 : null }),
        );
        await li.upsertLinks(pair, batch);
        const found = await li.findLinks(pair, 'source', batch.map((l) => l.sourceId));
        expect(found).toHaveLength(20_000);
        expect(sorted(found)).toEqual(sorted(batch));
        expect(await li.findLinks(pair, 'dest', ['d19999', 'd0'])).toHaveLength(2);
      });
    });

    describe('cursors and fail counts', () => {
      const airtable: TableRef = { adapter: 'airtable', table: 'Videos' };
      const webflow: TableRef = { adapter: 'webflow', table: 'c0ffee' };

      it('starts from the beginning, then returns what was saved, per job and side', async () => {
        const job = unique('job');
        expect(await li.loadCursor(job, airtable)).toEqual({ value: null });
        await li.saveCursor(job, airtable, { value: '2026-01-01T00:00:00Z|rec9' });
        await li.saveCursor(job, webflow, { value: 'offset:100' });
        expect(await li.loadCursor(job, airtable)).toEqual({ value: '2026-01-01T00:00:00Z|rec9' });
        expect(await li.loadCursor(job, webflow)).toEqual({ value: 'offset:100' });
        expect(await li.loadCursor(unique('job'), airtable)).toEqual({ value: null });
        await li.saveCursor(job, airtable, { value: 'newer' });
        expect(await li.loadCursor(job, airtable)).toEqual({ value: 'newer' });
        await li.saveCursor(job, airtable, { value: null });
        expect(await li.loadCursor(job, airtable)).toEqual({ value: null });
      });

      it('counts failures per side, resets them, and keeps cursors apart from counts', async () => {
        const job = unique('job');
        expect(await li.getFailCount(job, airtable)).toBe(0);
        expect(await li.incrementFailCount(job, airtable)).toBe(1);
        expect(await li.incrementFailCount(job, airtable)).toBe(2);
        expect(await li.incrementFailCount(job, webflow)).toBe(1);
        expect(await li.getFailCount(job, airtable)).toBe(2);
        await li.saveCursor(job, airtable, { value: 'c1' });
        expect(await li.getFailCount(job, airtable)).toBe(2);
        await li.resetFailCount(job, airtable);
        expect(await li.getFailCount(job, airtable)).toBe(0);
        expect(await li.getFailCount(job, webflow)).toBe(1);
        expect(await li.loadCursor(job, airtable)).toEqual({ value: 'c1' });
        await li.resetFailCount(unique('job'), airtable); // no row: no error
      });

      it('disables a job (keeping the first time) and enables it, resetting all its fail counts', async () => {
        const job = unique('job');
        const other = unique('job');
        expect(await li.getJobState(job)).toEqual({ disabledAt: null });
        await li.incrementFailCount(job, airtable);
        await li.incrementFailCount(job, webflow);
        await li.incrementFailCount(other, airtable);
        await li.disableJob(job, new Date('2026-04-01T12:00:00.000Z'));
        await li.disableJob(job, new Date('2026-04-02T12:00:00.000Z'));
        expect(await li.getJobState(job)).toEqual({ disabledAt: '2026-04-01T12:00:00.000Z' });
        expect(await li.getJobState(other)).toEqual({ disabledAt: null });

        await li.enableJob(job);
        expect(await li.getJobState(job)).toEqual({ disabledAt: null });
        expect(await li.getFailCount(job, airtable)).toBe(0);
        expect(await li.getFailCount(job, webflow)).toBe(0);
        expect(await li.getFailCount(other, airtable)).toBe(1);
        await li.enableJob(unique('job')); // never disabled: no error
      });
    });

    describeHeldRecordsContract(() => li);
    describeRecordFailuresContract(() => li);

    describe('runs', () => {
      it('stores a run summary whole', async () => {
        const job = unique('job');
        const r = run(unique('run'), job, '2031-01-01T00:00:00.000Z', 'partial');
        await li.insertRun(r);
        expect(await li.getRun(r.runId)).toEqual(r);
        expect(await li.getRun(unique('run'))).toBeNull();
      });

      it('replaces a run inserted again under the same id', async () => {
        const job = unique('job');
        const r = run(unique('run'), job, '2031-01-01T00:00:00.000Z', 'partial');
        await li.insertRun(r);
        const again = { ...r, status: 'failed' as const, retries: 9 };
        await li.insertRun(again);
        expect(await li.getRun(r.runId)).toEqual(again);
        expect(await li.listRuns({ jobId: job })).toEqual([again]);
      });

      it('lists a job newest first (ties by run id, descending), 50 by default, with a limit', async () => {
        const job = unique('job');
        const id = (n: string) => `${job}:${n}`;
        const short = (rs: RunSummary[]) => rs.map((r) => r.runId.slice(job.length + 1));
        const all: RunSummary[] = [];
        for (let i = 0; i < 55; i++) {
          all.push(run(id(`r${String(i).padStart(3, '0')}`), job, new Date(Date.parse('2032-01-01T00:00:00.000Z') + i * 60_000).toISOString()));
        }
        // Two more runs that started at the same instant as r010 (ids chosen to sort alike in every collation).
        all.push(run(id('r010a'), job, '2032-01-01T00:10:00.000Z'), run(id('r010b'), job, '2032-01-01T00:10:00.000Z'));
        for (const r of [...all].reverse()) await li.insertRun(r);
        await li.insertRun(run(unique('run'), unique('job'), '2032-01-01T00:30:00.000Z')); // another job

        const expected = [...all].sort((a, b) => (a.startedAt === b.startedAt ? (a.runId < b.runId ? 1 : -1) : a.startedAt < b.startedAt ? 1 : -1));
        const listed = await li.listRuns({ jobId: job });
        expect(listed).toHaveLength(50);
        expect(listed.map((r) => r.runId)).toEqual(expected.slice(0, 50).map((r) => r.runId));
        expect(listed[0]).toEqual(expected[0]);
        expect(short(await li.listRuns({ jobId: job, limit: 3 }))).toEqual(['r054', 'r053', 'r052']);
        const ties = short(await li.listRuns({ jobId: job, limit: 100 }));
        expect(ties).toHaveLength(57);
        expect(ties.slice(ties.indexOf('r011'), ties.indexOf('r009') + 1)).toEqual(['r011', 'r010b', 'r010a', 'r010', 'r009']);
      });

      it('filters by status and pages with `before` (strictly earlier starts)', async () => {
        const job = unique('job');
        const at = (m: number) => new Date(Date.parse('2033-05-01T00:00:00.000Z') + m * 60_000).toISOString();
        const runs = [
          run('a', job, at(0), 'success'),
          run('b', job, at(1), 'failed'),
          run('c', job, at(2), 'success'),
          run('d', job, at(3), 'partial'),
          run('e', job, at(4), 'failed'),
        ].map((r) => ({ ...r, runId: `${job}-${r.runId}` }));
        for (const r of runs) await li.insertRun(r);
        const ids = (rs: RunSummary[]) => rs.map((r) => r.runId.slice(job.length + 1));

        expect(ids(await li.listRuns({ jobId: job, status: 'failed' }))).toEqual(['e', 'b']);
        expect(ids(await li.listRuns({ jobId: job, status: 'success' }))).toEqual(['c', 'a']);
        const page1 = await li.listRuns({ jobId: job, limit: 2 });
        expect(ids(page1)).toEqual(['e', 'd']);
        const page2 = await li.listRuns({ jobId: job, limit: 2, before: page1.at(-1)!.startedAt });
        expect(ids(page2)).toEqual(['c', 'b']);
        const page3 = await li.listRuns({ jobId: job, limit: 2, before: page2.at(-1)!.startedAt });
        expect(ids(page3)).toEqual(['a']);
        expect(ids(await li.listRuns({ jobId: job, status: 'failed', before: at(4) }))).toEqual(['b']);
        expect(await li.listRuns({ jobId: unique('job') })).toEqual([]);
      });

      it('lists across jobs when no job is given', async () => {
        // 2034: a window only this test writes in.
        const a = run(unique('run'), unique('job'), '2034-01-01T00:00:01.000Z', 'failed');
        const b = run(unique('run'), unique('job'), '2034-01-01T00:00:02.000Z', 'success');
        const c = run(unique('run'), unique('job'), '2034-01-01T00:00:03.000Z', 'failed');
        for (const r of [a, b, c]) await li.insertRun(r);
        const before = '2034-01-01T00:00:04.000Z';
        expect((await li.listRuns({ before, limit: 3 })).map((r) => r.runId)).toEqual([c.runId, b.runId, a.runId]);
        expect((await li.listRuns({ before, limit: 2, status: 'failed' })).map((r) => r.runId)).toEqual([c.runId, a.runId]);
      });

      it('prunes runs that started before a time and says how many', async () => {
        // 1990: a window only this test writes in, older than every other run of the suite.
        const job = unique('job');
        const old1 = run(`${job}-old1`, job, '1990-01-01T00:00:00.000Z');
        const old2 = run(`${job}-old2`, unique('job'), '1990-01-02T00:00:00.000Z');
        const edge = run(`${job}-edge`, job, '1990-01-03T00:00:00.000Z');
        for (const r of [old1, old2, edge]) await li.insertRun(r);
        expect(await li.pruneRuns(new Date('1990-01-03T00:00:00.000Z'))).toBe(2);
        expect(await li.getRun(old1.runId)).toBeNull();
        expect(await li.getRun(old2.runId)).toBeNull();
        expect(await li.getRun(edge.runId)).toEqual(edge);
        expect(await li.pruneRuns(new Date('1990-01-03T00:00:00.000Z'))).toBe(0);
      });
    });

    describe('links walked whole (reconciliation)', () => {
      it('lists live links in key order, page after page, and counts them', async () => {
        const pair = freshPair();
        await li.upsertLinks(pair, [link('s3', 'd3'), link('s1', 'd1'), link('s2', 'd2b'), link('s2', 'd2a'), link('s4', 'd4', { deletedAt: T0 })]);
        await li.upsertLinks(freshPair(), [link('s0', 'd0')]);
        const first = await li.listLinks(pair, null, 2);
        expect(first).toEqual([link('s1', 'd1'), link('s2', 'd2a')]);
        const second = await li.listLinks(pair, first[1]!, 2);
        expect(second).toEqual([link('s2', 'd2b'), link('s3', 'd3')]);
        expect(await li.listLinks(pair, second[1]!, 2)).toEqual([]);
        expect(await li.countLinks(pair)).toBe(4);
      });

      it('deletes links by key, leaving the rest and ignoring unknown keys', async () => {
        const pair = freshPair();
        await li.upsertLinks(pair, [link('s1', 'd1'), link('s2', 'd2'), link('s3', 'd3')]);
        await li.deleteLinks(pair, [{ sourceId: 's1', destId: 'd1' }, { sourceId: 's3', destId: 'nope' }]);
        expect(sorted(await li.listLinks(pair, null, 10))).toEqual([link('s2', 'd2'), link('s3', 'd3')]);
        expect(await li.findLinks(pair, 'source', ['s1'])).toEqual([]);
      });
    });

    describe('pending deletes', () => {
      const pending = (deleteId: string, jobId: string, pair: TablePair, sourceId: string, destId: string, detectedAt = T0): NewPendingDelete => ({
        deleteId, jobId, pair, sourceId, destId, side: 'source', cause: 'gone', runId: 'run-1', detectedAt,
        targetPayload: { id: destId, fields: { name: 'kept for restore', n: [1, 2] }, updatedAt: T0, deleted: false },
      });

      it('records, lists by state and keeps one waiting per link', async () => {
        const pair = freshPair();
        const job = unique('job');
        const a = unique('pd');
        const b = unique('pd');
        const added = await li.addPendingDeletes([pending(a, job, pair, 's1', 'd1'), pending(b, job, pair, 's2', 'd2', '2026-01-01T00:00:01.000Z')]);
        expect(added.map((p) => p.deleteId)).toEqual([a, b]);
        expect(added[0]).toEqual({ ...pending(a, job, pair, 's1', 'd1'), decision: null, decidedAt: null, appliedAt: null });
        // A second one for the same link while the first waits is dropped.
        expect(await li.addPendingDeletes([pending(unique('pd'), job, pair, 's1', 'd1')])).toEqual([]);
        expect((await li.listPendingDeletes(job, ['open'])).map((p) => p.deleteId)).toEqual([a, b]);
        expect(await li.listPendingDeletes(job, ['approved', 'rejected', 'done'])).toEqual([]);
        expect(await li.listPendingDeletes(unique('other-job'))).toEqual([]);
      });

      it('decides open ones only, one by one or all, and marks them applied', async () => {
        const pair = freshPair();
        const job = unique('job');
        const [a, b, c] = [unique('pd'), unique('pd'), unique('pd')];
        await li.addPendingDeletes([pending(a, job, pair, 's1', 'd1'), pending(b, job, pair, 's2', 'd2'), pending(c, job, pair, 's3', 'd3')]);
        const at = new Date('2026-03-01T00:00:00.000Z');
        const approved = await li.decidePendingDeletes(job, [a], 'approved', at);
        expect(approved).toHaveLength(1);
        expect(approved[0]).toMatchObject({ deleteId: a, decision: 'approved', decidedAt: at.toISOString(), appliedAt: null });
        // Already decided: a second decision changes nothing.
        expect(await li.decidePendingDeletes(job, [a], 'rejected', at)).toEqual([]);
        // Another job's "all" touches none of these.
        expect(await li.decidePendingDeletes(unique('other-job'), 'all', 'rejected', at)).toEqual([]);
        const rest = await li.decidePendingDeletes(job, 'all', 'rejected', at);
        expect(rest.map((p) => p.deleteId).sort()).toEqual([b, c].sort());
        expect((await li.listPendingDeletes(job, ['approved'])).map((p) => p.deleteId)).toEqual([a]);
        expect((await li.listPendingDeletes(job, ['rejected'])).map((p) => p.deleteId).sort()).toEqual([b, c].sort());
        await li.markPendingDeletesApplied([a, b], at);
        expect((await li.listPendingDeletes(job, ['done'])).map((p) => p.deleteId).sort()).toEqual([a, b].sort());
        expect((await li.listPendingDeletes(job, ['rejected'])).map((p) => p.deleteId)).toEqual([c]);
        // Done: the link may be held back again.
        expect(await li.addPendingDeletes([pending(unique('pd'), job, pair, 's1', 'd1')])).toHaveLength(1);
      });

      it('a cancelled one is done and lets the link be held again', async () => {
        const pair = freshPair();
        const job = unique('job');
        const a = unique('pd');
        await li.addPendingDeletes([pending(a, job, pair, 's1', 'd1')]);
        await li.decidePendingDeletes(job, [a], 'cancelled');
        expect((await li.listPendingDeletes(job, ['done'])).map((p) => p.decision)).toEqual(['cancelled']);
        expect(await li.addPendingDeletes([pending(unique('pd'), job, pair, 's1', 'd1')])).toHaveLength(1);
      });
    });

    describe('conflicts', () => {
      it('records an open conflict with both payloads whole', async () => {
        const job = unique('job');
        const pair = freshPair();
        const c = newConflict(unique('cf'), job, pair, 's1', 'd1');
        const recorded = await li.recordConflict(c);
        expect(recorded).toEqual({ ...c, resolvedAt: null, keep: null, appliedAt: null });
        expect(await li.getConflict(c.conflictId)).toEqual(recorded);
        expect(conflictState(recorded)).toBe('open');
        expect(await li.listConflicts(job, 'open')).toEqual([recorded]);
        expect(await li.getConflict(unique('cf'))).toBeNull();
      });

      it('updates the open conflict of the same link instead of adding a second one', async () => {
        const job = unique('job');
        const pair = freshPair();
        const first = await li.recordConflict(newConflict(unique('cf'), job, pair, 's1', 'd1', T0, 'v1'));
        const newer = newConflict(unique('cf'), job, pair, 's1', 'd1', '2026-01-02T00:00:00.000Z', 'v2');
        const second = await li.recordConflict(newer);
        expect(second.conflictId).toBe(first.conflictId);
        expect(second.sourcePayload).toEqual(newer.sourcePayload);
        expect(second.destPayload).toEqual(newer.destPayload);
        expect(second.detectedAt).toBe(first.detectedAt);
        expect(await li.getConflict(newer.conflictId)).toBeNull();
        expect(await li.listConflicts(job, 'open')).toEqual([second]);

        // Another link, another job: separate conflicts.
        const otherLink = await li.recordConflict(newConflict(unique('cf'), job, pair, 's1', 'd2'));
        const otherJob = await li.recordConflict(newConflict(unique('cf'), unique('job'), pair, 's1', 'd1'));
        expect(otherLink.conflictId).not.toBe(first.conflictId);
        expect(otherJob.conflictId).not.toBe(first.conflictId);
        expect(await li.listConflicts(job, 'open')).toHaveLength(2);
      });

      it('records the fields a conflict names (field_merge) and replaces them with the newer payloads', async () => {
        const job = unique('job');
        const pair = freshPair();
        const c = { ...newConflict(unique('cf'), job, pair, 's1', 'd1'), fields: ['Notes', 'Title'] };
        const recorded = await li.recordConflict(c);
        expect(recorded).toEqual({ ...c, resolvedAt: null, keep: null, appliedAt: null });
        expect(await li.getConflict(c.conflictId)).toEqual(recorded);
        const newer = { ...newConflict(unique('cf'), job, pair, 's1', 'd1', T0, 'v2'), fields: ['Title'] };
        expect((await li.recordConflict(newer)).fields).toEqual(['Title']);
        expect((await li.listConflicts(job, 'open'))[0]!.fields).toEqual(['Title']);
        // A whole-record conflict names no fields.
        const whole = await li.recordConflict(newConflict(unique('cf'), job, pair, 's2', 'd2'));
        expect(whole.fields ?? null).toBeNull();
        expect('fields' in whole).toBe(false);
      });

      it('resolves, then marks applied; a resolved link can get a new open conflict', async () => {
        const job = unique('job');
        const pair = freshPair();
        const c = await li.recordConflict(newConflict(unique('cf'), job, pair, 's1', 'd1'));
        const resolved = await li.resolveConflict(c.conflictId, 'dest', new Date('2026-01-05T00:00:00.000Z'));
        expect(resolved).toEqual({ ...c, keep: 'dest', resolvedAt: '2026-01-05T00:00:00.000Z' });
        expect(await li.getConflict(c.conflictId)).toEqual(resolved);
        expect(await li.listConflicts(job, 'open')).toEqual([]);
        expect(await li.listConflicts(job, 'resolved')).toEqual([resolved]);

        // The link conflicts again while the decision waits: a new conflict, the resolved one stays.
        const again = await li.recordConflict(newConflict(unique('cf'), job, pair, 's1', 'd1', '2026-01-06T00:00:00.000Z', 'v3'));
        expect(again.conflictId).not.toBe(c.conflictId);
        expect(await li.listConflicts(job, 'open')).toEqual([again]);
        expect(await li.listConflicts(job, 'resolved')).toEqual([resolved]);

        await li.markConflictApplied(c.conflictId, new Date('2026-01-07T00:00:00.000Z'));
        const applied = { ...resolved, appliedAt: '2026-01-07T00:00:00.000Z' };
        expect(await li.getConflict(c.conflictId)).toEqual(applied);
        expect(await li.listConflicts(job, 'resolved')).toEqual([]);
        expect(await li.listConflicts(job, 'applied')).toEqual([applied]);
      });

      it('lists a job\'s conflicts oldest first', async () => {
        const job = unique('job');
        const pair = freshPair();
        const late = await li.recordConflict(newConflict(`${job}-a`, job, pair, 's1', 'd1', '2026-01-03T00:00:00.000Z'));
        const early = await li.recordConflict(newConflict(`${job}-b`, job, pair, 's2', 'd2', '2026-01-01T00:00:00.000Z'));
        const tie = await li.recordConflict(newConflict(`${job}-c`, job, pair, 's3', 'd3', '2026-01-03T00:00:00.000Z'));
        expect((await li.listConflicts(job, 'open')).map((c) => c.conflictId)).toEqual([early.conflictId, late.conflictId, tie.conflictId]);
        expect(await li.listConflicts(unique('job'), 'open')).toEqual([]);
      });

      it('lists only the conflicts detected within a range, bounds included', async () => {
        const job = unique('job');
        const pair = freshPair();
        for (const [i, day] of ['01', '02', '03', '04'].entries()) {
          await li.recordConflict(newConflict(`${job}-${i}`, job, pair, `s${i}`, `d${i}`, `2026-01-${day}T00:00:00.000Z`));
        }
        const inRange = await li.listConflicts(job, 'open', { from: '2026-01-02T00:00:00.000Z', to: '2026-01-03T00:00:00.000Z' });
        expect(inRange.map((c) => c.detectedAt)).toEqual(['2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z']);
        expect(await li.listConflicts(job, 'open', { from: '2026-01-04T00:00:00.001Z' })).toEqual([]);
        expect(await li.listConflicts(job, 'open', { to: '2026-01-01T00:00:00.000Z' })).toHaveLength(1);
      });

      it('throws NotFoundError for an unknown conflict', async () => {
        await expect(li.resolveConflict(unique('cf'), 'source')).rejects.toBeInstanceOf(NotFoundError);
        await expect(li.markConflictApplied(unique('cf'))).rejects.toBeInstanceOf(NotFoundError);
      });

      it('resolves only an open conflict: a resolved or applied one is left as it is, and null says so', async () => {
        const job = unique('job');
        const pair = freshPair();
        const c = await li.recordConflict(newConflict(unique('cf'), job, pair, 's1', 'd1'));
        const resolved = await li.resolveConflict(c.conflictId, 'dest', new Date('2026-01-05T00:00:00.000Z'));
        expect(resolved).toEqual({ ...c, keep: 'dest', resolvedAt: '2026-01-05T00:00:00.000Z' });

        expect(await li.resolveConflict(c.conflictId, 'source', new Date('2026-01-06T00:00:00.000Z'))).toBeNull();
        expect(await li.getConflict(c.conflictId)).toEqual(resolved);

        await li.markConflictApplied(c.conflictId, new Date('2026-01-07T00:00:00.000Z'));
        const applied = { ...resolved, appliedAt: '2026-01-07T00:00:00.000Z' };
        expect(await li.resolveConflict(c.conflictId, 'source', new Date('2026-01-08T00:00:00.000Z'))).toBeNull();
        expect(await li.getConflict(c.conflictId)).toEqual(applied);
      });

      it('of two concurrent resolves of one conflict exactly one wins', async () => {
        const job = unique('job');
        const pair = freshPair();
        for (let round = 0; round < 5; round++) {
          const c = await li.recordConflict(newConflict(unique('cf'), job, pair, `s${round}`, `d${round}`));
          const [a, b] = await Promise.all([
            li.resolveConflict(c.conflictId, 'source', new Date('2026-01-05T00:00:00.000Z')),
            li.resolveConflict(c.conflictId, 'dest', new Date('2026-01-06T00:00:00.000Z')),
          ]);
          const winners = [a, b].filter((r) => r !== null);
          expect(winners).toHaveLength(1);
          expect(await li.getConflict(c.conflictId)).toEqual(winners[0]);
        }
      });

      it('supersedes an open or a resolved conflict: the given side kept, resolved and applied at once', async () => {
        const job = unique('job');
        const pair = freshPair();
        const at = new Date('2026-01-09T00:00:00.000Z');
        const open = await li.recordConflict(newConflict(unique('cf'), job, pair, 's1', 'd1'));
        await li.supersedeConflict(open.conflictId, 'source', at);
        expect(await li.getConflict(open.conflictId)).toEqual({ ...open, keep: 'source', resolvedAt: at.toISOString(), appliedAt: at.toISOString() });

        const decided = await li.recordConflict(newConflict(unique('cf'), job, pair, 's2', 'd2'));
        await li.resolveConflict(decided.conflictId, 'dest', new Date('2026-01-05T00:00:00.000Z'));
        await li.supersedeConflict(decided.conflictId, 'source', at);
        expect(await li.getConflict(decided.conflictId)).toEqual({ ...decided, keep: 'source', resolvedAt: at.toISOString(), appliedAt: at.toISOString() });
        expect(await li.listConflicts(job, 'applied')).toHaveLength(2);

        await expect(li.supersedeConflict(unique('cf'), 'source')).rejects.toBeInstanceOf(NotFoundError);
      });
    });

    if (options.leases) describeJobLeases(() => li as LinkIndex & JobLeases);
  });
}

function describeJobLeases(get: () => LinkIndex & JobLeases): void {
  describe('job leases', () => {
    let li: LinkIndex & JobLeases;
    beforeAll(() => {
      li = get();
      for (const method of ['acquireLease', 'renewLease', 'releaseLease', 'fenced'] as const) expect(typeof li[method]).toBe('function');
    });

    it('grants a lease, refuses a second holder, and lets the holder renew and release it', async () => {
      const job = unique('job');
      const grant = await li.acquireLease(job, 'worker-a', 60_000);
      expect(grant).toMatchObject({ jobId: job, holder: 'worker-a' });
      expect(grant!.token).toBeGreaterThanOrEqual(1);
      expect(Number.isNaN(Date.parse(grant!.expiresAt))).toBe(false);
      expect(await li.acquireLease(job, 'worker-b', 60_000)).toBeNull();
      expect(await li.renewLease(grant!, 60_000)).toBe(true);
      expect(await li.acquireLease(job, 'worker-b', 60_000)).toBeNull();

      await li.releaseLease(grant!);
      const next = await li.acquireLease(job, 'worker-b', 60_000);
      expect(next?.holder).toBe('worker-b');
      expect(next!.token).toBeGreaterThan(grant!.token);
      // A released grant is dead: it cannot renew, and releasing it again changes nothing.
      expect(await li.renewLease(grant!, 60_000)).toBe(false);
      await li.releaseLease(grant!);
      expect(await li.acquireLease(job, 'worker-c', 60_000)).toBeNull();
    });

    it('gives exactly one of several simultaneous acquirers the lease', async () => {
      const job = unique('job');
      const grants = await Promise.all(['w1', 'w2', 'w3', 'w4', 'w5'].map((w) => li.acquireLease(job, w, 60_000)));
      expect(grants.filter((g) => g !== null)).toHaveLength(1);
    });

    it('keeps leases of different jobs apart', async () => {
      const a = await li.acquireLease(unique('job'), 'worker-a', 60_000);
      const b = await li.acquireLease(unique('job'), 'worker-b', 60_000);
      expect(a).not.toBeNull();
      expect(b).not.toBeNull();
    });

    it('lets another holder take over an expired lease with a greater token; the old grant is then lost', async () => {
      const job = unique('job');
      const old = (await li.acquireLease(job, 'worker-a', 30))!;
      expect(old).not.toBeNull();
      await sleep(80);
      const taken = await li.acquireLease(job, 'worker-b', 60_000);
      expect(taken?.holder).toBe('worker-b');
      expect(taken!.token).toBeGreaterThan(old.token);
      expect(await li.renewLease(old, 60_000)).toBe(false);
      await li.releaseLease(old); // not ours any more: a no-op
      expect(await li.acquireLease(job, 'worker-c', 60_000)).toBeNull();
      expect(await li.renewLease(taken!, 60_000)).toBe(true);
    });

    it('lets the holder renew a lapsed lease nobody took over', async () => {
      const job = unique('job');
      const grant = (await li.acquireLease(job, 'worker-a', 30))!;
      await sleep(80);
      expect(await li.renewLease(grant, 60_000)).toBe(true);
      expect(await li.acquireLease(job, 'worker-b', 60_000)).toBeNull();
    });

    it('hands tokens out monotonically, never twice', async () => {
      const job = unique('job');
      const tokens: number[] = [];
      for (const holder of ['a', 'b', 'c', 'd']) {
        const g = (await li.acquireLease(job, holder, 60_000))!;
        tokens.push(g.token);
        await li.releaseLease(g);
      }
      for (let i = 1; i < tokens.length; i++) expect(tokens[i]!).toBeGreaterThan(tokens[i - 1]!);
    });

    it('fenced writes succeed while the lease holds; reads pass through', async () => {
      const job = unique('job');
      const pair = freshPair();
      const ref = pair.source;
      const grant = (await li.acquireLease(job, 'worker-a', 60_000))!;
      const f = li.fenced(grant);
      await f.upsertLinks(pair, [link('s1', 'd1')]);
      await f.saveCursor(job, ref, { value: 'c1' });
      expect(await f.incrementFailCount(job, ref)).toBe(1);
      await f.resetFailCount(job, ref);
      await f.insertRun(run(`${job}-r1`, job, '2035-01-01T00:00:00.000Z'));
      const c = await f.recordConflict(newConflict(`${job}-c1`, job, pair, 's1', 'd1'));
      await f.resolveConflict(c.conflictId, 'source', new Date(T0));
      await f.markConflictApplied(c.conflictId, new Date(T0));
      await f.disableJob(job, new Date(T0));
      await f.enableJob(job);

      expect(await f.findLinks(pair, 'source', ['s1'])).toEqual([link('s1', 'd1')]);
      expect(await f.loadCursor(job, ref)).toEqual({ value: 'c1' });
      expect(await f.getFailCount(job, ref)).toBe(0);
      expect((await f.getRun(`${job}-r1`))?.runId).toBe(`${job}-r1`);
      expect(conflictState((await f.getConflict(c.conflictId))!)).toBe('applied');
      expect(await f.getJobState(job)).toEqual({ disabledAt: null });
    });

    it('refuses every fenced write of a grant that lost its lease (LeaseLostError, nothing written)', async () => {
      const job = unique('job');
      const pair = freshPair();
      const ref = pair.source;
      const old = (await li.acquireLease(job, 'worker-a', 30))!;
      const stale = li.fenced(old);
      await stale.saveCursor(job, ref, { value: 'before' });
      const open = await stale.recordConflict(newConflict(`${job}-c1`, job, pair, 's1', 'd1'));
      await sleep(80);
      const taken = (await li.acquireLease(job, 'worker-b', 60_000))!;
      expect(taken).not.toBeNull();

      const writes: [string, () => Promise<unknown>][] = [
        ['upsertLinks', () => stale.upsertLinks(pair, [link('s1', 'd1')])],
        ['saveCursor', () => stale.saveCursor(job, ref, { value: 'after' })],
        ['disableJob', () => stale.disableJob(job, new Date(T0))],
        ['enableJob', () => stale.enableJob(job)],
        ['incrementFailCount', () => stale.incrementFailCount(job, ref)],
        ['resetFailCount', () => stale.resetFailCount(job, ref)],
        ['insertRun', () => stale.insertRun(run(`${job}-r1`, job, '2035-01-01T00:00:00.000Z'))],
        ['pruneRuns', () => stale.pruneRuns(new Date('1980-01-01T00:00:00.000Z'))],
        ['recordConflict', () => stale.recordConflict(newConflict(`${job}-c2`, job, pair, 's2', 'd2'))],
        ['resolveConflict', () => stale.resolveConflict(open.conflictId, 'dest')],
        ['supersedeConflict', () => stale.supersedeConflict(open.conflictId, 'dest')],
        ['markConflictApplied', () => stale.markConflictApplied(open.conflictId)],
      ];
      for (const [name, write] of writes) {
        await expect(write(), name).rejects.toBeInstanceOf(LeaseLostError);
      }

      // Nothing of it landed; reads through the stale view still work.
      expect(await stale.findLinks(pair, 'source', ['s1'])).toEqual([]);
      expect(await li.loadCursor(job, ref)).toEqual({ value: 'before' });
      expect(await li.getJobState(job)).toEqual({ disabledAt: null });
      expect(await li.getFailCount(job, ref)).toBe(0);
      expect(await li.getRun(`${job}-r1`)).toBeNull();
      expect(await li.getConflict(`${job}-c2`)).toBeNull();
      expect(conflictState((await li.getConflict(open.conflictId))!)).toBe('open');

      // The new holder writes.
      await li.fenced(taken).saveCursor(job, ref, { value: 'new holder' });
      expect(await li.loadCursor(job, ref)).toEqual({ value: 'new holder' });
    });

    it('refuses fenced writes of a released grant', async () => {
      const job = unique('job');
      const grant = (await li.acquireLease(job, 'worker-a', 60_000))!;
      await li.releaseLease(grant);
      await expect(li.fenced(grant).saveCursor(job, { adapter: 'a', table: 't' }, { value: 'x' })).rejects.toBeInstanceOf(LeaseLostError);
    });

    it('a fresh acquire by the same holder fences off its older grant', async () => {
      const job = unique('job');
      const first = (await li.acquireLease(job, 'worker-a', 60_000))!;
      const second = (await li.acquireLease(job, 'worker-a', 60_000))!;
      expect(second.token).toBeGreaterThan(first.token);
      await expect(li.fenced(first).saveCursor(job, { adapter: 'a', table: 't' }, { value: 'x' })).rejects.toBeInstanceOf(LeaseLostError);
      await li.fenced(second).saveCursor(job, { adapter: 'a', table: 't' }, { value: 'y' });
    });
  });
}

