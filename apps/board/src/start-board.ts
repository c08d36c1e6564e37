import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { loadConfig } from '@syncframe/config';
import { ConfigError, createLogger } from '@syncframe/engine';
import type { Logger } from '@syncframe/engine';
import { createRedis, DEFAULT_REDIS_URL, describeRedisUrl, fleetSettingsFromEnv, QUEUES, RedisThrottleProvider } from '@syncframe/fleet';
import { openLinkIndex } from '@syncframe/linkindex';
import { apiTokenProblem, createBoardApp } from './board-app.js';

/** Options of {@link startBoard}. */
export interface StartBoardOptions {
  /** The JSONC config file (jobs, linkindex). */
  readonly configPath: string;
  /**
   * Where `SYNCFRAME_API_TOKEN`, `REDIS_URL`, `PORT`, `HOST`, `SYNCFRAME_QUEUE_PREFIX`,
   * `SYNCFRAME_TRUST_PROXY` and the config's `${VAR}`s come from. @defaultValue process.env
   */
  readonly env?: NodeJS.ProcessEnv;
  /** @defaultValue `PORT`, else 3000; 0 picks a free port */
  readonly port?: number;
  /** Interface to bind. @defaultValue `HOST`, else every interface */
  readonly host?: string;
  /** @defaultValue pino JSON on stdout (the engine's `createLogger`, with its redaction list) */
  readonly logger?: Logger;
}

/** A listening board. */
export interface RunningBoard {
  /** Where it listens, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /** Stops listening and closes Redis and the LinkIndex. Idempotent. */
  close(): Promise<void>;
}

/** @defaultValue 3000 */
export const DEFAULT_BOARD_PORT = 3000;
function portOf(option: number | undefined, env: string | undefined): number {
  const raw = option ?? (env === undefined || env === '' ? DEFAULT_BOARD_PORT : Number(env));
  if (!Number.isInteger(raw) || raw < 0 || raw > 65535) throw new ConfigError(`PORT must be an integer from 0 to 65535 (got "${String(option ?? env)}")`);
  return raw;
}

/** Express's `trust proxy` from `SYNCFRAME_TRUST_PROXY`: `true`, a hop count, or addresses/subnets. */
function trustProxyOf(raw: string | undefined): boolean | number | string | undefined {
  if (raw === undefined || raw === '' || raw === 'false') return undefined;
  if (raw === 'true') return true;
  return /^\d+$/.test(raw) ? Number(raw) : raw;
}

/**
 * Starts the board from a config file and the environment: loads the config, opens the LinkIndex
 * it names (any driver; `memory` gives an empty, private one), connects Redis (`REDIS_URL`,
 * default redis://127.0.0.1:6379) with the fleet's queue prefix, and listens.
 *
 * @throws ConfigError when `SYNCFRAME_API_TOKEN` is unset or shorter than 16 characters (the
 * board never runs unauthenticated) or for a bad `PORT`; ConfigFileError for a bad config file;
 * an Error naming host and port when Redis cannot be reached.
 */
export async function startBoard(options: StartBoardOptions): Promise<RunningBoard> {
  const env = options.env ?? process.env;
  const apiToken = env['SYNCFRAME_API_TOKEN'];
  const tokenProblem = apiTokenProblem(apiToken);
  if (tokenProblem || apiToken === undefined) throw new ConfigError(tokenProblem ?? 'SYNCFRAME_API_TOKEN is not set');
  const port = portOf(options.port, env['PORT']);
  const host = options.host ?? (env['HOST'] || undefined);
  const settings = fleetSettingsFromEnv(env);
  const logger = options.logger ?? createLogger({ base: { service: 'syncframe-board' } });
  const config = await loadConfig(options.configPath, { env });

  // Closed in reverse order on failure and on close().
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    while (cleanups.length > 0) await cleanups.pop()!().catch(() => {});
  };
  try {
    const { linkIndex, driver } = await openLinkIndex(config.linkindex, { logger, applicationName: 'syncframe-board' });
    cleanups.push(() => linkIndex.close());
    if (driver === 'memory') logger.warn({}, 'the config\'s linkindex is "memory": the board sees an empty LinkIndex of its own, not the workers\'');

    const redisUrl = env['REDIS_URL'] || DEFAULT_REDIS_URL;
    const redis = createRedis(redisUrl, 'producer');
    // A listener before connecting: without one, ioredis prints every connection error to stderr.
    // After start, /healthz reports them.
    redis.on('error', () => {});
    try {
      await redis.connect();
    } catch (err) {
      redis.disconnect();
      // Host and port only: REDIS_URL may carry a password.
      throw new Error(`cannot connect to Redis at ${describeRedisUrl(redisUrl)}: ${err instanceof Error ? err.message : String(err)}`);
    }
    cleanups.push(() => redis.quit());

    const prefix = settings.queuePrefix;
    const queues = {
      runs: new Queue(QUEUES.runs, { connection: redis, prefix }),
      ticks: new Queue(QUEUES.ticks, { connection: redis, prefix }),
    };
    cleanups.push(() => queues.runs.close(), () => queues.ticks.close());

    const app = createBoardApp({
      config: () => config,
      store: linkIndex,
      queues,
      redis,
      throttles: new RedisThrottleProvider(redis, { prefix: `${prefix}:rl` }),
      apiToken,
      logger,
    });
    const trustProxy = trustProxyOf(env['SYNCFRAME_TRUST_PROXY']);
    // Behind a TLS-terminating proxy: req.secure (hence the cookies' Secure flag) and req.ip follow X-Forwarded-*.
    if (trustProxy !== undefined) app.set('trust proxy', trustProxy);
    const server: Server = host === undefined ? app.listen(port) : app.listen(port, host);
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(err))]);
    cleanups.push(() => new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Bull Board's UI polls with keep-alive: without this, close waits for idle sockets to time out.
      server.closeAllConnections();
    }));

    const address = server.address() as AddressInfo;
    const shownHost = host === undefined || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    const url = `http://${shownHost}:${address.port}`;
    logger.info({ url, jobs: config.jobs.length, linkindex: driver, redis: describeRedisUrl(redisUrl), queuePrefix: prefix }, 'board listening');

    let closing: Promise<void> | null = null;
    return {
      url,
      close: () => (closing ??= cleanup().then(() => logger.info({}, 'board stopped'))),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
