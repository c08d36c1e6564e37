import type { RequestHandler } from 'express';
import type { FleetQueues } from '@syncframe/fleet';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock, LinkIndex, Logger, RunSummary } from '@syncframe/engine';
import { systemClock } from '@syncframe/engine';
import { errorSummary } from './http-errors.js';
import { RunTally } from './run-tally.js';

/** @defaultValue 1 hour */
export const DEFAULT_METRICS_LOOKBACK_MS = 3600_000;

/** Buckets of run durations, in seconds: from a quick no-op run to a long backfill. */
const DURATION_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export interface BoardMetricsDeps {
  readonly queues: FleetQueues;
  readonly store: LinkIndex;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly lookbackMs?: number;
}

/**
 * The board's Prometheus registry. Queue depth is read from BullMQ at scrape time (exposed by the
 * board only, so the fleet's workers do not report the same gauges ten times). Run figures come
 * from the runs table, so they cover every worker without the workers exposing anything.
 */
export class BoardMetrics {
  readonly registry = new Registry();
  private readonly tally: RunTally;
  private readonly scrapeErrors: Counter<'source'>;

  constructor(deps: BoardMetricsDeps) {
    const { registry } = this;
    const clock = deps.clock ?? systemClock;
    collectDefaultMetrics({ register: registry });
    const scrapeErrors = (this.scrapeErrors = new Counter({
      name: 'syncframe_board_scrape_errors_total',
      help: 'Scrapes that could not read a source (redis: queue counts, linkindex: runs).',
      labelNames: ['source'] as const,
      registers: [registry],
    }));
    const queues = [deps.queues.runs, deps.queues.ticks];
    const logger = deps.logger;
    new Gauge({
      name: 'syncframe_queue_jobs',
      help: 'Jobs in each BullMQ queue by state, read at scrape time.',
      labelNames: ['queue', 'state'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        try {
          const counts = await Promise.all(queues.map((q) => q.getJobCounts()));
          counts.forEach((byState, i) => {
            for (const [state, n] of Object.entries(byState)) this.set({ queue: queues[i]!.name, state }, n);
          });
        } catch (err) {
          scrapeErrors.inc({ source: 'redis' });
          logger.warn({ err: errorSummary(err) }, 'metrics: queue counts unavailable');
        }
      },
    });
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new Counter<L>({ name, help, labelNames, registers: [registry] });
    const runs = counter('syncframe_runs_total',
      'Runs recorded since the board started, by job and outcome.',
      ['job', 'status']);
    const duration = new Histogram({
      name: 'syncframe_run_duration_seconds',
      help: 'Duration of recorded runs.',
      labelNames: ['job'] as const,
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
    const written = counter('syncframe_records_written_total',
      'Records written by recorded runs, by job, side written to (source/dest) and kind.',
      ['job', 'side', 'kind']);
    const throttleWait = counter('syncframe_throttle_wait_milliseconds_total',
      'Time recorded runs waited for a throttle, in milliseconds (both sides).',
      ['job']);
    const rateLimited = counter('syncframe_remote_429_total',
      '429 answers recorded runs received from either remote.',
      ['job']);
    const accountRequests = counter('syncframe_account_requests_total',
      'Requests recorded runs sent to each rate-limited account (every attempt), by account key (a base id or a token hash, never a credential).',
      ['account']);
    const account429 = counter('syncframe_account_429_total',
      '429 answers recorded runs received from each account.',
      ['account']);
    const accountWait = counter('syncframe_account_throttle_wait_milliseconds_total',
      'Time recorded runs waited for their turn at each account, in milliseconds.',
      ['account']);
    const accountShare = new Gauge({
      name: 'syncframe_account_share_of_ceiling',
      help: "The request rate the job's latest recorded run achieved at each account, as a share of the account's limit (1 = at the ceiling).",
      labelNames: ['job', 'account'] as const,
      registers: [registry],
    });
    // Runs are counted newest first: the gauge keeps the newest run's share per job and account.
    const shareSetAt = new Map<string, number>();
    const count = (run: RunSummary) => {
      for (const a of run.accounts ?? []) {
        accountRequests.inc({ account: a.account }, a.requests);
        account429.inc({ account: a.account }, a.rateLimited);
        accountWait.inc({ account: a.account }, a.throttleWaitMs);
        const key = `${run.jobId}\u0000${a.account}`;
        const started = Date.parse(run.startedAt);
        if (a.requests > 0 && started >= (shareSetAt.get(key) ?? Number.NEGATIVE_INFINITY)) {
          shareSetAt.set(key, started);
          accountShare.set({ job: run.jobId, account: a.account }, a.shareOfCeiling);
        }
      }
      const job = run.jobId;
      runs.inc({ job, status: run.status });
      duration.observe({ job }, run.durationMs / 1000);
      for (const side of ['source', 'dest'] as const) {
        for (const kind of ['created', 'updated', 'deleted'] as const) {
          // inc(0) still creates the series, so a dashboard's rate() has a line from the start.
          written.inc({ job, side, kind }, run.counts[side][kind]);
        }
      }
      throttleWait.inc({ job }, run.throttleWaitMs);
      rateLimited.inc({ job }, run.rateLimited);
    };
    this.tally = new RunTally(deps.store, clock.now(), deps.lookbackMs ?? DEFAULT_METRICS_LOOKBACK_MS, count);
  }

  /** Counts runs recorded since the last scrape; a LinkIndex failure is counted and logged, not thrown. */
  async refresh(logger: Logger): Promise<void> {
    try {
      await this.tally.refresh();
    } catch (err) {
      this.scrapeErrors.inc({ source: 'linkindex' });
      logger.warn({ err: errorSummary(err) }, 'metrics: runs unavailable');
    }
  }

  /** `GET /metrics` in the Prometheus text format. */
  handler(logger: Logger): RequestHandler {
    return async (_req, res) => {
      await this.refresh(logger);
      const text = await this.registry.metrics();
      res.setHeader('Content-Type', this.registry.contentType);
      res.send(text);
    };
  }
}
