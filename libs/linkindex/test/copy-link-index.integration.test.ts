import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { emptySideCounts } from '@syncframe/engine';
import type { RunSummary } from '@syncframe/engine';
import { copyLinkIndex, openLinkIndex } from '@syncframe/linkindex';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const dir = await mkdtemp(join(tmpdir(), 'syncframe-copy-'));
const schemas: string[] = [];
const freshSchema = () => {
  const s = `copy_${randomBytes(4).toString('hex')}`;
  schemas.push(s);
  return s;
};

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await client.end();
});

const pair = { source: { adapter: 'airtable', table: 'Videos' }, dest: { adapter: 'webflow', table: 'c1' } };
const run = (runId: string, startedAt: string): RunSummary => ({
  runId, jobId: 'videos', trigger: 'cli', startedAt, endedAt: startedAt, durationMs: 0, status: 'success',
  counts: { source: emptySideCounts(), dest: emptySideCounts() }, retries: 0, rateLimited: 0, throttleWaitMs: 0,
  errors: [], errorsTruncated: false, failures: [],
});

describe.each([
  ['PGlite', { driver: 'pglite', conn: join(dir, 'pglite') }],
  ['SQLite', { driver: 'sqlite', conn: join(dir, 'syncframe.db') }],
] as const)('copyLinkIndex: from the embedded %s store to PostgreSQL', (_name, from) => {
  it('carries links, cursors, job state, conflicts, runs, held records, pending deletes and failing records, with counts that agree; the fleet reads them back', async () => {
    const source = (await openLinkIndex(from)).linkIndex;
    const links = Array.from({ length: 2500 }, (_, i) => ({
      sourceId: `rec${i}`, destId: `item${i}`, sourceHash: `s${i}`, destHash: `d${i}`,
      deletedAt: i % 100 === 0 ? '2026-01-02T00:00:00.000Z' : null, syncedAt: '2026-01-01T00:00:00.000Z',
    }));
    await source.upsertLinks(pair, links);
    await source.saveCursor('videos', pair.source, { value: 'cursor-a' });
    await source.saveCursor('videos', pair.dest, { value: 'cursor-b' });
    await source.incrementFailCount('videos', pair.dest);
    await source.disableJob('old-job', new Date('2026-01-03T00:00:00.000Z'));
    await source.insertRun(run('r1', '2026-01-01T00:00:00.000Z'));
    await source.insertRun(run('r2', '2026-01-01T01:00:00.000Z'));
    const conflict = await source.recordConflict({
      conflictId: 'c-1', jobId: 'videos', pair, sourceId: 'rec1', destId: 'item1',
      sourcePayload: { id: 'rec1', fields: { Name: 'A' }, updatedAt: '2026-01-01T00:00:00.000Z', deleted: false },
      destPayload: { id: 'item1', fields: { name: 'B' }, updatedAt: '2026-01-01T00:00:00.000Z', deleted: false },
      detectedAt: '2026-01-01T00:00:00.000Z',
    });
    await source.holdRecords('videos', pair.source, ['rec3', 'rec4'], new Date('2026-01-01T02:00:00.000Z'));
    const [pending] = await source.addPendingDeletes([{
      deleteId: 'pd-1', jobId: 'videos', pair, sourceId: 'rec5', destId: 'item5', side: 'source', cause: 'gone',
      targetPayload: null, runId: 'r2', detectedAt: '2026-01-01T01:00:00.000Z',
    }]);
    await source.recordFailures('videos', [
      { side: 'source', recordId: 'rec6', stage: 'map', reason: 'mapper threw', runId: 'r1', at: '2026-01-01T00:00:01.000Z', retrying: true },
      { side: 'dest', recordId: 'item8', stage: 'write', reason: 'rejected', runId: 'r1', at: '2026-01-01T00:00:01.000Z', retrying: false },
    ]);
    await source.recordFailures('videos', [
      { side: 'source', recordId: 'rec6', stage: 'map', reason: 'mapper threw again', runId: 'r2', at: '2026-01-01T01:00:01.000Z', retrying: true },
    ]);
    await source.requestRecordRetry('videos', [{ side: 'dest', recordId: 'item8' }], new Date('2026-01-01T01:30:00.000Z'));
    const failing = await source.listRecordFailures('videos');
    expect(failing.map((f) => [f.recordId, f.failures])).toEqual([['rec6', 2], ['item8', 1]]);
    await source.close();

    const schema = freshSchema();
    const report = await copyLinkIndex(from, { driver: 'postgres', conn: DATABASE_URL, schema });
    expect(report).toEqual([
      { table: 'jobs', source: 1, destination: 1 },
      { table: 'cursors', source: 2, destination: 2 },
      { table: 'links', source: 2500, destination: 2500 },
      { table: 'runs', source: 2, destination: 2 },
      { table: 'conflicts', source: 1, destination: 1 },
      { table: 'held_records', source: 2, destination: 2 },
      { table: 'pending_deletes', source: 1, destination: 1 },
      { table: 'record_failures', source: 2, destination: 2 },
    ]);

    const fleet = (await openLinkIndex({ driver: 'postgres', conn: DATABASE_URL, schema })).linkIndex;
    try {
      const found = await fleet.findLinks(pair, 'source', ['rec0', 'rec7', 'rec2499']);
      expect(found.sort((a, b) => a.sourceId.localeCompare(b.sourceId))).toEqual([links[0], links[2499], links[7]]);
      expect(await fleet.loadCursor('videos', pair.source)).toEqual({ value: 'cursor-a' });
      expect(await fleet.getFailCount('videos', pair.dest)).toBe(1);
      expect((await fleet.getJobState('old-job')).disabledAt).toBe('2026-01-03T00:00:00.000Z');
      expect((await fleet.listRuns({ jobId: 'videos' })).map((r) => r.runId)).toEqual(['r2', 'r1']);
      expect(await fleet.listConflicts('videos', 'open')).toEqual([conflict]);
      expect(await fleet.findHeld('videos', pair.source, ['rec3', 'rec4', 'rec5'])).toEqual(new Map([
        ['rec3', '2026-01-01T02:00:00.000Z'], ['rec4', '2026-01-01T02:00:00.000Z'],
      ]));
      expect(await fleet.listPendingDeletes('videos')).toEqual([pending]);
      expect(await fleet.listRecordFailures('videos')).toEqual(failing);
    } finally {
      await fleet.close();
    }

    // Never into a store that holds anything: nothing is merged or overwritten.
    await expect(copyLinkIndex(from, { driver: 'postgres', conn: DATABASE_URL, schema }))
      .rejects.toThrow(/already holds 1 row\(s\) in "jobs"; copy into an empty store/);
  });
});
