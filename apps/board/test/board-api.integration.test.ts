/**
 * The JSON API over HTTP against real Redis and PostgreSQL: every route, every error status, and
 * no secret in any response or log line.
 */
import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES, runDeduplicationId } from '@syncframe/fleet';
import type { BoardHarness } from './board-harness.js';
import { emptySideCounts } from '@syncframe/engine';
import {
  AIRTABLE_TOKEN, API_TOKEN, exchangeTexts, findSecrets, JOBS, REDIS_URL, startBoardHarness, until, WEBFLOW_COLLECTION, WEBFLOW_TOKEN,
} from './board-harness.js';

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
        { role: 'dest', name: 'site', adapter: 'webflow', table: '64a0c0ffee0000000000c0de', failCount: 0 },
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
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  it('answers with the queue job, the run id, the deduplication outcome in words and links to follow it', async () => {
    const first = await h.request(`/api/jobs/${JOBS.memory}/runs`, { method: 'POST' });
    expect(first.status).toBe(202);
    const runId = first.body.runId as string;
    expect(runId).toMatch(UUID);
    expect(first.body).toEqual({
      queueJobId: runId, runId, deduplicated: false, outcome: 'queued',
      message: 'queued; a worker starts it shortly',
      links: { run: `/runs/${runId}`, api: `/api/runs/${runId}` },
    });
    const job = await h.queues.runs.getJob(first.body.queueJobId);
    expect(job?.data).toMatchObject({ jobId: JOBS.memory, trigger: 'api', runId });

    const second = await h.request(`/api/jobs/${JOBS.memory}/runs`, { method: 'POST' });
    expect(second.status).toBe(202);
    expect(second.body).toEqual({
      queueJobId: runId, runId, deduplicated: true, outcome: 'merged-waiting',
      message: 'a run of this job is already queued; this trigger was merged into it',
      links: { run: `/runs/${runId}`, api: `/api/runs/${runId}` },
    });

    // Not recorded yet, but known to the queue: 202 from the API, "queued, not recorded yet" on the page.
    const api = await h.request(first.body.links.api);
    expect(api.status).toBe(202);
    expect(api.body).toEqual({
      run: null, conflicts: [],
      queue: expect.objectContaining({ runId, queueJobId: runId, jobId: JOBS.memory, trigger: 'api', state: 'waiting', attemptsMade: 0 }),
    });
    const page = await h.request(first.body.links.run, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-state="waiting"');
    expect(page.text).toContain('Queued, not recorded yet:</b> waiting for a worker.');

    await job?.remove();
    await h.queues.runs.removeDeduplicationKey(runDeduplicationId(JOBS.memory));
  });

  it('while a run is active: the first trigger queues one follow-up run, later ones are merged into it; each run is followable', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const started: string[] = [];
    const worker = new Worker(QUEUES.runs, async (job) => {
      started.push(String(job.id));
      await released;
      return { outcome: 'skipped', reason: 'held by the test worker' };
    }, { connection: { url: REDIS_URL }, prefix: h.prefix });
    try {
      const active = await h.request(`/api/jobs/${JOBS.memory}/runs`, { method: 'POST' });
      expect(active.body.outcome).toBe('queued');
      await until(async () => (await (await h.queues.runs.getJob(active.body.queueJobId))?.getState()) === 'active', 10_000, 'the run is active');

      const running = await h.request(`/runs/${active.body.runId}`, { headers: { accept: 'text/html' } });
      expect(running.text).toContain('data-state="active"');
      expect(running.text).toContain('Running, not recorded yet.');

      const followUp = await h.request(`/api/jobs/${JOBS.memory}/runs`, { method: 'POST' });
      expect(followUp.status).toBe(202);
      expect(followUp.body).toMatchObject({
        deduplicated: false, outcome: 'follow-up',
        message: 'a run of this job is active; this trigger queued one follow-up run, which starts when the active one ends',
      });
      const followUpId = followUp.body.runId as string;
      expect(followUpId).toMatch(UUID);
      expect(followUpId).not.toBe(active.body.runId);
      expect(followUp.body.queueJobId).toBe(followUpId);

      const merged = await h.request(`/api/jobs/${JOBS.memory}/runs`, { method: 'POST' });
      expect(merged.body).toEqual({
        queueJobId: followUpId, runId: followUpId, deduplicated: true, outcome: 'merged-follow-up',
        message: 'a run of this job is active and its follow-up run is already queued; this trigger was merged into the follow-up',
        links: { run: `/runs/${followUpId}`, api: `/api/runs/${followUpId}` },
      });
      const held = await h.request(`/api/runs/${followUpId}`);
      expect(held.status).toBe(202);
      expect(held.body.queue).toMatchObject({ state: 'follow-up', jobId: JOBS.memory });
      const heldPage = await h.request(`/runs/${followUpId}`, { headers: { accept: 'text/html' } });
      expect(heldPage.text).toContain('it follows the job\'s active run');

      release();
      // The follow-up becomes a queue job with the id handed out, and runs.
      await until(async () => started.includes(followUpId), 10_000, 'the follow-up ran');
      await until(async () => (await (await h.queues.runs.getJob(followUpId))?.getState()) === 'completed', 10_000, 'the follow-up completed');
      // Completed without a recorded run (the test worker records nothing): the page says so.
      const done = await h.request(`/runs/${followUpId}`, { headers: { accept: 'text/html' } });
      expect(done.text).toContain('Finished without a recorded run</b>: skipped: held by the test worker.');
      expect(started).toEqual([active.body.runId, followUpId]);

      // Once recorded, the same link shows the run.
      await h.insertRun(JOBS.memory, { runId: followUpId });
      const recorded = await h.request(`/api/runs/${followUpId}`);
      expect(recorded.status).toBe(200);
      expect(recorded.body.run.runId).toBe(followUpId);
    } finally {
      release();
      await worker.close();
      await h.queues.runs.removeDeduplicationKey(runDeduplicationId(JOBS.memory));
    }
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

describe('GET /runs/:id (the run page)', () => {
  const html = { accept: 'text/html' };

  it('shows status, duration, trigger, counts under the job\'s side names, every record error with its reason, failures, retries, 429s, waits and the per-account table', async () => {
    const counts = (pulled: number, created: number, errors: number) => ({ ...emptySideCounts(), pulled, created, errors });
    const run = await h.insertRun(JOBS.remote, {
      status: 'partial', trigger: 'api', durationMs: 65_000, retries: 3, rateLimited: 2, throttleWaitMs: 4200,
      counts: { source: counts(12, 0, 400), dest: counts(7, 5, 150) },
      errors: [
        { side: 'source', recordId: 'recAAA111', stage: 'map', reason: 'mapper threw: Name is required' },
        { side: 'source', recordId: 'recBBB222', stage: 'write', reason: 'INVALID_VALUE_FOR_COLUMN: <b>Slug</b> is not unique' },
        { side: 'dest', recordId: '64a0c0ffee00000000001234', stage: 'match', reason: 'two items share the slug "ada"' },
      ],
      errorsTruncated: true,
      failures: [{ side: 'dest', message: 'Webflow answered 503 after 5 attempts', retryable: true }],
      accounts: [
        { account: 'airtable:appBoardTestBase1', sides: ['crm'], limit: { max_reqs: 5, interval_sec: 1 }, requests: 40, rateLimited: 2, throttleWaitMs: 3000, activeMs: 9000, shareOfCeiling: 0.8667 },
        { account: 'webflow:0123456789abcdef', sides: ['site'], limit: { max_reqs: 60, interval_sec: 60 }, requests: 12, rateLimited: 0, throttleWaitMs: 1200, activeMs: 20_000, shareOfCeiling: 0.55 },
      ],
    });
    const res = await h.request(`/runs/${run.runId}`, { headers: html });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = res.text;
    expect(page).toContain(`<code id="run-id">${run.runId}</code> of ${JOBS.remote}`);
    expect(page).toContain('<span class="status-partial" id="run-status">partial</span>');
    expect(page).toContain('<dt>Trigger</dt><dd>api</dd>');
    expect(page).toContain('<dt>Duration</dt><dd>1 min 5 s</dd>');
    expect(page).toContain('<span id="run-retries">3</span>');
    expect(page).toContain('<span id="run-429" class="bad">2</span>');
    expect(page).toContain('<span id="run-throttle-wait">4.2 s</span>');
    // Counts per side, under the config's side names.
    expect(page).toContain('<th class="num side">crm (source)</th><th class="num side">site (dest)</th>');
    expect(page).toMatch(/<tr data-count="pulled">[^]*?<td class="num">12<\/td><td class="num">7<\/td>/);
    expect(page).toMatch(/<tr data-count="created">[^]*?<td class="num">0<\/td><td class="num">5<\/td>/);
    // Every record error with its side, stage and reason (escaped), and the truncation.
    expect(page).toContain('<tr><td>crm</td><td><code>recAAA111</code></td><td>map</td><td>mapper threw: Name is required</td></tr>');
    expect(page).toContain('INVALID_VALUE_FOR_COLUMN: &lt;b&gt;Slug&lt;/b&gt; is not unique');
    expect(page).toContain('<tr><td>site</td><td><code>64a0c0ffee00000000001234</code></td><td>match</td><td>two items share the slug &quot;ada&quot;</td></tr>');
    expect(page).toContain('Only the first 3 record errors are recorded (of 550).</p>');
    // The run's failure, under the side's name.
    expect(page).toMatch(/<li><b>site<\/b>: <span class="bad">Webflow answered 503 after 5 attempts<\/span>/);
    // The per-account table.
    expect(page).toMatch(/<tr data-account="airtable:appBoardTestBase1"><td><code>airtable:appBoardTestBase1<\/code><\/td><td>crm<\/td>\s*<td>5 per 1 s<\/td><td class="num">40<\/td>\s*<td class="num bad">2<\/td><td class="num">3.0 s<\/td>\s*<td class="num">9.0 s<\/td><td class="num">86.7 %<\/td><\/tr>/);
    expect(page).toMatch(/<tr data-account="webflow:0123456789abcdef">[^]*?<td>site<\/td>[^]*?<td class="num">55 %<\/td><\/tr>/);
    // No raw JSON link on the page: the API stays under /api.
    expect(page).not.toContain('href="/api/');
  });

  it('cleans record errors and failures of configured secrets before showing them', async () => {
    const run = await h.insertRun(JOBS.remote, {
      status: 'failed',
      errors: [{ side: 'dest', recordId: 'x1', stage: 'write', reason: `remote echoed Bearer ${WEBFLOW_TOKEN}` }],
      failures: [{ side: 'source', message: `401 for key ${AIRTABLE_TOKEN}`, retryable: false }],
    });
    const page = (await h.request(`/runs/${run.runId}`, { headers: html })).text;
    expect(page).toContain('remote echoed Bearer ***');
    expect(page).toContain('401 for key ***');
    // The API too (the secret grep at the end of this file checks every response).
    const api = await h.request(`/api/runs/${run.runId}`);
    expect(api.body.run.failures[0].message).toBe('401 for key ***');
    expect(api.body.run.errors[0].reason).toBe('remote echoed Bearer ***');
    const listed = await h.request(`/api/runs?job=${JOBS.remote}&limit=1`);
    expect(listed.body.runs[0].failures[0].message).toBe('401 for key ***');
    const jobs = await h.request('/api/jobs');
    expect(jobs.body.jobs.find((j: { id: string }) => j.id === JOBS.remote).lastRun.failures[0].message).toBe('401 for key ***');
  });

  it('says when a run carries no per-account figures, and falls back to source/dest for a job no longer configured', async () => {
    const run = await h.insertRun('gone-job', { status: 'failed', failures: [{ side: null, message: 'the LinkIndex was unavailable', retryable: true }] });
    const page = (await h.request(`/runs/${run.runId}`, { headers: html })).text;
    expect(page).toContain('gone-job <span class="muted">(no longer in the config)</span>');
    expect(page).toContain('<th class="num side">source (source)</th><th class="num side">dest (dest)</th>');
    expect(page).toContain('<li><b>run</b>: <span class="bad">the LinkIndex was unavailable</span>');
    expect(page).toContain('Not recorded for this run');
    expect(page).toContain('No record failed.');
  });

  it('is linked from the runs table of the home page instead of the raw JSON', async () => {
    const run = await h.insertRun(JOBS.memory, {});
    const home = (await h.request('/', { headers: html })).text;
    expect(home).toContain(`<a class="run-link" href="/runs/${run.runId}">details</a>`);
    expect(home).not.toContain('href="/api/runs');
  });

  it('answers a 404 page for an unknown run (and the API a 404 JSON)', async () => {
    for (const id of ['no-such-run', '0b7e8f7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b', '<script>x</script>', 'meta']) {
      const page = await h.request(`/runs/${encodeURIComponent(id)}`, { headers: html });
      expect(page.status, id).toBe(404);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.text).toContain('<h2>404</h2>');
      expect(page.text).toContain('it is not recorded, and the queue does not know it');
      expect(page.text).not.toContain('<script>x');
      const api = await h.request(`/api/runs/${encodeURIComponent(id)}`);
      expect(api.status, id).toBe(404);
      expect(api.body.error.code).toBe('not_found');
    }
  });

  it('lists the conflicts detected during the run, with their field comparison', async () => {
    const startedAt = new Date(Date.now() - 20_000).toISOString();
    const run = await h.insertRun(JOBS.memory, { startedAt, durationMs: 5000 });
    const during = await h.recordConflict(JOBS.memory, { detectedAt: new Date(Date.parse(startedAt) + 1000).toISOString() });
    const page = (await h.request(`/runs/${run.runId}`, { headers: html })).text;
    expect(page).toContain(`data-conflict="${during}"`);
    expect(page).toMatch(/<tr class="differs" data-field="name" data-differs="true">/);
    // Its keep buttons come back to this page.
    expect(page).toContain(`<input type="hidden" name="back" value="/runs/${run.runId}">`);
  });
});

describe('conflict comparison', () => {
  it('maps each record through the job\'s mappers and marks the fields that differ, per side, with side-only fields listed', async () => {
    const now = new Date().toISOString();
    const id = await h.recordConflict(JOBS.remote, {
      pair: { source: { adapter: 'airtable', table: 'Items' }, dest: { adapter: 'webflow', table: WEBFLOW_COLLECTION } },
      sourceId: 'recDiff1', destId: '64a0c0ffee0000000000d1ff',
      sourcePayload: { id: 'recDiff1', fields: { Name: 'Ada Lovelace', Slug: 'ada', Modified: now }, updatedAt: now, deleted: false },
      destPayload: { id: '64a0c0ffee0000000000d1ff', fields: { name: 'Ada King', slug: 'ada' }, updatedAt: now, deleted: false },
    });
    const home = (await h.request('/', { headers: { accept: 'text/html' } })).text;
    const card = home.slice(home.indexOf(`data-conflict="${id}"`), home.indexOf('</section>', home.indexOf(`data-conflict="${id}"`)));
    expect(card).toContain('<table class="diff" data-mode="mapped">');
    expect(card).toContain('<th class="side">crm (source)</th><th class="side">site (dest)</th>');
    expect(card).toContain('<ul class="diff-summary"><li>Keep source writes 1 field to site: name</li><li>Keep dest writes 1 field to crm: Name</li></ul>');
    // Keep source writes site's fields: crm's record mapped by crm→site, against site's record.
    const keepSource = card.slice(card.indexOf('data-group="keep-source"'), card.indexOf('data-group="keep-dest"'));
    expect(keepSource).toContain('<b>Keep source</b> writes the marked ones to site');
    expect(keepSource).toMatch(/<tr class="differs" data-field="name" data-differs="true">\s*<td><code>name<\/code><\/td><td><code>&quot;Ada Lovelace&quot;<\/code><\/td><td><code>&quot;Ada King&quot;<\/code><\/td><td><span class="bad">differs<\/span><\/td><\/tr>/);
    expect(keepSource).toMatch(/data-field="slug" data-differs="false">[^]*?<span class="muted">same<\/span>/);
    // Keep dest writes crm's fields: site's record mapped by site→crm.
    const keepDest = card.slice(card.indexOf('data-group="keep-dest"'));
    expect(keepDest).toMatch(/data-field="Name" data-differs="true">\s*<td><code>Name<\/code><\/td><td><code>&quot;Ada Lovelace&quot;<\/code><\/td><td><code>&quot;Ada King&quot;<\/code><\/td>/);
    // A field no mapping writes is listed as crm's only, not flagged.
    expect(card).toMatch(/data-group="only-source">[^]*?data-field="Modified" data-differs="false">/);
    // The comparison comes before the keep buttons.
    expect(card.indexOf('<table class="diff"')).toBeLessThan(card.indexOf('Keep source (crm)'));
    expect(card).toContain('Keep dest (site)');
  });

  it('compares by field name, and says why, when the mappers cannot be used', async () => {
    // The memory job's tables are people/contacts: a conflict recorded for other tables is compared by name.
    const id = await h.recordConflict(JOBS.memory, {
      pair: { source: { adapter: 'memory', table: 'old-people' }, dest: { adapter: 'memory', table: 'contacts' } },
      sourcePayload: { id: 's', fields: { name: 'Grace', email: 'g@example.org' }, updatedAt: new Date().toISOString(), deleted: false },
      destPayload: { id: 'd', fields: { name: 'Grace H.', phone: '555' }, updatedAt: new Date().toISOString(), deleted: false },
    });
    const home = (await h.request('/', { headers: { accept: 'text/html' } })).text;
    const card = home.slice(home.indexOf(`data-conflict="${id}"`), home.indexOf('</section>', home.indexOf(`data-conflict="${id}"`)));
    expect(card).toContain('compared by field name: the job&#39;s tables changed in the config since this conflict was recorded');
    expect(card).toContain('<table class="diff" data-mode="by-name">');
    expect(card).toMatch(/data-field="name" data-differs="true">/);
    expect(card).toMatch(/data-field="email" data-differs="false">[^]*?one side only/);
    expect(card).toMatch(/data-field="phone" data-differs="false">[^]*?one side only/);
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
    expect(res.body.run).toMatchObject({ queueJobId: expect.any(String), runId: expect.any(String), deduplicated: expect.any(Boolean), links: { run: expect.stringMatching(/^\/runs\//) } });
    const queued = await h.queues.runs.getJob(res.body.run.queueJobId);
    expect(queued?.data).toMatchObject({ jobId: JOBS.memory, trigger: 'api' });

    const again = await h.request(`/api/conflicts/${id}/resolve`, { json: { keep: 'source' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict_not_open');
    const open = await h.request(`/api/conflicts?job=${JOBS.memory}`);
    expect(open.body.conflicts.map((c: { conflictId: string }) => c.conflictId)).not.toContain(id);
  });

  it('of two decisions on one conflict at once, exactly one lands; the other gets 409', async () => {
    const id = await h.recordConflict(JOBS.memory);
    const answers = await Promise.all([
      h.request(`/api/conflicts/${id}/resolve`, { json: { keep: 'source' } }),
      h.request(`/api/conflicts/${id}/resolve`, { json: { keep: 'dest' } }),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    const won = answers.find((r) => r.status === 200)!;
    expect(answers.find((r) => r.status === 409)!.body.error.code).toBe('conflict_not_open');
    expect(await h.store.getConflict(id)).toMatchObject({ keep: won.body.conflict.keep, resolvedAt: won.body.conflict.resolvedAt });
  });

  it('answers 404 for an unknown conflict', async () => {
    const res = await h.request('/api/conflicts/no-such-conflict/resolve', { json: { keep: 'source' } });
    expect(res.status).toBe(404);
  });
});

describe('pending deletes and reconciliation', () => {
  const pair = { source: { adapter: 'memory', table: 'people' }, dest: { adapter: 'memory', table: 'contacts' } };
  const hold = async (n: number): Promise<string[]> => {
    const tag = Math.random().toString(36).slice(2, 8);
    const detectedAt = new Date().toISOString();
    const rows = Array.from({ length: n }, (_, i) => ({
      deleteId: `pd-${tag}-${i}`, jobId: JOBS.memory, pair, sourceId: `s-${tag}-${i}`, destId: `d-${tag}-${i}`,
      side: 'source' as const, cause: 'deleted' as const, runId: 'run-x', detectedAt,
      targetPayload: { id: `d-${tag}-${i}`, fields: { name: `n${i}` }, updatedAt: detectedAt, deleted: false },
    }));
    await h.store.addPendingDeletes(rows);
    return rows.map((r) => r.deleteId);
  };

  it('lists the waiting deletes of a job with what each would delete; 404 for a job not in the config, 400 for a bad state', async () => {
    const ids = await hold(2);
    const res = await h.request(`/api/jobs/${JOBS.memory}/pending-deletes`);
    expect(res.status).toBe(200);
    const mine = res.body.pendingDeletes.filter((p: { deleteId: string }) => ids.includes(p.deleteId));
    expect(mine).toHaveLength(2);
    expect(mine[0]).toMatchObject({ jobId: JOBS.memory, side: 'source', cause: 'deleted', decision: null, targetPayload: { fields: { name: 'n0' } } });
    expect((await h.request(`/api/jobs/${JOBS.memory}/pending-deletes?state=done`)).body.pendingDeletes.map((p: { deleteId: string }) => p.deleteId)).not.toContain(ids[0]);
    expect((await h.request('/api/jobs/no-such-job/pending-deletes')).status).toBe(404);
    expect((await h.request(`/api/jobs/${JOBS.memory}/pending-deletes?state=maybe`)).status).toBe(400);
  });

  it('approves by id and rejects all, each once, and enqueues a run to carry it out', async () => {
    const [a, b, c] = await hold(3);
    expect((await h.request(`/api/jobs/${JOBS.memory}/pending-deletes/approve`, { json: {} })).status).toBe(400);
    expect((await h.request(`/api/jobs/${JOBS.memory}/pending-deletes/approve`, { json: { ids: [a], all: true } })).status).toBe(400);

    const approved = await h.request(`/api/jobs/${JOBS.memory}/pending-deletes/approve`, { json: { ids: [a] } });
    expect(approved.status).toBe(200);
    expect(approved.body.decided).toEqual([expect.objectContaining({ deleteId: a, decision: 'approved' })]);
    expect(approved.body.run).toMatchObject({ queueJobId: expect.any(String), links: { run: expect.stringMatching(/^\/runs\//) } });
    // Decided already: nothing changes, and no run is enqueued for nothing.
    const again = await h.request(`/api/jobs/${JOBS.memory}/pending-deletes/reject`, { json: { ids: [a] } });
    expect(again.body).toMatchObject({ decided: [], run: null, runSkipped: 'nothing was waiting for a decision' });

    const rejected = await h.request(`/api/jobs/${JOBS.memory}/pending-deletes/reject`, { json: { all: true } });
    expect(rejected.body.decided.map((p: { deleteId: string }) => p.deleteId)).toEqual(expect.arrayContaining([b, c]));
    expect(await h.store.listPendingDeletes(JOBS.memory, ['open'])).toEqual([]);
    expect((await h.store.listPendingDeletes(JOBS.memory, ['approved'])).map((p) => p.deleteId)).toContain(a);
  });

  it('enqueues a reconciling run, deduplicated apart from plain runs', async () => {
    const res = await h.request(`/api/jobs/${JOBS.memory}/reconcile`, { method: 'POST' });
    expect(res.status).toBe(202);
    const queued = await h.queues.runs.getJob(res.body.queueJobId);
    expect(queued?.data).toMatchObject({ jobId: JOBS.memory, trigger: 'api', reconcile: true });
    expect(queued?.opts.deduplication?.id).toBe(runDeduplicationId(JOBS.memory, true));
    expect((await h.request('/api/jobs/no-such-job/reconcile', { method: 'POST' })).status).toBe(404);
    expect((await h.request(`/api/jobs/${JOBS.off}/reconcile`, { method: 'POST' })).status).toBe(409);
  });
});

describe('explaining a record, failing records', () => {
  it('explains a record of a remote job by either side\'s id; says when neither side knows it; 404 for a job not in the config', async () => {
    const unknown = await h.request(`/api/jobs/${JOBS.remote}/records/recNoSuchRecord00`);
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatchObject({ jobId: JOBS.remote, recordId: 'recNoSuchRecord00', side: null, link: null });
    expect(unknown.body.verdict[0]).toContain('No record recNoSuchRecord00 on either side');
    const item = h.airtable.insert('Items', { Name: 'Explained', Slug: 'explained' });
    const known = await h.request(`/api/jobs/${JOBS.remote}/records/${item.id}`);
    expect(known.body).toMatchObject({ side: 'source', record: { exists: true, record: { fields: { Name: 'Explained' } } }, link: null });
    expect(known.body.next).toEqual([expect.objectContaining({ side: 'source', recordId: item.id })]);
    expect((await h.request(`/api/jobs/no-such-job/records/${item.id}`)).status).toBe(404);
  });

  it('lists failing records and asks for a retry by key or all, enqueueing the run that retries them', async () => {
    const at = new Date().toISOString();
    const id = `recFail${Date.now().toString(36)}`;
    await h.store.recordFailures(JOBS.memory, [{ side: 'source', recordId: id, stage: 'write', reason: `refused with ${AIRTABLE_TOKEN}`, runId: 'r1', at, retrying: true }]);
    const list = await h.request(`/api/jobs/${JOBS.memory}/failing-records`);
    const mine = list.body.failingRecords.find((f: { recordId: string }) => f.recordId === id);
    expect(mine).toMatchObject({ side: 'source', stage: 'write', failures: 1, retrying: true, retryRequestedAt: null });
    expect(mine.reason).not.toContain(AIRTABLE_TOKEN);
    expect((await h.request(`/api/jobs/${JOBS.memory}/failing-records/retry`, { json: {} })).status).toBe(400);
    const retry = await h.request(`/api/jobs/${JOBS.memory}/failing-records/retry`, { json: { records: [{ side: 'source', recordId: id }] } });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ requested: 1, run: { queueJobId: expect.any(String) } });
    const none = await h.request(`/api/jobs/${JOBS.memory}/failing-records/retry`, { json: { records: [{ side: 'dest', recordId: id }] } });
    expect(none.body).toMatchObject({ requested: 0, run: null });
    expect((await h.request(`/api/jobs/${JOBS.memory}/failing-records/retry`, { json: { all: true } })).body.requested).toBeGreaterThanOrEqual(1);
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

