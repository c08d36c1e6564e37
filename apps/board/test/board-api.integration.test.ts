/**
 * The JSON API over HTTP against real Redis and PostgreSQL: every route, every error status, and
 * no secret in any response or log line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDeduplicationId } from '@syncframe/fleet';
import type { BoardHarness } from './board-harness.js';
import { API_TOKEN, exchangeTexts, findSecrets, JOBS, startBoardHarness } from './board-harness.js';

let h: BoardHarness;

beforeAll(async () => {
  h = await startBoardHarness('api');
});

afterAll(async () => {
  await h?.close();
});

describe('GET /api/jobs', () => {
  it('lists every configured job with its sides, state, last run, next run and open conflicts, never creds', async () => {
    const run = await h.insertRun(JOBS.memory, { status: 'partial' });
    await h.recordConflict(JOBS.memory);
    const res = await h.request('/api/jobs');
    expect(res.status).toBe(200);
    const jobs = res.body.jobs as { id: string }[];
    expect(jobs.map((j) => j.id)).toEqual([JOBS.remote, JOBS.memory, JOBS.off, JOBS.broken]);
    const [remote, memory, off] = res.body.jobs;
    expect(remote).toMatchObject({
      enabled: true, disabledAt: null, runnable: true, schedule: { cron: '*/5 * * * *' }, lastRun: null, openConflicts: 0,
      sides: [
        { role: 'source', name: 'crm', adapter: 'airtable', table: 'Items', failCount: 0 },
        { role: 'dest', name: 'site', adapter: 'webflow', collection: '64a0c0ffee0000000000c0de', failCount: 0 },
      ],
    });
    // The scheduler the scheduler app would create: its next tick.
    expect(Date.parse(remote.nextRunAt)).toBeGreaterThan(Date.now() - 1000);
    expect(JSON.stringify(remote.sides)).not.toMatch(/creds|apiKey|token/);
    expect(memory).toMatchObject({ runnable: true, nextRunAt: null, openConflicts: 1, lastRun: { runId: run.runId, status: 'partial' } });
    expect(off).toMatchObject({ enabled: false, runnable: false });
  });

  it('shows fail counts per side', async () => {
    await h.store.incrementFailCount(JOBS.memory, { adapter: 'memory', table: 'contacts' });
    const res = await h.request('/api/jobs');
    const memory = res.body.jobs.find((j: { id: string }) => j.id === JOBS.memory);
    expect(memory.sides.map((s: { failCount: number }) => s.failCount)).toEqual([0, 1]);
    await h.store.resetFailCount(JOBS.memory, { adapter: 'memory', table: 'contacts' });
  });
});

describe('POST /api/jobs/:id/runs', () => {
  it('enqueues a run (202) and deduplicates a second one while it waits', async () => {
    const first = await h.request(`/api/jobs/${JOBS.memory}/runs`, { method: 'POST' });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ queueJobId: expect.any(String), deduplicated: false });
    const job = await h.queues.runs.getJob(first.body.queueJobId);
    expect(job?.data).toMatchObject({ jobId: JOBS.memory, trigger: 'api' });
    const second = await h.request(`/api/jobs/${JOBS.memory}/runs`, { method: 'POST' });
    expect(second.status).toBe(202);
    expect(second.body).toEqual({ queueJobId: first.body.queueJobId, deduplicated: true });
    await job?.remove();
    await h.queues.runs.removeDeduplicationKey(runDeduplicationId(JOBS.memory));
  });

  it('answers 404 for an unknown job and 409 for a job disabled in the config', async () => {
    const unknown = await h.request('/api/jobs/nope/runs', { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: { code: 'not_found', message: 'job "nope" is not in the config' } });
    const off = await h.request(`/api/jobs/${JOBS.off}/runs`, { method: 'POST' });
    expect(off.status).toBe(409);
    expect(off.body.error.code).toBe('job_disabled');
  });
});

describe('POST /api/jobs/:id/disable and /enable', () => {
  it('disables a job in the LinkIndex (runs then refused with 409) and enables it again, resetting fail counts', async () => {
    const disabled = await h.request(`/api/jobs/${JOBS.memory}/disable`, { method: 'POST' });
    expect(disabled.status).toBe(200);
    expect(disabled.body.job).toMatchObject({ id: JOBS.memory, runnable: false, disabledAt: expect.any(String) });
    expect((await h.store.getJobState(JOBS.memory)).disabledAt).not.toBeNull();

    const refused = await h.request(`/api/jobs/${JOBS.memory}/runs`, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toEqual({ code: 'job_disabled', message: expect.stringContaining('enable it first') });
    const preview = await h.request(`/api/jobs/${JOBS.memory}/preview`, { method: 'POST' });
    expect(preview.status).toBe(409);

    await h.store.incrementFailCount(JOBS.memory, { adapter: 'memory', table: 'people' });
    const enabled = await h.request(`/api/jobs/${JOBS.memory}/enable`, { method: 'POST' });
    expect(enabled.status).toBe(200);
    expect(enabled.body.job).toMatchObject({ runnable: true, disabledAt: null });
    expect(enabled.body.job.sides[0].failCount).toBe(0);
  });

  it('answers 404 for an unknown job', async () => {
    expect((await h.request('/api/jobs/nope/enable', { method: 'POST' })).status).toBe(404);
    expect((await h.request('/api/jobs/nope/disable', { method: 'POST' })).status).toBe(404);
  });
});

describe('POST /api/jobs/:id/preview', () => {
  it('plans a dry run against the remotes and writes nothing', async () => {
    h.airtable.insert('Items', { Name: 'Alpha', Slug: 'alpha' });
    h.airtable.insert('Items', { Name: 'Beta', Slug: 'beta' });
    const runsBefore = await h.store.listRuns({ jobId: JOBS.remote });
    const requestsBefore = h.airtable.requests.length + h.webflow.requests.length;

    const res = await h.request(`/api/jobs/${JOBS.remote}/preview`, { method: 'POST' });
    expect(res.status).toBe(200);
    const plan = res.body.plan as { side: string; action: string; fields?: Record<string, unknown> }[];
    expect(plan.filter((e) => e.action === 'create').map((e) => e.fields?.['slug']).sort()).toEqual(['alpha', 'beta']);

    expect(h.webflow.items('items')).toHaveLength(0);
    const writes = [...h.airtable.requests, ...h.webflow.requests].slice(requestsBefore).filter((r) => r.method !== 'GET');
    expect(writes).toEqual([]);
    expect(await h.store.listRuns({ jobId: JOBS.remote })).toHaveLength(runsBefore.length);
  });

  it('answers 502 with the reason, but no secret, when a remote refuses', async () => {
    const res = await h.request(`/api/jobs/${JOBS.broken}/preview`, { method: 'POST' });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('remote_error');
    expect(res.body.error.message).toMatch(/preview failed: crm: .*/);
    expect(findSecrets([{ where: 'preview', text: res.text }])).toEqual([]);
  });

  it('answers 404 for an unknown job and 409 for a disabled one', async () => {
    expect((await h.request('/api/jobs/nope/preview', { method: 'POST' })).status).toBe(404);
    expect((await h.request(`/api/jobs/${JOBS.off}/preview`, { method: 'POST' })).status).toBe(409);
  });
});

describe('GET /api/runs', () => {
  it('pages through runs newest first with nextBefore, and filters by job and status', async () => {
    const base = Date.parse('2030-01-01T00:00:00.000Z');
    const at = (min: number) => new Date(base + min * 60_000).toISOString();
    const job = 'paging-job';
    const r1 = await h.insertRun(job, { startedAt: at(1) });
    const r2 = await h.insertRun(job, { startedAt: at(2), status: 'failed' });
    const r3 = await h.insertRun(job, { startedAt: at(3) });

    const page1 = await h.request(`/api/runs?job=${job}&limit=2`);
    expect(page1.status).toBe(200);
    expect(page1.body.runs.map((r: { runId: string }) => r.runId)).toEqual([r3.runId, r2.runId]);
    expect(page1.body.nextBefore).toBe(r2.startedAt);
    const page2 = await h.request(`/api/runs?job=${job}&limit=2&before=${encodeURIComponent(page1.body.nextBefore)}`);
    expect(page2.body.runs.map((r: { runId: string }) => r.runId)).toEqual([r1.runId]);
    expect(page2.body.nextBefore).toBeNull();

    const failed = await h.request(`/api/runs?job=${job}&status=failed`);
    expect(failed.body.runs.map((r: { runId: string }) => r.runId)).toEqual([r2.runId]);
  });

  it('answers 400 for a bad query', async () => {
    for (const query of ['limit=0', 'limit=abc', 'limit=1000', 'status=exploded', 'before=yesterday', 'jobs=typo', 'job=a&job=b']) {
      const res = await h.request(`/api/runs?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code, query).toBe('bad_request');
    }
  });
});

describe('GET /api/runs/:id', () => {
  it('returns the run with its record errors and the conflicts detected while it ran', async () => {
    const startedAt = new Date(Date.now() - 10_000).toISOString();
    const run = await h.insertRun(JOBS.memory, {
      startedAt, durationMs: 5000, status: 'partial',
      errors: [{ side: 'source', recordId: 'rec42', stage: 'map', reason: 'mapper threw: Name is required' }],
    });
    const during = await h.recordConflict(JOBS.memory, { detectedAt: new Date(Date.parse(startedAt) + 1000).toISOString() });
    const after = await h.recordConflict(JOBS.memory, { detectedAt: new Date(Date.parse(startedAt) + 60_000).toISOString() });

    const res = await h.request(`/api/runs/${run.runId}`);
    expect(res.status).toBe(200);
    expect(res.body.run).toMatchObject({ runId: run.runId, errors: [{ recordId: 'rec42', stage: 'map' }] });
    const ids = res.body.conflicts.map((c: { conflictId: string }) => c.conflictId);
    expect(ids).toContain(during);
    expect(ids).not.toContain(after);
    expect(res.body.conflicts[0].sourcePayload.fields).toBeDefined();
  });

  it('answers 404 for an unknown run', async () => {
    const res = await h.request('/api/runs/no-such-run');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});

describe('conflicts', () => {
  it('lists open conflicts with both payloads', async () => {
    const id = await h.recordConflict(JOBS.memory);
    const res = await h.request(`/api/conflicts?job=${JOBS.memory}`);
    expect(res.status).toBe(200);
    const found = res.body.conflicts.find((c: { conflictId: string }) => c.conflictId === id);
    expect(found).toMatchObject({ jobId: JOBS.memory, sourcePayload: { fields: { name: expect.any(String) } }, destPayload: { fields: expect.any(Object) } });
    const all = await h.request('/api/conflicts');
    expect(all.body.conflicts.map((c: { conflictId: string }) => c.conflictId)).toContain(id);
  });

  it('resolves a conflict, enqueues a run of its job, and refuses a second decision with 409', async () => {
    const id = await h.recordConflict(JOBS.memory);
    const bad = await h.request(`/api/conflicts/${id}/resolve`, { json: { keep: 'both' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/keep/);
    const notJson = await h.request(`/api/conflicts/${id}/resolve`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);

    const res = await h.request(`/api/conflicts/${id}/resolve`, { json: { keep: 'dest' } });
    expect(res.status).toBe(200);
    expect(res.body.conflict).toMatchObject({ conflictId: id, keep: 'dest', resolvedAt: expect.any(String) });
    expect(res.body.run).toEqual({ queueJobId: expect.any(String), deduplicated: expect.any(Boolean) });
    const queued = await h.queues.runs.getJob(res.body.run.queueJobId);
    expect(queued?.data).toMatchObject({ jobId: JOBS.memory, trigger: 'api' });

    const again = await h.request(`/api/conflicts/${id}/resolve`, { json: { keep: 'source' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict_not_open');
    const open = await h.request(`/api/conflicts?job=${JOBS.memory}`);
    expect(open.body.conflicts.map((c: { conflictId: string }) => c.conflictId)).not.toContain(id);
  });

  it('answers 404 for an unknown conflict', async () => {
    const res = await h.request('/api/conflicts/no-such-conflict/resolve', { json: { keep: 'source' } });
    expect(res.status).toBe(404);
  });
});

describe('errors', () => {
  it('answers 404 JSON for an unknown API route and 400 for malformed JSON', async () => {
    const route = await h.request('/api/nothing-here');
    expect(route.status).toBe(404);
    expect(route.body).toEqual({ error: { code: 'not_found', message: 'no such route' } });
    const res = await h.request(`/api/jobs/${JOBS.memory}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, json: undefined });
    expect(res.status).toBe(202);
    const malformed = await fetch(`${h.url}/api/conflicts/x/resolve`, {
      method: 'POST', headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' }, body: '{"keep":',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ error: { code: 'bad_request', message: 'the body is not valid JSON' } });
  });
});

describe('secrets', () => {
  it('never appear in any response (body or header) or log line', () => {
    expect(h.exchanges.length).toBeGreaterThan(20);
    expect(findSecrets(exchangeTexts(h.exchanges))).toEqual([]);
    expect(h.logLines.length).toBeGreaterThan(20);
    expect(findSecrets(h.logLines.map((text, i) => ({ where: `log line ${i}`, text })))).toEqual([]);
  });

  it('logs one line per request with method, path, status and duration, and no headers', () => {
    const lines = h.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['msg'] === 'request');
    expect(lines.length).toBe(h.exchanges.length + 1);
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(expect.arrayContaining(['method', 'path', 'status', 'ms']));
      expect(l).not.toHaveProperty('headers');
    }
  });
});

