import { describe, expect, it } from 'vitest';
import { ConfigError } from '@syncframe/engine';
import { describeTarget, parseDsn, redact } from '@syncframe/linkindex';

describe('parseDsn', () => {
  it('splits a DSN into a target and the password kept apart', () => {
    const { target, password } = parseDsn('postgres://sync%40user:p%40ss%2Fw0rd@db.internal:6432/sync_frame?sslmode=require');
    expect(target).toEqual({ host: 'db.internal', port: 6432, database: 'sync_frame', user: 'sync@user' });
    expect(password).toBe('p@ss/w0rd');
    expect(describeTarget(target)).toBe('db.internal:6432/sync_frame');
  });

  it('fills in the defaults: port 5432, the user as database, a socket directory as host', () => {
    expect(parseDsn('postgresql://alice@localhost').target).toEqual({ host: 'localhost', port: 5432, database: 'alice', user: 'alice' });
    expect(parseDsn('postgres:///app?host=/var/run/postgresql&user=bob').target).toEqual({ host: '/var/run/postgresql', port: 5432, database: 'app', user: 'bob' });
  });

  it('refuses what is not a postgres URL, without echoing it', () => {
    for (const bad of ['host=db password=hunter2', 'mysql://u:hunter2@db/x', 'postgres://u:hunter2@db:port/x']) {
      let err: unknown;
      try {
        parseDsn(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect(String((err as Error).stack)).not.toContain('hunter2');
    }
  });
});

describe('redact', () => {
  it('removes the secret, raw and URL-encoded', () => {
    expect(redact('auth p@ss/1 failed (p%40ss%2F1)', 'p@ss/1')).toBe('auth [redacted] failed ([redacted])');
    expect(redact('nothing to hide', '')).toBe('nothing to hide');
  });
});
