import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiUrlOption, hardDeleteOption, timeoutSecOption, withWiring } from '@syncframe/adapter-kit';

describe('option schemas a plug-in builds with the host\'s zod', () => {
  const side = z.strictObject({ api_url: apiUrlOption(z), timeout_sec: timeoutSecOption(z), hard_delete: hardDeleteOption(z) });

  it('api_url: an http(s) URL without a user or password; optional', () => {
    expect(side.parse({})).toEqual({ hard_delete: false });
    expect(side.safeParse({ api_url: 'https://proxy.example' }).success).toBe(true);
    expect(side.safeParse({ api_url: 'ftp://proxy.example' }).error?.issues[0]?.message).toBe('must be an http(s) URL');
    expect(side.safeParse({ api_url: 'https://u:secret@proxy.example' }).error?.issues[0]?.message).toMatch(/^must not hold a user or password/);
  });

  it('timeout_sec: positive, at most 600', () => {
    expect(side.safeParse({ timeout_sec: 0 }).success).toBe(false);
    expect(side.safeParse({ timeout_sec: 601 }).success).toBe(false);
    expect(side.safeParse({ timeout_sec: 2.5 }).success).toBe(true);
  });
});

describe('withWiring', () => {
  it('turns the side\'s timeout_sec into timeoutMs, which wins over the worker\'s default', () => {
    expect(withWiring({ table: 't', timeout_sec: 2 }, { jobId: 'j', timeoutMs: 30_000 })).toEqual({ table: 't', jobId: 'j', timeoutMs: 2000 });
  });

  it('keeps the worker\'s timeout when the side sets none', () => {
    expect(withWiring({ table: 't' }, { jobId: 'j', timeoutMs: 30_000 })).toEqual({ table: 't', jobId: 'j', timeoutMs: 30_000 });
  });
});
