/**
 * The board in a real browser (Debian's Chromium driven by playwright-core): log in, see the
 * queues in Bull Board, retry a failed run, run a job and resolve a conflict from the page.
 * Screenshots go to test-output/board/ (gitignored).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'bullmq';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '@syncframe/fleet';
import type { BoardHarness } from './board-harness.js';
import { API_TOKEN, exchangeTexts, findSecrets, JOBS, startBoardHarness } from './board-harness.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = resolve(import.meta.dirname, '../../../test-output/board');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.log(`board browser test skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

describe.skipIf(!hasChromium)('board in a browser', () => {
  let h: BoardHarness;
  let browser: Browser;
  let page: Page;
  let failedJobId: string;
  let conflictId: string;
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
    await expect.poll(() => flash.textContent()).toMatch(/Run of memory-job enqueued|already waiting/);
    expect(await h.queues.runs.getJobCountByTypes('waiting')).toBeGreaterThanOrEqual(waitingBefore);
    await page.screenshot({ path: join(SHOTS, '06-run-enqueued.png'), fullPage: true });
    // The flash is shown once.
    await page.reload();
    expect(await page.locator('.flash').count()).toBe(0);
  });

  it('resolves a conflict from the page', async () => {
    await page.goto(`${h.url}/`);
    const card = page.locator(`[data-conflict="${conflictId}"]`);
    await Promise.all([page.waitForURL(`${h.url}/`), card.getByRole('button', { name: 'Keep source' }).click()]);
    await expect.poll(() => page.locator('.flash').textContent()).toContain('Conflict resolved: keeping the source record');
    expect(await page.locator(`[data-conflict="${conflictId}"]`).count()).toBe(0);
    expect(await h.store.getConflict(conflictId)).toMatchObject({ keep: 'source', resolvedAt: expect.any(String) });
    await page.screenshot({ path: join(SHOTS, '07-conflict-resolved.png'), fullPage: true });
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
