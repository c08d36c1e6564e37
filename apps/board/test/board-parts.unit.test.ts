/** The board's pure parts: escaping, redirects, signing, masking, scrubbing and run counting. */
import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { emptySideCounts } from '@syncframe/engine';
import type { RunSummary } from '@syncframe/engine';
import { InMemoryLinkIndex } from '@syncframe/engine/testing';
import { safeNextPath } from '../src/auth.js';
import { apiTokenProblem } from '../src/board-app.js';
import { maskJobData } from '../src/bull-board.js';
import { isSameOrigin } from '../src/csrf.js';
import { httpProblemOf } from '../src/http-errors.js';
import { escapeHtml, html, raw } from '../src/page/html.js';
import { RunTally } from '../src/run-tally.js';
import { SecretScrubber } from '../src/secret-scrubber.js';
import { parseCookies, serializeCookie, Signer } from '../src/signing.js';
import { ConflictNotOpenError, JobDisabledError, RemoteSideError } from '../src/errors/index.js';
import { NotFoundError } from '@syncframe/engine';
import { z } from 'zod';

describe('html', () => {
  it('escapes every interpolated value unless it is SafeHtml', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\`=`)).toBe('&lt;a href&#61;&quot;x&quot; onclick&#61;&#39;y&#39;&gt;&amp;&#96;&#61;');
    const name = '<script>alert(1)</script>';
    expect(html`<b>${name}</b>${raw('<i>ok</i>')}${[html`<u>${'&'}</u>`, '<x>']}${null}${undefined}${false}${0}`.value)
      .toBe('<b>&lt;script&gt;alert(1)&lt;/script&gt;</b><i>ok</i><u>&amp;</u>&lt;x&gt;0');
  });
});

describe('safeNextPath', () => {
  it('keeps local paths and refuses anything that could leave the board', () => {
    expect(safeNextPath('/board/queue/sync-runs?status=failed')).toBe('/board/queue/sync-runs?status=failed');
    for (const bad of ['https://evil.example', '//evil.example', '/\\evil.example', 'board', '/login', '/logout', '/x\r\nSet-Cookie: a=b', 42, undefined]) {
      expect(safeNextPath(bad), String(bad)).toBe('/');
    }
  });
});

describe('Signer and cookies', () => {
  it('signs per purpose and verifies in constant time whatever the lengths', () => {
    const signer = new Signer('a-token-of-sixteen-chars');
    const sig = signer.sign('session', 'abc');
    expect(signer.verify('session', 'abc', sig)).toBe(true);
    expect(signer.verify('csrf', 'abc', sig)).toBe(false);
    expect(signer.verify('session', 'abd', sig)).toBe(false);
    expect(signer.verify('session', 'abc', '')).toBe(false);
    expect(signer.verify('session', 'abc', `${sig}x`)).toBe(false);
    expect(new Signer('another-token-of-16-chars').verify('session', 'abc', sig)).toBe(false);
    expect(sig).not.toContain('a-token');
  });

  it('parses and serialises cookies with HttpOnly and SameSite=Strict', () => {
    expect([...parseCookies('a=1; b="two"; c=%E2%9C%93; a=ignored; bad; d=%zz')]).toEqual([['a', '1'], ['b', 'two'], ['c', '✓']]);
    expect(serializeCookie('s', 'v 1', { maxAgeSec: 60, secure: true })).toBe('s=v%201; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure');
  });
});

describe('isSameOrigin', () => {
  const req = (headers: Record<string, string>) => ({ headers: { host: 'board.local:3000', ...headers } }) as unknown as Request;
  it('trusts Sec-Fetch-Site first, then Origin against Host, and refuses requests with neither', () => {
    expect(isSameOrigin(req({ 'sec-fetch-site': 'same-origin' }))).toBe(true);
    expect(isSameOrigin(req({ 'sec-fetch-site': 'same-site', origin: 'http://board.local:3000' }))).toBe(false);
    expect(isSameOrigin(req({ origin: 'http://board.local:3000' }))).toBe(true);
    expect(isSameOrigin(req({ origin: 'http://evil.local:3000' }))).toBe(false);
    expect(isSameOrigin(req({ origin: 'null' }))).toBe(false);
    expect(isSameOrigin(req({}))).toBe(false);
  });
});

describe('apiTokenProblem', () => {
  it('refuses a missing, blank or short token and says how to make one', () => {
    expect(apiTokenProblem(undefined)).toMatch(/^SYNCFRAME_API_TOKEN is not set: the board needs a token \(at least 16 characters\)/);
    expect(apiTokenProblem('  ')).toMatch(/is not set/);
    expect(apiTokenProblem('short')).toMatch(/too short \(5 characters\)/);
    expect(apiTokenProblem('0123456789abcdef')).toBeNull();
  });
});

describe('httpProblemOf', () => {
  it('maps each named error to its status, and anything else to a 500 that says nothing', () => {
    expect(httpProblemOf(z.object({ keep: z.enum(['source', 'dest']) }).safeParse({}).error)).toMatchObject({ status: 400, code: 'bad_request' });
    expect(httpProblemOf(new NotFoundError('job "x" is not in the config'))).toMatchObject({ status: 404, code: 'not_found' });
    expect(httpProblemOf(new JobDisabledError('x', 'config'))).toMatchObject({ status: 409, code: 'job_disabled' });
    expect(httpProblemOf(new ConflictNotOpenError('c', 'resolved'))).toMatchObject({ status: 409, code: 'conflict_not_open' });
    expect(httpProblemOf(new RemoteSideError('preview failed'))).toMatchObject({ status: 502, code: 'remote_error' });
    expect(httpProblemOf(new Error('Stream isn\'t writeable and enableOfflineQueue options is false'))).toMatchObject({ status: 503 });
    expect(httpProblemOf(new Error('secret detail at /etc/x'))).toEqual({ status: 500, code: 'internal', message: 'internal error; see the board logs', unexpected: true });
  });
});

describe('maskJobData', () => {
  it('keeps only the fleet\'s own scalar keys', () => {
    const mask = maskJobData(['jobId', 'trigger']);
    expect(mask({ jobId: 'a', trigger: 'api', apiKey: 'patX', nested: { token: 'y' } })).toEqual({ jobId: 'a', trigger: 'api', apiKey: '[hidden]', nested: '[hidden]' });
    expect(mask({ jobId: { token: 'x' } })).toEqual({ jobId: '[hidden]' });
    expect(mask('a string')).toBe('[hidden]');
    expect(mask(null)).toBe('[hidden]');
  });
});

describe('SecretScrubber', () => {
  it('replaces every configured secret, longest first, and leaves short values alone', () => {
    let secrets = ['patSECRET123', 'patSECRET123456', 'abc'];
    const scrubber = new SecretScrubber(() => secrets);
    expect(scrubber.scrub('a patSECRET123456 b patSECRET123 c abc')).toBe('a *** b *** c abc');
    secrets = ['newSECRETvalue'];
    expect(scrubber.scrub('newSECRETvalue patSECRET123')).toBe('*** patSECRET123');
  });
});

describe('RunTally', () => {
  const run = (runId: string, startedAt: number, durationMs: number): RunSummary => ({
    runId, jobId: 'j', trigger: 'test', startedAt: new Date(startedAt).toISOString(), endedAt: new Date(startedAt + durationMs).toISOString(),
    durationMs, status: 'success', counts: { source: emptySideCounts(), dest: emptySideCounts() }, retries: 0, rateLimited: 0,
    throttleWaitMs: 0, errors: [], errorsTruncated: false, failures: [],
  });

  it('counts each run once, late ones within the lookback included, and none that ended before it started', async () => {
    const store = new InMemoryLinkIndex();
    const since = Date.parse('2030-01-01T00:00:00Z');
    const seen: string[] = [];
    const tally = new RunTally(store, since, 3600_000, (r) => seen.push(r.runId));
    await store.insertRun(run('before', since - 10_000, 5000));
    await store.insertRun(run('straddles', since - 10_000, 20_000));
    await store.insertRun(run('a', since + 1000, 1000));
    await Promise.all([tally.refresh(), tally.refresh()]);
    expect(seen).toEqual(['a', 'straddles']);
    await store.insertRun(run('b', since + 5000, 1000));
    await store.insertRun(run('late', since + 2000, 600_000));
    await store.insertRun(run('too-late', since - 2 * 3600_000, 3 * 3600_000));
    await tally.refresh();
    expect(seen).toEqual(['a', 'straddles', 'b', 'late']);
    await tally.refresh();
    expect(seen).toHaveLength(4);
  });

  it('pages through more runs than one query returns', async () => {
    const store = new InMemoryLinkIndex();
    const since = Date.parse('2030-01-01T00:00:00Z');
    let n = 0;
    const tally = new RunTally(store, since, 3600_000, () => n++);
    // 1200 runs, many sharing a start millisecond.
    for (let i = 0; i < 1200; i++) await store.insertRun(run(`r${String(i).padStart(4, '0')}`, since + Math.floor(i / 3), 10));
    await tally.refresh();
    expect(n).toBe(1200);
  });
});
