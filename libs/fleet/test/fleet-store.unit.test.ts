import { describe, expect, it } from 'vitest';
import type { LoadedConfig } from '@syncframe/config';
import { ConfigError } from '@syncframe/engine';
import { assertFleetStore } from '@syncframe/fleet';

const configWith = (linkindex: LoadedConfig['linkindex']): LoadedConfig => ({ file: '/etc/syncframe.jsonc', linkindex } as LoadedConfig);

describe('assertFleetStore (the fleet needs PostgreSQL)', () => {
  it('accepts postgres', () => {
    expect(() => assertFleetStore(configWith({ driver: 'postgres', conn: 'postgres://db/syncframe' }), 'worker')).not.toThrow();
  });

  it.each([
    ['pglite', 'an embedded PGlite folder belongs to a single process'],
    ['sqlite', 'an embedded SQLite file belongs to a single process'],
    ['memory', 'an embedded in-memory store belongs to a single process'],
  ] as const)('refuses %s with the same message, naming the store', (driver, what) => {
    const attempt = () => assertFleetStore(configWith({ driver, conn: '/srv/x' }), 'scheduler');
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(`/etc/syncframe.jsonc: the scheduler needs linkindex.driver "postgres" (got "${driver}")`);
    expect(attempt).toThrow(what);
  });
});
