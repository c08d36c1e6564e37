import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BUILTIN_ADAPTER_PLUGINS } from '@syncframe/builtin-adapters';
import { loadConfig } from '@syncframe/config';
import { ConfigError, createLogger } from '@syncframe/engine';
import type { Logger } from '@syncframe/engine';
import type { LoadedConfig } from '@syncframe/config';
import {
  closeFleetQueues, createConfigReloader, createRedis, DEFAULT_REDIS_URL, describeRedisUrl, fleetSettingsFromEnv, openFleetQueues,
  RedisThrottleProvider, RedisUnavailableError,
} from '@syncframe/fleet';
import { openLinkIndex } from '@syncframe/linkindex';
import { apiTokenProblem, createBoardApp, metricsTokenProblem } from './board-app.js';

/** Options of {@link startBoard}. */
export interface StartBoardOptions {
  /** The JSONC config file (jobs, linkindex). */
  readonly configPath: string;
  /**
   * Where `SYNCFRAME_API_TOKEN`, `SYNCFRAME_METRICS_TOKEN`, `REDIS_URL`, `PORT`, `HOST`,
   * `SYNCFRAME_QUEUE_PREFIX`, `SYNCFRAME_TRUST_PROXY` and the config's `${VAR}`s come from.
   * @defaultValue process.env
   */
  readonly env?: NodeJS.ProcessEnv;
  /** Reload the config when its file (or its `.env`) changes; it is always reloaded on SIGHUP. @defaultValue true */
  readonly watchConfig?: boolean;
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
  /**
   * Re-reads the config file now (as SIGHUP and a change of the file do): true when the new config
   * is in use, false when it had errors (logged; the previous config stays).
   */
  reload(): Promise<boolean>;
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

/** What identifies the LinkIndex a config names (compared, never logged: `conn` may hold a password). */
function linkIndexKey(config: LoadedConfig): string {
  const { driver, conn, schema } = config.linkindex;
  return JSON.stringify([driver, conn ?? null, schema ?? null]);
}

/**
 * Starts the board from a config file and the environment: loads the config, opens the LinkIndex
 * it names (any driver; `memory` gives an empty, private one), connects Redis (`REDIS_URL`,
 * default redis://127.0.0.1:6379) with the fleet's queue prefix, and listens.
 *
 * The config is reloaded on SIGHUP and when the file or its `.env` changes, like the scheduler's
 * and the workers' (`createConfigReloader`): jobs, sides, schedules and credentials take effect
 * on the next request; a config with errors is logged and the previous one kept. The LinkIndex
 * opened at start stays (a changed `linkindex` needs a restart, and is logged as such).
 *
 * @throws ConfigError when `SYNCFRAME_API_TOKEN` is unset or shorter than 16 characters (the
 * board never runs unauthenticated), when `SYNCFRAME_METRICS_TOKEN` is set but unfit, or for a bad `PORT`; ConfigFileError for a bad config file;
 * an Error naming host and port when Redis cannot be reached.
 */
export async function startBoard(options: StartBoardOptions): Promise<RunningBoard> {
  const env = options.env ?? process.env;
  const apiToken = env['SYNCFRAME_API_TOKEN'];
  const tokenProblem = apiTokenProblem(apiToken);
  if (tokenProblem || apiToken === undefined) throw new ConfigError(tokenProblem ?? 'SYNCFRAME_API_TOKEN is not set');
  // Empty counts as unset, as for HOST and PORT.
  const metricsToken = env['SYNCFRAME_METRICS_TOKEN'] || undefined;
  const metricsProblem = metricsTokenProblem(metricsToken, apiToken);
  if (metricsProblem) throw new ConfigError(metricsProblem);
  const port = portOf(options.port, env['PORT']);
  const host = options.host ?? (env['HOST'] || undefined);
  const settings = fleetSettingsFromEnv(env);
  const logger = options.logger ?? createLogger({ level: env.LOG_LEVEL || 'info', base: { service: 'syncframe-board' } });
  const config = await loadConfig(options.configPath, { env, adapters: BUILTIN_ADAPTER_PLUGINS });

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
      throw new RedisUnavailableError(`cannot connect to Redis at ${describeRedisUrl(redisUrl)}: ${err instanceof Error ? err.message : String(err)}`);
    }
    cleanups.push(() => redis.quit());

    const prefix = settings.queuePrefix;
    const queues = openFleetQueues(redis, prefix);
    cleanups.push(() => closeFleetQueues(queues));

    const reloader = createConfigReloader<boolean>(config, {
      configPath: options.configPath, env, logger, processName: 'board', requireFleetStore: false,
      onReload: async (next: LoadedConfig) => {
        if (linkIndexKey(next) !== linkIndexKey(config)) {
          logger.warn({}, 'the config\'s linkindex changed: the board keeps the LinkIndex it opened until it is restarted');
        }
        return true;
      },
      ...(options.watchConfig === false ? { watch: false } : {}),
    });
    const onHup = () => void reloader.reload();
    process.on('SIGHUP', onHup);
    cleanups.push(async () => {
      process.off('SIGHUP', onHup);
      reloader.close();
    });

    const app = createBoardApp({
      config: reloader.current,
      store: linkIndex,
      queues,
      redis,
      throttles: new RedisThrottleProvider(redis, { prefix: `${prefix}:rl` }),
      apiToken,
      ...(metricsToken !== undefined ? { metricsToken } : {}),
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
      reload: async () => (await reloader.reload()) === true,
      close: () => (closing ??= cleanup().then(() => logger.info({}, 'board stopped'))),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
