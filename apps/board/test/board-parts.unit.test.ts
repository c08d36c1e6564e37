/** The board's pure parts: escaping, redirects, signing, masking, scrubbing and run counting. */
import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { emptySideCounts } from '@syncframe/engine';
import type { RunSummary } from '@syncframe/engine';
import { InMemoryLinkIndex } from '@syncframe/test-kit';
import type { JobConfig } from '@syncframe/config';
import type { Conflict, MapperFn } from '@syncframe/engine';
import { isMetricsScrape, safeNextPath } from '../src/auth.js';
import { apiTokenProblem, metricsTokenProblem } from '../src/board-app.js';
import { DIFF_MAPPER_TIMEOUT_MS, diffConflict } from '../src/conflict-diff.js';
import { maskJobData } from '../src/bull-board.js';
import { isSameOrigin } from '../src/csrf.js';
import { httpProblemOf } from '../src/http-errors.js';
import { escapeHtml, html, raw } from '../src/page/html.js';
import { renderConflictCard } from '../src/page/render-conflict.js';
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

describe('metricsTokenProblem and isMetricsScrape', () => {
  it('accepts no token, or a long one other than the API token', () => {
    expect(metricsTokenProblem(undefined, 'the-api-token-0123')).toBeNull();
    expect(metricsTokenProblem('metrics-token-0123456', 'the-api-token-0123')).toBeNull();
    expect(metricsTokenProblem('', 'the-api-token-0123')).toMatch(/too short \(0 characters\)/);
    expect(metricsTokenProblem('the-api-token-0123', 'the-api-token-0123')).toMatch(/must differ/);
    expect(metricsTokenProblem('metrics token 0123456', 'the-api-token-0123')).toMatch(/whitespace/);
  });

  it('lets the metrics token make one request: GET or HEAD /metrics', () => {
    const req = (method: string, path: string) => ({ method, path }) as unknown as Request;
    expect(isMetricsScrape(req('GET', '/metrics'))).toBe(true);
    expect(isMetricsScrape(req('HEAD', '/metrics'))).toBe(true);
    for (const [m, p] of [['POST', '/metrics'], ['GET', '/metrics/'], ['GET', '/Metrics'], ['GET', '/api/jobs'], ['GET', '/']]) {
      expect(isMetricsScrape(req(m!, p!)), `${m} ${p}`).toBe(false);
    }
  });
});

describe('diffConflict', () => {
  const now = '2030-01-01T00:00:00.000Z';
  const record = (id: string, fields: Record<string, unknown>, deleted = false) => ({ id, fields, updatedAt: now, deleted });
  const job = (id: string, toDest: MapperFn, toSource: MapperFn) => ({
    id, source: { name: 'crm', adapter: 'memory', plugin: 'memory', table: 'People' }, dest: { name: 'site', adapter: 'memory', plugin: 'memory', table: 'Contacts' },
    mappers: { toDest, toSource, toDestPath: '', toSourcePath: '' },
  }) as unknown as JobConfig;
  const conflict = (jobId: string, src: Record<string, unknown>, dst: Record<string, unknown>): Conflict => ({
    conflictId: 'c1', jobId, pair: { source: { adapter: 'memory', table: 'People' }, dest: { adapter: 'memory', table: 'Contacts' } },
    sourceId: 's1', destId: 'd1', sourcePayload: record('s1', src), destPayload: record('d1', dst), detectedAt: now,
    resolvedAt: null, keep: null, appliedAt: null,
  });
  const identity: MapperFn = (r) => ({ fields: { ...r.fields } });
  const store = new InMemoryLinkIndex();

  it('shows rows once when both mappers keep names and values, with empty values equal to absent ones', async () => {
    const diff = await diffConflict(conflict('j', { name: 'Ada', tags: [], note: '' }, { name: 'Ada L.', tags: [] }), [job('j', identity, identity)], store);
    expect(diff.mode).toBe('mapped');
    expect(diff.groups.map((g) => g.kind)).toEqual(['both']);
    expect(diff.differing).toEqual(['name']);
    const note = diff.groups[0]!.rows.find((r) => r.field === 'note')!;
    expect(note).toMatchObject({ differs: false, present: { source: true, dest: false } });
  });

  it('uses the mappers\' names per direction, and lists fields no mapping writes', async () => {
    const toDest: MapperFn = (r) => ({ fields: { title: r.fields['Name'], ref: r.fields['Ref'] } });
    const toSource: MapperFn = (r) => ({ fields: { Name: r.fields['title'], Ref: r.fields['ref'] } });
    const diff = await diffConflict(conflict('j', { Name: 'A', Ref: 1, Internal: 'x' }, { title: 'B', ref: 1, seo: 'y' }), [job('j', toDest, toSource)], store);
    expect(diff.groups.map((g) => g.kind)).toEqual(['keep-source', 'keep-dest', 'only-source', 'only-dest']);
    expect(diff.groups[0]!.rows.map((r) => [r.field, r.source, r.dest, r.differs])).toEqual([['title', 'A', 'B', true], ['ref', 1, 1, false]]);
    expect(diff.groups[1]!.rows.map((r) => [r.field, r.source, r.dest, r.differs])).toEqual([['Name', 'A', 'B', true], ['Ref', 1, 1, false]]);
    expect(diff.groups[2]!.rows.map((r) => r.field)).toEqual(['Internal']);
    expect(diff.groups[3]!.rows.map((r) => r.field)).toEqual(['seo']);
    expect(diff.differing).toEqual(['title', 'Name']);
  });

  it('falls back to names, saying why, when a mapper throws, skips, hangs or the job is gone; scrubbing the reason', async () => {
    const throws: MapperFn = () => {
      throw new Error('no Name for token patSECRET999');
    };
    const thrown = await diffConflict(conflict('j', { a: 1 }, { a: 2 }), [job('j', throws, identity)], store, (t) => t.replace('patSECRET999', '***'));
    expect(thrown).toMatchObject({ mode: 'by-name', differing: ['a'] });
    expect(thrown.notes).toEqual(['compared by field name: the crm→site mapper threw: no Name for token ***']);
    const skips = await diffConflict(conflict('j', { a: 1 }, { a: 1 }), [job('j', identity, () => null)], store);
    expect(skips.notes[0]).toMatch(/site→crm mapper skips this record/);
    const gone = await diffConflict(conflict('gone', { a: 1, b: 2 }, { a: 1, c: 3 }), [], store);
    expect(gone).toMatchObject({ mode: 'by-name', sides: { source: 'source', dest: 'dest' }, differing: [] });
    expect(gone.groups[0]!.rows.map((r) => [r.field, r.present.source, r.present.dest])).toEqual([['a', true, true], ['b', true, false], ['c', false, true]]);
  });

  it('names the fields a field_merge conflict is about on its card, and nothing for a whole-record conflict', async () => {
    const plain = conflict('j', { Notes: 'a', Title: 'x' }, { Notes: 'b', Title: 'y' });
    const diff = await diffConflict(plain, [job('j', identity, identity)], store);
    const card = (c: Conflict) => renderConflictCard({ conflict: c, diff }, 'token', '/').toString();
    const named = card({ ...plain, fields: ['Notes', 'Title'] });
    expect(named).toContain('data-fields="Notes,Title"');
    expect(named).toContain('Changed on both sides (field names of crm): <code>Notes</code>, <code>Title</code>.');
    expect(card(plain)).not.toContain('conflict-fields');
    expect(card({ ...plain, fields: null })).not.toContain('conflict-fields');
  });

  it('gives up a mapper that does not answer in time', async () => {
    const hangs: MapperFn = () => new Promise(() => {});
    const started = Date.now();
    const diff = await diffConflict(conflict('j', { a: 1 }, { a: 2 }), [job('j', identity, hangs)], store);
    expect(Date.now() - started).toBeLessThan(DIFF_MAPPER_TIMEOUT_MS + 1000);
    expect(diff.notes[0]).toMatch(/did not answer within/);
  }, 10_000);
});
