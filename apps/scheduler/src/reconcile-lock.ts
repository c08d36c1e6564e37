import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * Runs `fn` while holding a short Redis lock, so that replicas reconcile one after the other:
 * concurrent upserts of one BullMQ job scheduler have produced duplicates. Reconciliation is
 * idempotent, so waiting for the lock and then reconciling again converges.
 */
export async function withReconcileLock<T>(redis: Redis, key: string, fn: () => Promise<T>, ttlMs = 30_000): Promise<T> {
  const token = randomUUID();
  const deadline = Date.now() + ttlMs * 2;
  while ((await redis.set(key, token, 'PX', ttlMs, 'NX')) === null) {
    if (Date.now() > deadline) throw new Error(`could not take the scheduler lock ${key}`);
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
  }
  try {
    return await fn();
  } finally {
    await redis.eval(RELEASE_LUA, 1, key, token);
  }
}
