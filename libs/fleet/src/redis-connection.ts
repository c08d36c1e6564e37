import { Redis } from 'ioredis';

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
    lazyConnect: false,
    connectionName: `syncframe-${role}`,
  });
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
