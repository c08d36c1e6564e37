import { describe, expect, it } from 'vitest';
import { ConfigError } from '@syncframe/engine';
import { connectPglite } from '@syncframe/linkindex';

describe('connectPglite', () => {
  it('refuses a URL scheme it cannot store in, before creating anything', async () => {
    await expect(connectPglite('idb://syncframe', 'public')).rejects.toBeInstanceOf(ConfigError);
    await expect(connectPglite('postgres://db/x', 'public')).rejects.toThrow(/not postgres:\/\//);
  });
});
