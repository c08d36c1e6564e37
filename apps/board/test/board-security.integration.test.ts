/**
 * Authentication, the login flow, CSRF, security headers and escaping, over HTTP against real
 * Redis and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoardHarness } from './board-harness.js';
import { API_TOKEN, cookieOf, exchangeTexts, findSecrets, JOBS, METRICS_TOKEN, startBoardHarness } from './board-harness.js';

let h: BoardHarness;

beforeAll(async () => {
  h = await startBoardHarness('sec');
});

afterAll(async () => {
  await h?.close();
});

/** Logs in through the form and returns the `Cookie` header value to send. */
async function login(): Promise<string> {
  const res = await h.request('/login', { bearer: false, form: { token: API_TOKEN, next: '/' }, headers: { origin: h.origin } });
  expect(res.status).toBe(303);
  const set = cookieOf(res.headers, 'syncframe_session');
  expect(set).not.toBeNull();
  return set!.split(';')[0]!;
}

function csrfTokenIn(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  expect(match).not.toBeNull();
  return match![1]!;
}

describe('authentication', () => {
  it('refuses API calls without a token, with a wrong one, or with another scheme (401 JSON)', async () => {
    for (const bearer of [false, 'wrong-token-wrong-token', `${API_TOKEN}x`, API_TOKEN.slice(0, -1)] as const) {
      const res = await h.request('/api/jobs', { bearer });
      expect(res.status, String(bearer)).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    const basic = await h.request('/api/jobs', { bearer: false, headers: { authorization: `Basic ${Buffer.from(`x:${API_TOKEN}`).toString('base64')}` } });
    expect(basic.status).toBe(401);
    const post = await h.request(`/api/jobs/${JOBS.memory}/runs`, { method: 'POST', bearer: false });
    expect(post.status).toBe(401);
    expect(await h.queues.runs.getJobCountByTypes('waiting')).toBe(0);
  });

  it('requires auth for /metrics and Bull Board API calls, and not for /healthz', async () => {
    expect((await h.request('/metrics', { bearer: false })).status).toBe(401);
    expect((await h.request('/board/api/queues', { bearer: false })).status).toBe(401);
    const health = await h.request('/healthz', { bearer: false });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ ok: true });
  });

  it('sends browsers without auth to the login page, remembering where they were going', async () => {
    for (const path of ['/', '/board', '/board/queue/sync-runs']) {
      const res = await h.request(path, { bearer: false, headers: { accept: 'text/html' } });
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location')).toBe(`/login?next=${encodeURIComponent(path)}`);
    }
  });

  it('accepts the bearer token on the page and Bull Board too', async () => {
    expect((await h.request('/', { headers: { accept: 'text/html' } })).status).toBe(200);
    const queues = await h.request('/board/api/queues');
    expect(queues.status).toBe(200);
    expect(queues.body.queues.map((q: { name: string }) => q.name).sort()).toEqual(['sync-runs', 'sync-ticks']);
    const ticks = queues.body.queues.find((q: { name: string }) => q.name === 'sync-ticks');
    expect(ticks.readOnlyMode).toBe(true);
  });
});

describe('the metrics token', () => {
  let other: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    other = await h.startAnother({ metricsToken: METRICS_TOKEN });
  });

  afterAll(async () => {
    await other?.close();
  });

  it('opens GET /metrics, where the API token still works too', async () => {
    const scraped = await h.request('/metrics', { baseUrl: other.url, bearer: METRICS_TOKEN });
    expect(scraped.status).toBe(200);
    expect(scraped.text).toContain('syncframe_queue_jobs');
    expect((await h.request('/metrics', { baseUrl: other.url })).status).toBe(200);
    expect((await h.request('/metrics', { baseUrl: other.url, method: 'HEAD', bearer: METRICS_TOKEN })).status).toBe(200);
    // A wrong token is still a 401, and a board without a metrics token knows none.
    expect((await h.request('/metrics', { baseUrl: other.url, bearer: `${METRICS_TOKEN}x` })).status).toBe(401);
    expect((await h.request('/metrics', { bearer: METRICS_TOKEN })).status).toBe(401);
  });

  it('grants nothing else: not the API, not the page, not Bull Board, not a write (403)', async () => {
    const cases: [string, string, Record<string, string>][] = [
      ['GET', '/api/jobs', {}],
      ['GET', '/api/runs', {}],
      ['POST', `/api/jobs/${JOBS.memory}/runs`, {}],
      ['GET', '/', { accept: 'text/html' }],
      ['GET', '/runs/some-run', { accept: 'text/html' }],
      ['GET', '/board', { accept: 'text/html' }],
      ['GET', '/board/api/queues', {}],
      ['PUT', '/board/api/queues/sync-runs/pause', {}],
      ['POST', '/metrics', {}],
      ['GET', '/metrics/', {}],
    ];
    const waiting = await h.queues.runs.getJobCountByTypes('waiting', 'delayed', 'active');
    for (const [method, path, headers] of cases) {
      const res = await h.request(path, { baseUrl: other.url, method, headers, bearer: METRICS_TOKEN });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body, `${method} ${path}`).toEqual({ error: { code: 'forbidden', message: 'the metrics token only grants GET /metrics' } });
      expect(res.headers.get('www-authenticate')).toContain('insufficient_scope');
    }
    expect(await h.queues.runs.getJobCountByTypes('waiting', 'delayed', 'active')).toBe(waiting);
    expect(await h.queues.runs.isPaused()).toBe(false);
    // Nor is it a password for the login form.
    const login = await h.request('/login', { baseUrl: other.url, bearer: false, form: { token: METRICS_TOKEN, next: '/' }, headers: { origin: other.url } });
    expect(login.status).toBe(401);
    expect(cookieOf(login.headers, 'syncframe_session')).toBeNull();
  });

  it('is refused when too short, with whitespace, or equal to the API token', async () => {
    await expect(h.startAnother({ metricsToken: 'short-token' })).rejects.toThrow(/SYNCFRAME_METRICS_TOKEN is too short \(11 characters\)/);
    await expect(h.startAnother({ metricsToken: 'a metrics token with spaces' })).rejects.toThrow(/whitespace/);
    await expect(h.startAnother({ metricsToken: API_TOKEN })).rejects.toThrow(/must differ from SYNCFRAME_API_TOKEN/);
  });
});

describe('login flow', () => {
  it('shows a form, refuses a wrong token, and trades the right one for an HttpOnly SameSite=Strict session cookie', async () => {
    const form = await h.request('/login', { bearer: false });
    expect(form.status).toBe(200);
    expect(form.text).toContain('<form method="post" action="/login">');

    const wrong = await h.request('/login', { bearer: false, form: { token: 'not-the-token', next: '/' }, headers: { origin: h.origin } });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('Wrong token.');
    expect(cookieOf(wrong.headers, 'syncframe_session')).toBeNull();

    const ok = await h.request('/login', { bearer: false, form: { token: API_TOKEN, next: '/board' }, headers: { origin: h.origin } });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/board');
    const cookie = cookieOf(ok.headers, 'syncframe_session')!;
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toContain(API_TOKEN);
    expect(decodeURIComponent(cookie)).not.toContain(API_TOKEN);
  });

  it('lets the cookie open the page, Bull Board and the API, and never redirects off-site after login', async () => {
    const cookie = await login();
    const page = await h.request('/', { bearer: false, headers: { cookie, accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.text).toContain(JOBS.memory);
    expect(page.text).toContain('href="/board"');
    expect((await h.request('/board/api/queues', { bearer: false, headers: { cookie } })).status).toBe(200);
    expect((await h.request('/api/jobs', { bearer: false, headers: { cookie } })).status).toBe(200);

    for (const next of ['https://evil.example/', '//evil.example/', '/\\evil.example']) {
      const res = await h.request('/login', { bearer: false, form: { token: API_TOKEN, next }, headers: { origin: h.origin } });
      expect(res.headers.get('location'), next).toBe('/');
    }
  });

  it('refuses a tampered or foreign cookie', async () => {
    const cookie = await login();
    const [name, value] = cookie.split('=') as [string, string];
    const parts = decodeURIComponent(value).split('.');
    parts[1] = `${parts[1]!.slice(0, -1)}${parts[1]!.endsWith('A') ? 'B' : 'A'}`;
    const tampered = `${name}=${encodeURIComponent(parts.join('.'))}`;
    expect((await h.request('/api/jobs', { bearer: false, headers: { cookie: tampered } })).status).toBe(401);
    expect((await h.request('/api/jobs', { bearer: false, headers: { cookie: `${name}=v1.abc.zzzzzz.sig` } })).status).toBe(401);
  });

  it('logs out: the cookie is cleared and no longer accepted', async () => {
    const cookie = await login();
    const page = await h.request('/', { bearer: false, headers: { cookie } });
    const out = await h.request('/logout', { bearer: false, form: { _csrf: csrfTokenIn(page.text) }, headers: { cookie, origin: h.origin } });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/login');
    expect(cookieOf(out.headers, 'syncframe_session')).toMatch(/^syncframe_session=; .*Max-Age=0/);
    expect((await h.request('/api/jobs', { bearer: false, headers: { cookie } })).status).toBe(401);
  });

  it('refuses a cross-site login post (login CSRF)', async () => {
    const res = await h.request('/login', { bearer: false, form: { token: API_TOKEN }, headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
    expect(cookieOf(res.headers, 'syncframe_session')).toBeNull();
    const noOrigin = await h.request('/login', { bearer: false, form: { token: API_TOKEN } });
    expect(noOrigin.status).toBe(403);
  });
});

describe('CSRF', () => {
  it('refuses a page form post without the CSRF token, or with another session\'s token', async () => {
    const cookie = await login();
    const other = await login();
    const otherToken = csrfTokenIn((await h.request('/', { bearer: false, headers: { cookie: other } })).text);
    const before = await h.queues.runs.getJobCountByTypes('waiting', 'delayed', 'active');
    for (const form of [{}, { _csrf: '' }, { _csrf: 'forged' }, { _csrf: otherToken }] as Record<string, string>[]) {
      const res = await h.request(`/actions/jobs/${JOBS.memory}/run`, { bearer: false, form, headers: { cookie, origin: h.origin } });
      expect(res.status, JSON.stringify(form)).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    expect(await h.queues.runs.getJobCountByTypes('waiting', 'delayed', 'active')).toBe(before);
  });

  it('accepts a page form post with the token, and shows a flash message once', async () => {
    const cookie = await login();
    const token = csrfTokenIn((await h.request('/', { bearer: false, headers: { cookie } })).text);
    const res = await h.request(`/actions/jobs/${JOBS.memory}/run`, { bearer: false, form: { _csrf: token }, headers: { cookie, origin: h.origin } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const flash = cookieOf(res.headers, 'syncframe_flash')!.split(';')[0]!;
    const page = await h.request('/', { bearer: false, headers: { cookie: `${cookie}; ${flash}` } });
    expect(page.text).toMatch(/memory-job: (queued; a worker starts it shortly|a run of this job is already queued; this trigger was merged into it) \(run [0-9a-f-]{36}\)\./);
    // The flash links to the run's page.
    expect(page.text).toMatch(/<a href="\/runs\/[0-9a-f-]{36}">Follow run [0-9a-f]{8}<\/a><\/div>/);
    expect(cookieOf(page.headers, 'syncframe_flash')).toMatch(/Max-Age=0/);
  });

  it('flashes errors of page actions (unknown job, disabled job) instead of failing', async () => {
    const cookie = await login();
    const token = csrfTokenIn((await h.request('/', { bearer: false, headers: { cookie } })).text);
    const res = await h.request(`/actions/jobs/${JOBS.off}/run`, { bearer: false, form: { _csrf: token }, headers: { cookie, origin: h.origin } });
    expect(res.status).toBe(303);
    const flash = cookieOf(res.headers, 'syncframe_flash')!.split(';')[0]!;
    const page = await h.request('/', { bearer: false, headers: { cookie: `${cookie}; ${flash}` } });
    expect(page.text).toContain('flash-error');
    expect(page.text).toContain('disabled in the config');
  });

  it('refuses cookie-authenticated writes that do not prove the same origin (Bull Board calls included)', async () => {
    const cookie = await login();
    const cases: Record<string, string>[] = [{}, { origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site', origin: h.origin }];
    for (const headers of cases) {
      const api = await h.request(`/api/jobs/${JOBS.memory}/runs`, { method: 'POST', bearer: false, headers: { cookie, ...headers } });
      expect(api.status, JSON.stringify(headers)).toBe(403);
      const board = await h.request('/board/api/queues/sync-runs/pause', { method: 'PUT', bearer: false, headers: { cookie, ...headers } });
      expect(board.status, JSON.stringify(headers)).toBe(403);
    }
    expect(await h.queues.runs.isPaused()).toBe(false);
    const sameOrigin = await h.request(`/api/jobs/${JOBS.memory}/runs`, { method: 'POST', bearer: false, headers: { cookie, 'sec-fetch-site': 'same-origin' } });
    expect(sameOrigin.status).toBe(202);
    const byOrigin = await h.request(`/api/jobs/${JOBS.memory}/runs`, { method: 'POST', bearer: false, headers: { cookie, origin: h.origin } });
    expect(byOrigin.status).toBe(202);
  });

  it('exempts bearer requests (a browser cannot forge the header)', async () => {
    const res = await h.request(`/api/jobs/${JOBS.memory}/runs`, { method: 'POST', headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(202);
  });

  it('keeps the ticks queue read-only through Bull Board', async () => {
    const res = await h.request('/board/api/queues/sync-ticks/pause', { method: 'PUT' });
    expect(res.status).toBe(405);
    expect(await h.queues.ticks.isPaused()).toBe(false);
  });
});

describe('headers and escaping', () => {
  it('sends helmet\'s headers, a script-free CSP on the page, and a CSP on Bull Board that allows its own bundles', async () => {
    const page = await h.request('/', { headers: { accept: 'text/html' } });
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'none'");
    expect(csp).toMatch(/style-src 'nonce-[A-Za-z0-9_-]{22}'/);
    expect(csp).toContain("frame-ancestors 'none'");
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    expect(page.text).toContain(`<style nonce="${nonce}">`);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-powered-by')).toBeNull();
    expect(page.headers.get('cache-control')).toBe('no-store');

    const board = await h.request('/board', { headers: { accept: 'text/html' } });
    expect(board.status).toBe(200);
    const boardCsp = board.headers.get('content-security-policy')!;
    expect(boardCsp).toContain("script-src 'self'");
    expect(boardCsp).not.toContain("'unsafe-eval'");
    expect(board.text).toMatch(/<base href="\/board\/"/);
  });

  it('escapes data from the LinkIndex in the page', async () => {
    await h.recordConflict(JOBS.memory, {
      sourceId: '<img src=x onerror=alert(1)>',
      sourcePayload: { id: 'x', fields: { name: '<script>alert("pwned")</script>' }, updatedAt: new Date().toISOString(), deleted: false },
    });
    const page = await h.request('/', { headers: { accept: 'text/html' } });
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).toContain('&lt;script&gt;alert(\\&quot;pwned\\&quot;)&lt;/script&gt;');
  });

  it('masks unexpected keys of job data in Bull Board', async () => {
    const job = await h.queues.runs.add('manual', { jobId: JOBS.memory, trigger: 'api', requestedAt: 'now', apiKey: 'patSECRETtoken123' }, { delay: 60_000 });
    const res = await h.request(`/board/api/queues/sync-runs/${job.id}`);
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('patSECRETtoken123');
    expect(res.body.job.data).toMatchObject({ jobId: JOBS.memory, apiKey: '[hidden]' });
    await job.remove();
  });
});

describe('secrets', () => {
  it('never appear in any response (body or header) or log line', () => {
    expect(findSecrets(exchangeTexts(h.exchanges))).toEqual([]);
    expect(findSecrets(h.logLines.map((text, i) => ({ where: `log line ${i}`, text })))).toEqual([]);
  });
});

// Last in the file: it leaves this client address locked out of the login form.
describe('login throttling', () => {
  it('answers 429 with Retry-After after 10 wrong tokens from one address, even to the right token', async () => {
    // Earlier tests of this file already sent a few wrong tokens from this address.
    const statuses: number[] = [];
    for (let i = 0; i < 11 && statuses.at(-1) !== 429; i++) {
      statuses.push((await h.request('/login', { bearer: false, form: { token: `guess-${i}`, next: '/' }, headers: { origin: h.origin } })).status);
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((st) => st === 401)).toBe(true);
    const locked = await h.request('/login', { bearer: false, form: { token: API_TOKEN, next: '/' }, headers: { origin: h.origin } });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(cookieOf(locked.headers, 'syncframe_session')).toBeNull();
    // The API's bearer auth is not the form: it still works.
    expect((await h.request('/api/jobs')).status).toBe(200);
  });
});
