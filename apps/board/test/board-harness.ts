/**
 * Test harness of the board: fake remotes, a config file in a temp folder, a PostgreSQL schema and
 * a BullMQ prefix of its own, the app listening on a free port, and an HTTP client that keeps every
 * response so a test can grep them all for secrets. Everything is removed by `close()`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { startAirtableFake } from '@syncframe/fakes';
import type { AirtableFake } from '@syncframe/fakes';
import { startWebflowFake } from '@syncframe/fakes';
import type { WebflowFake } from '@syncframe/fakes';
import { BUILTIN_ADAPTER_PLUGINS } from '@syncframe/builtin-adapters';
import { loadConfig } from '@syncframe/config';
import type { LoadedConfig } from '@syncframe/config';
import { createLogger, emptySideCounts } from '@syncframe/engine';
import type { Logger, NewConflict, RunStatus, RunSummary } from '@syncframe/engine';
import { openRedis, QUEUES, reconcileSchedulers, RedisThrottleProvider } from '@syncframe/fleet';
import { openLinkIndex } from '@syncframe/linkindex';
import type { LinkIndexStore } from '@syncframe/linkindex';
import { createBoardApp } from '../src/index.js';
import type { BoardDeps } from '../src/index.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Distinctive fake credentials: no response, page, metric or log line may ever contain one. */
export const API_TOKEN = 'board-test-TOKEN-0123456789abcdef';
export const AIRTABLE_TOKEN = 'patSECRETtoken123';
export const AIRTABLE_WRONG_TOKEN = 'patSECRETwrong789';
/** An identifier rather than a credential (it is in every Airtable URL, and the adapter logs request paths). */
export const AIRTABLE_BASE = 'appBoardTestBase1';
export const WEBFLOW_TOKEN = 'wfSECRETtoken456';
/** The read-only metrics token of the apps that tests start with one (`SYNCFRAME_METRICS_TOKEN`). */
export const METRICS_TOKEN = 'board-test-METRICS-fedcba9876543210';
export const SECRETS = [API_TOKEN, AIRTABLE_TOKEN, AIRTABLE_WRONG_TOKEN, WEBFLOW_TOKEN, METRICS_TOKEN];

export const WEBFLOW_SITE = '64a0c0ffee0000000000beef';
export const WEBFLOW_COLLECTION = '64a0c0ffee0000000000c0de';

/** Job ids of the test config. */
export const JOBS = {
  remote: 'crm-to-site',
  memory: 'memory-job',
  off: 'off-job',
  broken: 'broken-remote',
} as const;

/** One recorded HTTP exchange. */
export interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly json?: unknown;
  readonly form?: Record<string, string>;
  /** Send the API token as a bearer (default) or nothing. */
  readonly bearer?: boolean | string;
  /** Another app than the harness's (one from `startAnother`, a `startBoard`): still recorded for the secret grep. */
  readonly baseUrl?: string;
}

/** Answers with the JSON body parsed when there is one. */
export interface Reply extends Exchange {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

export interface BoardHarness {
  readonly url: string;
  readonly origin: string;
  readonly config: LoadedConfig;
  readonly store: LinkIndexStore;
  readonly queues: { runs: Queue; ticks: Queue };
  readonly redis: Redis;
  readonly prefix: string;
  readonly schema: string;
  readonly airtable: AirtableFake;
  readonly webflow: WebflowFake;
  /** Every exchange made through `request`, for the secret grep. */
  readonly exchanges: Exchange[];
  /** Every log line the board wrote. */
  readonly logLines: string[];
  request(path: string, options?: RequestOptions): Promise<Reply>;
  /** A run summary of `jobId`, inserted into the LinkIndex. */
  insertRun(jobId: string, overrides?: Partial<Omit<RunSummary, 'counts'>> & { counts?: Partial<RunSummary['counts']> }): Promise<RunSummary>;
  /** A conflict of `jobId` (memory tables), recorded in the LinkIndex. */
  recordConflict(jobId: string, overrides?: Partial<NewConflict>): Promise<string>;
  /** Builds another app over the same pieces with some replaced (broken stores, other clocks). */
  startAnother(overrides: Partial<BoardDeps>): Promise<{ url: string; close(): Promise<void> }>;
  close(): Promise<void>;
}

function writeConfig(dir: string, schema: string, airtableUrl: string, webflowUrl: string): string {
  writeFileSync(join(dir, 'at-to-wf.mjs'), 'export default (r) => ({ fields: { name: r.fields.Name ?? "", slug: r.fields.Slug ?? "" } });\n');
  writeFileSync(join(dir, 'wf-to-at.mjs'), 'export default (r) => ({ fields: { Name: r.fields.name ?? null, Slug: r.fields.slug ?? null } });\n');
  writeFileSync(join(dir, 'same.mjs'), 'export default (r) => ({ fields: { ...r.fields }, deleted: r.deleted });\n');
  const memorySides = (a: string, b: string) => ({
    left: { adapter: 'memory', table: a },
    right: { adapter: 'memory', table: b },
  });
  const memoryMappings = { 'left→right': './same.mjs', 'right→left': './same.mjs' };
  const airtableSide = (apiKey: string) => ({
    adapter: 'airtable', table: 'Items', api_url: airtableUrl, last_modified_field: 'Modified',
    creds: { apiKey, baseId: AIRTABLE_BASE },
  });
  const config = {
    linkindex: { driver: 'postgres', conn: DATABASE_URL, schema },
    jobs: [
      {
        id: JOBS.remote,
        schedule: '*/5 * * * *',
        sides: {
          crm: airtableSide(AIRTABLE_TOKEN),
          site: { adapter: 'webflow', collection: WEBFLOW_COLLECTION, api_url: webflowUrl, creds: { token: WEBFLOW_TOKEN, site_id: WEBFLOW_SITE } },
        },
        mappings: { 'crm→site': './at-to-wf.mjs', 'site→crm': './wf-to-at.mjs' },
        retries: { max_attempts: 1, backoff_sec: 1 },
      },
      { id: JOBS.memory, sides: memorySides('people', 'contacts'), mappings: memoryMappings, conflict_policy: 'manual' },
      { id: JOBS.off, enabled: false, sides: memorySides('a', 'b'), mappings: memoryMappings },
      {
        id: JOBS.broken,
        sides: {
          crm: airtableSide(AIRTABLE_WRONG_TOKEN),
          site: { adapter: 'webflow', collection: WEBFLOW_COLLECTION, api_url: webflowUrl, creds: { token: WEBFLOW_TOKEN, site_id: WEBFLOW_SITE } },
        },
        mappings: { 'crm→site': './at-to-wf.mjs', 'site→crm': './wf-to-at.mjs' },
        retries: { max_attempts: 1, backoff_sec: 1 },
      },
    ],
  };
  const file = join(dir, 'syncframe.jsonc');
  writeFileSync(file, `// board test config\n${JSON.stringify(config, null, 2)}\n`);
  return file;
}

async function listen(app: ReturnType<typeof createBoardApp>): Promise<{ server: Server; url: string }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Starts everything; `kind` names the schema and prefix, to find leftovers of a crashed run. */
export async function startBoardHarness(kind: string): Promise<BoardHarness> {
  const id = randomBytes(4).toString('hex');
  const prefix = `sf-test-${kind}-${id}`;
  const schema = `board_${kind}_${id}`;
  const dir = mkdtempSync(join(tmpdir(), 'syncframe-board-'));
  const airtable = await startAirtableFake({
    tokens: [AIRTABLE_TOKEN],
    rateLimit: false,
    bases: { [AIRTABLE_BASE]: { tables: [{ name: 'Items', fields: [{ name: 'Name', type: 'singleLineText' }, { name: 'Slug', type: 'singleLineText' }, { name: 'Modified', type: 'lastModifiedTime' }] }] } },
  });
  const webflow = await startWebflowFake({
    tokens: [WEBFLOW_TOKEN],
    rateLimit: false,
    sites: { [WEBFLOW_SITE]: { collections: [{ slug: 'items', id: WEBFLOW_COLLECTION, fields: [] }] } },
  });
  const config = await loadConfig(writeConfig(dir, schema, airtable.url, webflow.url), { env: {}, adapters: BUILTIN_ADAPTER_PLUGINS });
  const { linkIndex: store } = await openLinkIndex({ driver: 'postgres', conn: DATABASE_URL, schema }, { applicationName: 'syncframe-board-test' });
  const redis = await openRedis(REDIS_URL, 'producer');
  redis.on('error', () => {});
  const queues = {
    runs: new Queue(QUEUES.runs, { connection: redis, prefix }),
    ticks: new Queue(QUEUES.ticks, { connection: redis, prefix }),
  };
  await reconcileSchedulers(queues.ticks, config.jobs);

  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const logger: Logger = createLogger({ level: 'debug', destination });
  const deps: BoardDeps = {
    config: () => config,
    store,
    queues,
    redis,
    throttles: new RedisThrottleProvider(redis, { prefix: `${prefix}:rl` }),
    apiToken: API_TOKEN,
    logger,
  };
  const { server, url } = await listen(createBoardApp(deps));
  const others: Server[] = [];
  const exchanges: Exchange[] = [];

  const request = async (path: string, options: RequestOptions = {}): Promise<Reply> => {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    const bearer = options.bearer ?? true;
    if (bearer !== false) headers['authorization'] = `Bearer ${bearer === true ? API_TOKEN : bearer}`;
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    }
    const method = options.method ?? (body !== undefined ? 'POST' : 'GET');
    const res = await fetch(`${options.baseUrl ?? url}${path}`, { method, headers, body, redirect: 'manual' });
    const text = await res.text();
    const exchange: Exchange = { method, path, status: res.status, headers: res.headers, text };
    exchanges.push(exchange);
    let parsed: unknown = undefined;
    if ((res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
    return { ...exchange, body: parsed };
  };

  let seq = 0;
  const insertRun: BoardHarness['insertRun'] = async (jobId, overrides = {}) => {
    seq++;
    const durationMs = overrides.durationMs ?? 1500;
    // By default the run has just ended (after the board started, so /metrics counts it).
    const startedAt = overrides.startedAt ?? new Date(Date.now() - durationMs + seq).toISOString();
    const { counts, ...rest } = overrides;
    const run: RunSummary = {
      runId: randomUUID(), jobId, trigger: 'schedule', startedAt,
      endedAt: new Date(Date.parse(startedAt) + durationMs).toISOString(), durationMs,
      status: 'success' as RunStatus,
      counts: { source: counts?.source ?? emptySideCounts(), dest: counts?.dest ?? emptySideCounts() },
      retries: 0, rateLimited: 0, throttleWaitMs: 0, errors: [], errorsTruncated: false, failures: [],
      ...rest,
    };
    await store.insertRun(run);
    return run;
  };

  const recordConflict: BoardHarness['recordConflict'] = async (jobId, overrides = {}) => {
    const n = ++seq;
    const conflict = await store.recordConflict({
      conflictId: randomUUID(), jobId,
      pair: { source: { adapter: 'memory', table: 'people' }, dest: { adapter: 'memory', table: 'contacts' } },
      sourceId: `src-${n}`, destId: `dst-${n}`,
      sourcePayload: { id: `src-${n}`, fields: { name: `Ada ${n}` }, updatedAt: new Date().toISOString(), deleted: false },
      destPayload: { id: `dst-${n}`, fields: { name: `Ada L. ${n}` }, updatedAt: new Date().toISOString(), deleted: false },
      detectedAt: new Date().toISOString(),
      ...overrides,
    });
    return conflict.conflictId;
  };

  return {
    url, origin: url, config, store, queues, redis, prefix, schema, airtable, webflow, exchanges, logLines,
    request, insertRun, recordConflict,
    async startAnother(overrides) {
      const other = await listen(createBoardApp({ ...deps, ...overrides }));
      others.push(other.server);
      return { url: other.url, close: () => closeServer(other.server) };
    },
    async close() {
      await closeServer(server);
      for (const s of others) if (s.listening) await closeServer(s);
      for (const q of [queues.runs, queues.ticks]) {
        await q.obliterate({ force: true }).catch(() => {});
        await q.close();
      }
      // Throttle keys and anything else under the prefix.
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      await redis.quit();
      await store.close();
      const admin = new pg.Client({ connectionString: DATABASE_URL });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
      await airtable.close();
      await webflow.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every place in `haystacks` where one of `needles` appears (empty: none). */
export function findSecrets(haystacks: readonly { where: string; text: string }[], needles: readonly string[] = SECRETS): string[] {
  const found: string[] = [];
  for (const { where, text } of haystacks) for (const n of needles) if (text.includes(n)) found.push(`${where} contains ${n.slice(0, 6)}…`);
  return found;
}

/** Every recorded response as text: status line, headers, body. */
export function exchangeTexts(exchanges: readonly Exchange[]): { where: string; text: string }[] {
  return exchanges.map((e) => ({
    where: `${e.method} ${e.path} (${e.status})`,
    text: `${[...e.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${e.text}`,
  }));
}

/** The `name=value` of a Set-Cookie header. */
export function cookieOf(headers: Headers, name: string): string | null {
  for (const c of headers.getSetCookie()) if (c.startsWith(`${name}=`)) return c;
  return null;
}

/** Polls `check` every 50 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
