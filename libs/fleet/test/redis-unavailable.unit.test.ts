import { describe, expect, it } from 'vitest';
import { isRedisUnavailableError, openRedis, RedisUnavailableError } from '@syncframe/fleet';

describe('isRedisUnavailableError', () => {
  it("knows ours and ioredis's own fail-fast errors, and nothing else", () => {
    const maxRetries = new Error('Reached the max retries per request limit (which is 3).');
    maxRetries.name = 'MaxRetriesPerRequestError';
    expect(isRedisUnavailableError(new RedisUnavailableError('cannot connect to Redis at h:6379'))).toBe(true);
    expect(isRedisUnavailableError(maxRetries)).toBe(true);
    expect(isRedisUnavailableError(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(true);
    expect(isRedisUnavailableError(new Error('connect ECONNREFUSED 127.0.0.1:1'))).toBe(true);
    expect(isRedisUnavailableError(new Error('job not found'))).toBe(false);
    expect(isRedisUnavailableError('ECONNREFUSED')).toBe(false);
  });

  it('openRedis throws a RedisUnavailableError that names host and port, never the password', async () => {
    const err = await openRedis('redis://user:hunter2secret@127.0.0.1:1', 'producer').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisUnavailableError);
    expect((err as Error).message).toMatch(/^cannot connect to Redis at 127\.0\.0\.1:1/);
    expect((err as Error).message).not.toContain('hunter2secret');
  });
});
