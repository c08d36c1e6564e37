/**
 * The board in a real browser (Debian's Chromium driven by playwright-core): log in, see the
 * queues in Bull Board, retry a failed run, run a job and follow it, open a run's page from the
 * runs table, compare and resolve conflicts from the page.
 * Screenshots go to test-output/board/ (gitignored). With UPDATE_DOCS_SCREENSHOT=1, the home page
 * is also saved to docs/board.png (1200×800), the README's picture; normal runs leave it alone.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Worker } from 'bullmq';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptySideCounts } from '@syncframe/engine';
import type { RunSummary } from '@syncframe/engine';
import { QUEUES } from '@syncframe/fleet';
import type { BoardHarness } from './board-harness.js';
import { API_TOKEN, exchangeTexts, findSecrets, JOBS, startBoardHarness, WEBFLOW_COLLECTION } from './board-harness.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = resolve(import.meta.dirname, '../../../test-output/board');
const DOCS_SHOT = resolve(import.meta.dirname, '../../../docs/board.png');
const updateDocsShot = process.env['UPDATE_DOCS_SCREENSHOT'] === '1';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.log(`board browser test skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);
if (!updateDocsShot) console.log('docs/board.png not rewritten: set UPDATE_DOCS_SCREENSHOT=1 to refresh the README\'s picture');

describe.skipIf(!hasChromium)('board in a browser', () => {
  let h: BoardHarness;
  let browser: Browser;
  let page: Page;
  let failedJobId: string;
  let conflictId: string;
  let remoteConflictId: string;
  let detailedRun: RunSummary;
  const consoleErrors: string[] = [];
  const cspViolations: string[] = [];

  beforeAll(async () => {
    h = await startBoardHarness('ui');
    mkdirSync(SHOTS, { recursive: true });

    // A failed run: added with one attempt, then failed by a worker whose processor throws.
    const added = await h.queues.runs.add('run', { jobId: JOBS.memory, trigger: 'schedule', requestedAt: new Date().toISOString() }, { attempts: 1 });
    failedJobId = added.id!;
    const worker = new Worker(QUEUES.runs, async () => {
      throw new Error('simulated failure for the board test');
    }, { connection: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }, prefix: h.prefix, autorun: false });
    const failed = new Promise<void>((done) => worker.on('failed', () => done()));
    void worker.run();
    await failed;
    await worker.close();
    expect(await added.getState()).toBe('failed');

    conflictId = await h.recordConflict(JOBS.memory);
    const now = new Date().toISOString();
    remoteConflictId = await h.recordConflict(JOBS.remote, {
      pair: { source: { adapter: 'airtable', table: 'Items' }, dest: { adapter: 'webflow', table: WEBFLOW_COLLECTION } },
      sourceId: 'recQx81Lovelace', destId: '64a0c0ffee0000000000a1a1',
      sourcePayload: { id: 'recQx81Lovelace', fields: { Name: 'Ada Lovelace', Slug: 'ada-lovelace', Modified: now }, updatedAt: now, deleted: false },
      destPayload: { id: '64a0c0ffee0000000000a1a1', fields: { name: 'Ada King, Countess of Lovelace', slug: 'ada-lovelace' }, updatedAt: now, deleted: false },
    });
    // A few runs for the runs table, one of them with everything a run page shows.
    const counts = (pulled: number, created: number, updated: number, errors = 0) => ({ ...emptySideCounts(), pulled, created, updated, errors });
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
    await h.insertRun(JOBS.memory, { startedAt: minutesAgo(50), durationMs: 800, counts: { source: counts(3, 0, 0), dest: counts(2, 1, 2) } });
    await h.insertRun(JOBS.remote, { startedAt: minutesAgo(40), durationMs: 12_400, trigger: 'api', counts: { source: counts(40, 0, 0), dest: counts(0, 38, 2) } });
    await h.insertRun(JOBS.broken, {
      startedAt: minutesAgo(30), durationMs: 900, status: 'failed',
      failures: [{ side: 'source', message: 'Airtable answered 401: the token is not valid', retryable: false }],
    });
    detailedRun = await h.insertRun(JOBS.remote, {
      startedAt: minutesAgo(20), status: 'partial', durationMs: 65_300, trigger: 'schedule', retries: 4, rateLimited: 1, throttleWaitMs: 5200,
      counts: { source: counts(120, 0, 3, 2), dest: counts(8, 97, 20, 1) },
      errors: [
        { side: 'source', recordId: 'recQx81Hopper', stage: 'map', reason: 'mapper threw: Slug is required' },
        { side: 'source', recordId: 'recQx81Turing', stage: 'write', reason: 'INVALID_VALUE_FOR_COLUMN: field "slug" must be unique' },
        { side: 'dest', recordId: '64a0c0ffee0000000000b2b2', stage: 'match', reason: 'two items share the slug "grace-hopper"' },
      ],
      accounts: [
        { account: 'airtable:appBoardTestBase1', sides: ['crm'], limit: { max_reqs: 5, interval_sec: 1 }, requests: 31, rateLimited: 0, throttleWaitMs: 4100, activeMs: 6400, shareOfCeiling: 0.94 },
        { account: 'webflow:3f9a1c0d5e7b2a64', sides: ['site'], limit: { max_reqs: 60, interval_sec: 60 }, requests: 22, rateLimited: 1, throttleWaitMs: 1100, activeMs: 21_000, shareOfCeiling: 0.98 },
      ],
    });
    await h.insertRun(JOBS.memory, { status: 'partial' });

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-quic', '--no-first-run', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url})`);
    });
    // CSP violations as the page sees them (the init script runs through the DevTools protocol, outside the CSP).
    await page.exposeFunction('__reportCspViolation', (text: string) => cspViolations.push(text));
    // A string, not a function: the test is compiled without DOM types.
    await page.addInitScript({
      content: `document.addEventListener('securitypolicyviolation', (e) =>
        window.__reportCspViolation(e.violatedDirective + ' ' + e.blockedURI + ' on ' + location.pathname));`,
    });
    page.on('response', (r) => {
      if (r.status() >= 400) consoleErrors.push(`HTTP ${r.status()} ${r.url()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('logs in through the form and lands on Bull Board with both queues', async () => {
    await page.goto(`${h.url}/board`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.screenshot({ path: join(SHOTS, '01-login.png') });
    await page.fill('input[name="token"]', API_TOKEN);
    await Promise.all([page.waitForURL(`${h.url}/board**`), page.click('button[type="submit"]')]);
    await page.getByText(QUEUES.runs).first().waitFor();
    await page.getByText(QUEUES.ticks).first().waitFor();
    await page.screenshot({ path: join(SHOTS, '02-bull-board.png'), fullPage: true });
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'syncframe_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(session!.value).not.toContain(API_TOKEN);
  });

  it('retries the failed run from Bull Board', async () => {
    await page.goto(`${h.url}/board/queue/${QUEUES.runs}?status=failed`);
    await page.getByText('simulated failure for the board test').first().waitFor();
    // Job data is shown, masked to the fleet's own keys.
    await page.getByRole('tab', { name: 'Data' }).or(page.getByText('Data', { exact: true })).first().click();
    await page.getByText(JOBS.memory).first().waitFor();
    await page.screenshot({ path: join(SHOTS, '03-failed-run.png'), fullPage: true });

    const retried = page.waitForResponse((r) => r.url().includes(`/board/api/queues/${QUEUES.runs}/${failedJobId}/retry`) && r.request().method() === 'PUT');
    await page.locator('ul[class*="jobActions"] button:has(svg.lucide-refresh-cw)').first().click();
    const confirm = page.getByRole('button', { name: 'Confirm' });
    if (await confirm.isVisible({ timeout: 2000 }).catch(() => false)) await confirm.click();
    expect((await retried).status()).toBe(204);
    await expect.poll(async () => (await h.queues.runs.getJob(failedJobId))?.getState()).toBe('waiting');
    await page.screenshot({ path: join(SHOTS, '04-after-retry.png'), fullPage: true });
  });

  it('shows jobs, runs and conflicts on the page, and runs a job from it', async () => {
    await page.goto(`${h.url}/`);
    const row = page.locator(`tr[data-job="${JOBS.memory}"]`);
    await expect.poll(() => row.textContent()).toContain('enabled');
    expect(await page.locator('#runs').textContent()).toContain('partial');
    expect(await page.locator(`[data-conflict="${conflictId}"]`).textContent()).toContain('Ada');
    expect(await page.getByRole('link', { name: 'Queues (Bull Board)' }).getAttribute('href')).toBe('/board');
    await page.screenshot({ path: join(SHOTS, '05-home.png'), fullPage: true });

    const waitingBefore = await h.queues.runs.getJobCountByTypes('waiting');
    await Promise.all([page.waitForURL(`${h.url}/`), row.getByRole('button', { name: 'Run now' }).click()]);
    const flash = page.locator('.flash');
    await expect.poll(() => flash.textContent()).toMatch(/memory-job: (queued; a worker starts it shortly|a run of this job is already queued; this trigger was merged into it)/);
    expect(await h.queues.runs.getJobCountByTypes('waiting')).toBeGreaterThanOrEqual(waitingBefore);
    await page.screenshot({ path: join(SHOTS, '06-run-enqueued.png'), fullPage: true });
    // The flash is shown once.
    await page.reload();
    expect(await page.locator('.flash').count()).toBe(0);
  });

  it('follows a run it enqueued: queued, not recorded yet', async () => {
    await page.goto(`${h.url}/`);
    const row = page.locator(`tr[data-job="${JOBS.remote}"]`);
    await Promise.all([page.waitForURL(`${h.url}/`), row.getByRole('button', { name: 'Run now' }).click()]);
    const follow = page.locator('.flash a');
    await expect.poll(() => follow.textContent()).toMatch(/^Follow run [0-9a-f]{8}$/);
    await Promise.all([page.waitForURL(/\/runs\/[0-9a-f-]{36}$/), follow.click()]);
    await expect.poll(() => page.locator('#run-pending').textContent()).toContain('Queued, not recorded yet');
    const runId = (await page.locator('#run-id').textContent())!;
    expect(await h.queues.runs.getJob(runId)).toBeTruthy();
    await page.screenshot({ path: join(SHOTS, '07-run-queued.png'), fullPage: true });
  });

  it('opens a run\'s page from the runs table: counts under the side names, errors with reasons, failures, accounts', async () => {
    await page.goto(`${h.url}/`);
    await Promise.all([
      page.waitForURL(`${h.url}/runs/${detailedRun.runId}`),
      page.locator(`tr[data-run="${detailedRun.runId}"] a.run-link`).click(),
    ]);
    expect(await page.locator('#run-status').textContent()).toBe('partial');
    expect(await page.locator('#counts thead').textContent()).toContain('crm (source)site (dest)');
    expect(await page.locator('#errors').textContent()).toContain('mapper threw: Slug is required');
    expect(await page.locator('#errors tbody tr').count()).toBe(3);
    expect(await page.locator('#accounts tr[data-account="webflow:3f9a1c0d5e7b2a64"]').textContent()).toContain('98 %');
    await page.screenshot({ path: join(SHOTS, '08-run-page.png'), fullPage: true });
  });

  it('compares a conflict field by field through the mappers, then resolves it and links the run that applies it', async () => {
    await page.goto(`${h.url}/`);
    const card = page.locator(`[data-conflict="${remoteConflictId}"]`);
    const differing = card.locator('tr[data-differs="true"]');
    expect(await differing.count()).toBe(2);
    expect(await card.locator('tbody[data-group="keep-source"] tr[data-field="name"] td').nth(2).textContent()).toBe('"Ada King, Countess of Lovelace"');
    expect(await card.locator('tbody[data-group="keep-source"] tr[data-field="slug"]').getAttribute('data-differs')).toBe('false');
    expect(await card.locator('tbody[data-group="only-source"] tr[data-field="Modified"]').count()).toBe(1);
    await card.scrollIntoViewIfNeeded();
    await card.screenshot({ path: join(SHOTS, '09-conflict-diff.png') });

    await Promise.all([page.waitForURL(`${h.url}/`), card.getByRole('button', { name: 'Keep dest (site)' }).click()]);
    await expect.poll(() => page.locator('.flash').textContent()).toContain('Conflict resolved: keeping the dest record (site)');
    expect(await page.locator('.flash a').getAttribute('href')).toMatch(/^\/runs\/[0-9a-f-]{36}$/);
    expect(await h.store.getConflict(remoteConflictId)).toMatchObject({ keep: 'dest' });
  });

  it('resolves a conflict from the page', async () => {
    await page.goto(`${h.url}/`);
    const card = page.locator(`[data-conflict="${conflictId}"]`);
    await Promise.all([page.waitForURL(`${h.url}/`), card.getByRole('button', { name: 'Keep source' }).click()]);
    await expect.poll(() => page.locator('.flash').textContent()).toContain('Conflict resolved: keeping the source record');
    expect(await page.locator(`[data-conflict="${conflictId}"]`).count()).toBe(0);
    expect(await h.store.getConflict(conflictId)).toMatchObject({ keep: 'source', resolvedAt: expect.any(String) });
    await page.screenshot({ path: join(SHOTS, '10-conflict-resolved.png'), fullPage: true });
  });

  it('lists pending deletes with what each record holds; approves one, then rejects the rest at once', async () => {
    const pair = { source: { adapter: 'memory', table: 'people' }, dest: { adapter: 'memory', table: 'contacts' } };
    const detectedAt = new Date().toISOString();
    const ids = ['pd-ada', 'pd-grace', 'pd-alan'].map((n) => `${n}-${Date.now().toString(36)}`);
    await h.store.addPendingDeletes(ids.map((deleteId, i) => ({
      deleteId, jobId: JOBS.memory, pair, sourceId: `src-${i}`, destId: `dst-${i}`, side: 'source' as const,
      cause: i === 0 ? 'gone' as const : 'deleted' as const, runId: 'run-that-braked', detectedAt,
      targetPayload: { id: `dst-${i}`, fields: { name: `Contact ${i}`, email: `c${i}@example.org` }, updatedAt: detectedAt, deleted: false },
    })));
    await page.goto(`${h.url}/`);
    const table = page.locator('#pending-deletes');
    await expect.poll(() => table.locator('tr[data-pending-delete]').count()).toBe(3);
    const first = table.locator(`tr[data-pending-delete="${ids[0]}"]`);
    expect(await first.textContent()).toContain('left src-0 is gone (deleted for good)');
    expect(await first.textContent()).toContain('delete right dst-0');
    await first.getByText('what it holds').click();
    expect(await first.locator('pre').textContent()).toContain('c0@example.org');
    await page.screenshot({ path: join(SHOTS, '11-pending-deletes.png'), fullPage: true });

    await Promise.all([page.waitForURL(`${h.url}/`), first.getByRole('button', { name: 'Approve' }).click()]);
    await expect.poll(() => page.locator('.flash').textContent()).toContain('1 pending delete approved: the records will be deleted');
    expect((await h.store.listPendingDeletes(JOBS.memory, ['approved'])).map((p) => p.deleteId)).toEqual([ids[0]]);
    expect(await page.locator(`tr[data-pending-delete="${ids[0]}"]`).textContent()).toContain('approved; the next run carries it out');

    const bulk = page.locator(`[data-pending-job="${JOBS.memory}"]`);
    await Promise.all([page.waitForURL(`${h.url}/`), bulk.getByRole('button', { name: 'Reject all 2' }).click()]);
    await expect.poll(() => page.locator('.flash').textContent()).toContain('2 pending deletes rejected: both records stay');
    expect((await h.store.listPendingDeletes(JOBS.memory, ['rejected'])).map((p) => p.deleteId).sort()).toEqual([ids[1], ids[2]].sort());
    expect(await h.store.listPendingDeletes(JOBS.memory, ['open'])).toEqual([]);
    expect(await page.locator(`[data-pending-job="${JOBS.memory}"]`).count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, '12-pending-deletes-decided.png'), fullPage: true });
  });

  it('lists failing records with their reasons; retries one now, and explains a record on its own page', async () => {
    const at = new Date().toISOString();
    const tag = Date.now().toString(36);
    const ids = [`recBad${tag}`, `recWorse${tag}`];
    await h.store.recordFailures(JOBS.memory, [
      { side: 'source', recordId: ids[0]!, stage: 'write', reason: 'rejected by the remote: "email" is not an e-mail address', runId: 'run-a', at, retrying: true },
      { side: 'dest', recordId: ids[1]!, stage: 'map', reason: 'mapper threw: no slug', runId: 'run-a', at, retrying: false },
    ]);
    await page.goto(`${h.url}/`);
    const table = page.locator('#failing-records');
    const first = table.locator(`tr[data-failing-record="${JOBS.memory}/source/${ids[0]}"]`);
    expect(await first.textContent()).toContain('"email" is not an e-mail address');
    expect(await first.textContent()).toContain('retried every run');
    expect(await table.locator(`tr[data-failing-record="${JOBS.memory}/dest/${ids[1]}"]`).textContent()).toContain('not retried any more');
    await page.screenshot({ path: join(SHOTS, '13-failing-records.png'), fullPage: true });

    await Promise.all([page.waitForURL(`${h.url}/`), first.getByRole('button', { name: 'Retry now' }).click()]);
    await expect.poll(() => page.locator('.flash').textContent()).toContain('Retry asked for 1 failing record');
    const [asked] = await h.store.listRecordFailures(JOBS.memory, [{ side: 'source', recordId: ids[0]! }]);
    expect(asked!.retryRequestedAt).not.toBeNull();

    await Promise.all([page.waitForURL(`**/jobs/${JOBS.memory}/records/${ids[1]}`), page.locator(`tr[data-failing-record="${JOBS.memory}/dest/${ids[1]}"] a.explain-link`).click()]);
    const verdict = await page.locator('#verdict').textContent();
    expect(verdict).toContain(`No record ${ids[1]} on either side of job ${JOBS.memory}`);
    expect(verdict).toContain(`right ${ids[1]} failed 1 time (map, last at`);
    expect(verdict).toContain('mapper threw: no slug; not retried any more');
    await page.screenshot({ path: join(SHOTS, '14-record-explained.png'), fullPage: true });

    await page.goto(`${h.url}/`);
    await page.locator('#explain select[name="job"]').selectOption(JOBS.memory);
    await page.locator('#explain input[name="record"]').fill(ids[0]!);
    await Promise.all([page.waitForURL(`**/jobs/${JOBS.memory}/records/${ids[0]}`), page.locator('#explain').getByRole('button', { name: 'Explain' }).click()]);
    expect(await page.locator('h2').first().textContent()).toContain(ids[0]);
  });

  it.runIf(updateDocsShot)('saves the home page to docs/board.png (UPDATE_DOCS_SCREENSHOT=1)', async () => {
    await page.setViewportSize({ width: 1200, height: 800 });
    await page.goto(`${h.url}/`);
    mkdirSync(dirname(DOCS_SHOT), { recursive: true });
    await page.screenshot({ path: DOCS_SHOT });
    await page.setViewportSize({ width: 1400, height: 900 });
  });

  it('logs out', async () => {
    await page.goto(`${h.url}/`);
    await Promise.all([page.waitForURL(`${h.url}/login`), page.getByRole('button', { name: 'Log out' }).click()]);
    await page.goto(`${h.url}/board`);
    expect(new URL(page.url()).pathname).toBe('/login');
  });

  it('raised no CSP violation or script error, except the Google Fonts stylesheet Bull Board links', () => {
    expect(consoleErrors.filter((e) => !e.includes('fonts.googleapis.com'))).toEqual([]);
    expect(cspViolations.filter((v) => !v.includes('fonts.googleapis.com'))).toEqual([]);
  });

  it('sent no secret to the browser', async () => {
    expect(findSecrets(exchangeTexts(h.exchanges))).toEqual([]);
    expect(findSecrets(h.logLines.map((text, i) => ({ where: `log line ${i}`, text })))).toEqual([]);
  });
});
