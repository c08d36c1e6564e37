import { inspect } from 'node:util';
import { expect } from 'vitest';
import type { AdapterCallOptions, ChangePage, Cursor, SourceAdapter, Throttle } from '@syncframe/engine';

/** A throttle that never waits and counts acquisitions. */
export function freeThrottle(): Throttle & { acquired: number } {
  const t = {
    acquired: 0,
    async acquire(signal?: AbortSignal) {
      signal?.throwIfAborted();
      t.acquired++;
    },
    async pause() {},
  };
  return t;
}

export function callOptions(): AdapterCallOptions {
  return { throttle: freeThrottle() };
}

/** A clock tests move by hand (the fake stamps records with it). */
export function manualClock(iso = '2026-03-01T10:00:00.000Z') {
  const clock = {
    t: Date.parse(iso),
    now: () => clock.t,
    set: (isoOrMs: string | number) => {
      clock.t = typeof isoOrMs === 'number' ? isoOrMs : Date.parse(isoOrMs);
    },
    advance: (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

export async function pullAll(adapter: SourceAdapter, cursor: Cursor, options: AdapterCallOptions = callOptions()): Promise<ChangePage[]> {
  const pages: ChangePage[] = [];
  for await (const page of adapter.pull(cursor, options)) pages.push(page);
  return pages;
}

export async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** The secret appears nowhere in the error: message, stack, cause, or a deep inspection. */
export function expectNoSecret(err: Error, secret: string): void {
  expect(err.message).not.toContain(secret);
  expect(err.stack ?? '').not.toContain(secret);
  expect(JSON.stringify(err.cause ?? null)).not.toContain(secret);
  expect(String(err.cause)).not.toContain(secret);
  expect(inspect(err, { depth: 10, showHidden: true })).not.toContain(secret);
}

/** A pino-like logger that keeps what it is given. */
export function memoryLogger() {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => {
    lines.push({ level, obj, ...(msg !== undefined ? { msg } : {}) });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
