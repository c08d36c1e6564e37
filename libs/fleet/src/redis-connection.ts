import { Redis } from 'ioredis';
import { RedisUnavailableError } from './errors/redis-unavailable-error.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * An ioredis connection. Workers block on Redis and must wait through blips
 * (`maxRetriesPerRequest: null`); producers (CLI, board, tick handler) fail fast instead of
 * queueing commands while Redis is down.
 */
export function createRedis(url: string = DEFAULT_REDIS_URL, role: 'worker' | 'producer' = 'producer'): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 3,
    enableOfflineQueue: role === 'worker',
    lazyConnect: true,
    connectionName: `syncframe-${role}`,
  });
}

/**
 * A connection that is ready to use (a producer refuses commands until then), or an error naming
 * host and port, never the password.
 */
export async function openRedis(url: string = DEFAULT_REDIS_URL, role: 'worker' | 'producer' = 'producer'): Promise<Redis> {
  const redis = createRedis(url, role);
  // Without a listener, a failed connect is also printed as an unhandled 'error' event.
  const onError = () => undefined;
  redis.on('error', onError);
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new RedisUnavailableError(`cannot connect to Redis at ${describeRedisUrl(url)}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    redis.off('error', onError);
  }
  return redis;
}

/** host:port/db of a Redis URL, for messages: never its password. */
export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
  } catch {
    return '(unparsable REDIS_URL)';
  }
}
