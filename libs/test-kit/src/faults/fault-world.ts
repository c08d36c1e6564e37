import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { RunSummary } from '@syncframe/engine';
import type { AirtableFake, FakeLatency, WebflowFake } from '@syncframe/fakes';
import { startAirtableFake, startWebflowFake } from '@syncframe/fakes';
import type { RunQueue } from '@syncframe/fleet';
import { enqueueRun, openRunQueue } from '@syncframe/fleet';
import type { LinkIndexStore } from '@syncframe/linkindex';
import { openLinkIndex } from '@syncframe/linkindex';
import type { CliProcess } from '../fleet/fleet-harness.js';
import { DATABASE_URL, freshSchema, REDIS_URL, spawnCli, tempDir, until, writeMappers } from '../fleet/fleet-harness.js';

const BASE = 'appFaultSuite0001';
const SITE = 'site0000000000000000fault';
export const FAULT_JOB_ID = 'videos';

/** Options of {@link startFaultWorld}. */
export interface FaultWorldOptions {
  /** Latency of every fake response. @defaultValue 5–25 ms */
  readonly latency?: FakeLatency;
  /** Redis the workers use (e.g. a restartable redis-server of the test). @defaultValue REDIS_URL */
  readonly workerRedisUrl?: string;
  /** PostgreSQL the workers use (e.g. through a TcpProxy). @defaultValue DATABASE_URL */
  readonly workerDatabaseUrl?: string;
  /** Extra keys of the job (e.g. `retries`), merged over the defaults. */
  readonly job?: Record<string, unknown>;
  /** The fakes enforce the APIs' rate limits (Airtable 5/s per base, Webflow 60/min). @defaultValue false: runs go fast */
  readonly rateLimits?: boolean;
  /** Extra environment of the workers. */
  readonly env?: Record<string, string>;
  /** The job's mappers: at-to-wf.mjs and wf-to-at.mjs are written first, then these files (name → source). */
  readonly mapperFiles?: Readonly<Record<string, string>>;
  /** More bearer tokens the fakes accept besides the world's own (e.g. to rotate to). @defaultValue none */
  readonly extraTokens?: { readonly airtable?: readonly string[]; readonly webflow?: readonly string[] };
  /**
   * More tables in the fakes, each like Videos/videos: an Airtable table (Name, Slug, Notes, Last
   * Modified) and a Webflow collection (name, slug, notes), e.g. for a second job. @defaultValue none
   */
  readonly extraTables?: readonly { readonly airtable: string; readonly webflow: string }[];
}

/**
 * One fault scenario's world: the fake Airtable (table Videos: Name, Slug, Notes) and Webflow
 * (collection videos: name, slug, notes) on local ports, a fresh PostgreSQL schema, a queue prefix
 * of its own, and a config with one job, `videos`, linking them both ways with `match` on the slug.
 * Workers are real `syncframe worker` processes (from the sources), tuned to recover fast (a dead
 * worker's job is free again within about 2 s).
 */
export class FaultWorld {
  readonly workers: CliProcess[] = [];
  readonly tokens: { airtable: string; webflow: string };

  private constructor(
    readonly airtable: AirtableFake,
    readonly webflow: WebflowFake,
    readonly store: LinkIndexStore,
    readonly runs: RunQueue,
    readonly configPath: string,
    readonly config: { linkindex: unknown; jobs: Record<string, unknown>[] },
    readonly env: Record<string, string>,
    private readonly redis: Redis,
    private readonly dropSchema: () => Promise<void>,
    tokens: { airtable: string; webflow: string },
  ) {
    this.tokens = tokens;
  }

  static async start(options: FaultWorldOptions = {}): Promise<FaultWorld> {
    const tokens = { airtable: `patFAULT${randomUUID().replaceAll('-', '')}`, webflow: `wfFAULT${randomUUID().replaceAll('-', '')}` };
    const latency = options.latency ?? { minMs: 5, maxMs: 25 };
    const airtable = await startAirtableFake({
      tokens: [tokens.airtable, ...(options.extraTokens?.airtable ?? [])],
      bases: { [BASE]: { tables: ['Videos', ...(options.extraTables ?? []).map((t) => t.airtable)].map((name) => ({ name, fields: [
        { name: 'Name', type: 'singleLineText' as const }, { name: 'Slug', type: 'singleLineText' as const },
        { name: 'Notes', type: 'multilineText' as const }, { name: 'Last Modified', type: 'lastModifiedTime' as const },
      ] })) } },
      latency,
      ...(options.rateLimits ? {} : { rateLimit: false as const }),
    });
    const webflow = await startWebflowFake({
      tokens: [tokens.webflow, ...(options.extraTokens?.webflow ?? [])],
      sites: { [SITE]: { collections: ['videos', ...(options.extraTables ?? []).map((t) => t.webflow)].map((slug) => ({
        slug, fields: [{ slug: 'notes', type: 'PlainText' as const }],
      })) } },
      latency,
      // Without limits, a budget far above what a scenario sends: with `rateLimit: false` the fake would still
      // announce 60 a minute in X-RateLimit-Remaining, and the limiter rightly believes the remote.
      ...(options.rateLimits ? {} : { rateLimit: { perMinute: 1_000_000 } }),
    });
    const { schema, drop } = await freshSchema();
    const dir = tempDir();
    writeMappers(dir);
    for (const [name, source] of Object.entries(options.mapperFiles ?? {})) writeFileSync(join(dir, name), source);
    const prefix = `sf-fault-${randomUUID().slice(0, 8)}`;
    const config = {
      linkindex: { driver: 'postgres', conn: '${DATABASE_URL}', schema },
      jobs: [{
        id: FAULT_JOB_ID,
        sides: {
          airtable: { adapter: 'airtable', table: 'Videos', api_url: airtable.url, last_modified_field: 'Last Modified',
            creds: { apiKey: '${AT_TOKEN}', baseId: BASE }, timeout_sec: 2, throttle: { max_reqs: 20, interval_sec: 1, batch_size: 10 } },
          webflow: { adapter: 'webflow', collection: webflow.collectionId('videos'), api_url: webflow.url, creds: { token: '${WF_TOKEN}' }, timeout_sec: 2,
            throttle: { max_reqs: 20, interval_sec: 1, batch_size: 10 } },
        },
        mappings: { 'airtable->webflow': './at-to-wf.mjs', 'webflow->airtable': './wf-to-at.mjs' },
        match: { airtable: 'Slug', webflow: 'slug' },
        retries: { max_attempts: 4, backoff_sec: 0.2, disable_job_after: 1000 },
        ...options.job,
      }],
    };
    const configPath = join(dir, 'jobs.jsonc');
    const spoolDir = join(dir, 'spool');
    mkdirSync(spoolDir);
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    const env = {
      REDIS_URL: options.workerRedisUrl ?? REDIS_URL,
      DATABASE_URL: options.workerDatabaseUrl ?? DATABASE_URL,
      AT_TOKEN: tokens.airtable,
      WF_TOKEN: tokens.webflow,
      SYNCFRAME_QUEUE_PREFIX: prefix,
      SYNCFRAME_LEASE_TTL_MS: '2000',
      SYNCFRAME_LOCK_DURATION_MS: '2000',
      SYNCFRAME_STALLED_INTERVAL_MS: '1000',
      SYNCFRAME_MAX_STALLED_COUNT: '20',
      SYNCFRAME_SHUTDOWN_GRACE_MS: '5000',
      SYNCFRAME_BUSY_RETRY_MS: '300',
      SYNCFRAME_WORKER_CONCURRENCY: '2',
      // Every pulled record goes through the file spool: the suite's kills and outages meet it too.
      SYNCFRAME_SPILL_AFTER_RECORDS: '0',
      SYNCFRAME_SPOOL_DIR: spoolDir,
      LOG_LEVEL: 'info',
      ...options.env,
    };
    const store = (await openLinkIndex({ driver: 'postgres', conn: DATABASE_URL, schema }, { migrate: true })).linkIndex;
    // The test's own view of the queue, straight to Redis (not through the workers' proxy).
    const redis = new Redis(options.workerRedisUrl ?? REDIS_URL, { maxRetriesPerRequest: null });
    redis.on('error', () => undefined);
    const runs = openRunQueue(redis, prefix);
    runs.on('error', () => undefined);
    return new FaultWorld(airtable, webflow, store, runs, configPath, config, env, redis, drop, tokens);
  }

  /** A `syncframe worker` process on this world's config. */
  startWorker(extraEnv: Record<string, string> = {}): CliProcess {
    const worker = spawnCli(['worker', '--config', this.configPath], { ...this.env, ...extraEnv });
    this.workers.push(worker);
    return worker;
  }

  /** Workers that have not exited. */
  liveWorkers(): CliProcess[] {
    return this.workers.filter((w) => w.proc.exitCode === null && w.proc.signalCode === null);
  }

  /** Rewrites the config file (the workers reload it). */
  writeConfig(config: { linkindex: unknown; jobs: Record<string, unknown>[] }): void {
    writeFileSync(this.configPath, JSON.stringify(config, null, 2));
  }

  /** `n` new Airtable records, slugs `<tag>-<i>`. */
  seed(n: number, tag: string): void {
    for (let i = 0; i < n; i++) this.airtable.insert('Videos', { Name: `${tag} ${i}`, Slug: `${tag}-${i}`, Notes: `note ${tag} ${i}` });
  }

  /** A run of the job through the queue; resolves with its queue job id and run id. */
  async enqueue(jobId = FAULT_JOB_ID): Promise<{ queueJobId: string; runId: string | null }> {
    const enqueued = await enqueueRun(this.runs, { id: jobId }, 'api');
    return { queueJobId: enqueued.queueJobId, runId: enqueued.runId };
  }

  /** Runs the job once through the queue and returns the run it recorded (throws when none was). */
  async runJob(jobId = FAULT_JOB_ID, timeoutMs = 60_000): Promise<RunSummary> {
    const { queueJobId, runId } = await this.enqueue(jobId);
    await this.waitEnded(queueJobId, timeoutMs);
    const summary = runId ? await this.store.getRun(runId) : null;
    if (!summary) throw new Error(`run ${runId ?? '(no id)'} of queue job ${queueJobId} was not recorded`);
    return summary;
  }

  /** Waits until nothing is waiting, active or delayed on the runs queue. */
  async waitIdle(timeoutMs = 60_000): Promise<void> {
    await until(async () => {
      const c = await this.runs.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(c).every((n) => n === 0);
    }, timeoutMs, 'the runs queue is idle');
  }

  /** Waits until the queue job ended (completed or failed for good). */
  async waitEnded(queueJobId: string, timeoutMs = 60_000): Promise<void> {
    await until(async () => {
      const job = await this.runs.getJob(queueJobId);
      return job?.finishedOn !== undefined && job.finishedOn !== null;
    }, timeoutMs, `queue job ${queueJobId} ended`);
  }

  /** Requests that write (POST/PATCH/DELETE) either fake has answered so far. */
  writeRequests(): number {
    const writes = (requests: readonly { method: string }[]) => requests.filter((r) => r.method !== 'GET').length;
    return writes(this.airtable.requests) + writes(this.webflow.requests);
  }

  async close(): Promise<void> {
    for (const w of this.liveWorkers()) w.proc.kill('SIGKILL');
    await Promise.all(this.workers.map((w) => w.exited));
    await this.runs.close().catch(() => undefined);
    const keys = await this.redis.keys(`${this.env.SYNCFRAME_QUEUE_PREFIX}*`).catch(() => [] as string[]);
    if (keys.length > 0) await this.redis.del(...keys).catch(() => undefined);
    this.redis.disconnect();
    await this.store.close();
    await this.dropSchema();
    await this.airtable.close();
    await this.webflow.close();
    rmSync(this.env.SYNCFRAME_SPOOL_DIR!, { recursive: true, force: true });
  }
}

export const startFaultWorld = (options?: FaultWorldOptions): Promise<FaultWorld> => FaultWorld.start(options);
