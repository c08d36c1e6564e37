import type { FleetQueues } from '@syncframe/fleet';
import type { Redis } from 'ioredis';
import type { LoadedConfig } from '@syncframe/config';
import type { Clock, JobLeases, LinkIndex, Logger, ThrottleProvider } from '@syncframe/engine';

/** What the board works with; {@link startBoard} builds these from a config file and the environment. */
export interface BoardDeps {
  /** The current config; called on every request, so a caller may swap it (reload) without restarting. */
  readonly config: () => LoadedConfig;
  /** The LinkIndex (job state, runs, conflicts). A `LinkIndexStore` from `openLinkIndex` fits. */
  readonly store: LinkIndex & JobLeases;
  /** The fleet's queues, created with the fleet's BullMQ prefix (`fleetSettingsFromEnv().queuePrefix`). */
  readonly queues: FleetQueues;
  /** A producer connection: `/healthz` pings it. */
  readonly redis: Redis;
  /**
   * Throttles of previews, so a dry run counts against the same per-account budget as the
   * workers: a `RedisThrottleProvider` over the fleet's Redis, prefix `${queuePrefix}:rl`.
   */
  readonly throttles: ThrottleProvider;
  /** `SYNCFRAME_API_TOKEN`: at least 16 characters. Never logged, never sent back. */
  readonly apiToken: string;
  /**
   * `SYNCFRAME_METRICS_TOKEN`: an optional second bearer token, for Prometheus, that opens
   * `GET /metrics` and nothing else. At least 16 characters, and not the API token. Never logged.
   */
  readonly metricsToken?: string;
  readonly logger: Logger;
  /** @defaultValue the system clock */
  readonly clock?: Clock;
  /** Tuning of `/metrics`. */
  readonly metrics?: BoardMetricsOptions;
  /** Lifetime of a login session. @defaultValue 12 hours */
  readonly sessionTtlMs?: number;
}

/** Options of the run-derived metrics. */
export interface BoardMetricsOptions {
  /**
   * How far before the newest counted run each scrape looks again, for runs recorded late (a long
   * run is recorded when it ends, with its start time). A run longer than this that ends after a
   * newer run was counted is missed. @defaultValue 1 hour
   */
  readonly lookbackMs?: number;
}

/** Shortest accepted API token: shorter ones are guessable. */
export const MIN_API_TOKEN_LENGTH = 16;
