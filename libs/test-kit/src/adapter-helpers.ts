import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import type { AdapterCallOptions, ChangePage, Cursor, Logger, SourceAdapter } from '@syncframe/engine';
import { countingThrottle } from './engine/counting-throttle.js';

/** A throttle that never waits and counts acquisitions (the engine's counting throttle). */
export const freeThrottle = countingThrottle;

/** Call options with a fresh {@link freeThrottle} and no signal. */
export function callOptions(): AdapterCallOptions {
  return { throttle: freeThrottle() };
}

/** A clock tests move by hand (pass it to a fake, which stamps records and `Date` with it). */
export interface ManualClock {
  /** The current time, ms. */
  t: number;
  now(): number;
  /** Jumps to an ISO time or a ms value. */
  set(isoOrMs: string | number): void;
  advance(ms: number): void;
}

/** A {@link ManualClock} that starts at `iso`. */
export function manualClock(iso = '2026-03-01T10:00:00.000Z'): ManualClock {
  const clock: ManualClock = {
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

/** Runs a whole pull from `cursor` and returns its pages. */
export async function pullAll(adapter: SourceAdapter, cursor: Cursor, options: AdapterCallOptions = callOptions()): Promise<ChangePage[]> {
  const pages: ChangePage[] = [];
  for await (const page of adapter.pull(cursor, options)) pages.push(page);
  return pages;
}

/** The error `promise` rejects with; throws when it resolves. */
export async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/**
 * The secret appears nowhere in the error: message, stack, cause (as JSON and as a string), or a
 * deep inspection. A failure names the place, not the secret.
 */
export function expectNoSecret(err: Error, secret: string): void {
  const places: [string, string][] = [
    ['message', err.message],
    ['stack', err.stack ?? ''],
    ['cause (JSON)', JSON.stringify(err.cause ?? null)],
    ['cause (string)', String(err.cause)],
    ['deep inspection', inspect(err, { depth: 10, showHidden: true })],
  ];
  for (const [place, text] of places) assert.ok(!text.includes(secret), `the secret appears in the error's ${place}`);
}

/** One call to a {@link memoryLogger}. */
export interface LoggedLine {
  readonly level: string;
  readonly obj: object;
  readonly msg?: string;
}

/** A pino-like logger that keeps what it is given in `lines`. */
export function memoryLogger(): Logger & { readonly lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const make = (bindings: object): Logger => {
    const at = (level: string) => (obj: object, msg?: string) => {
      lines.push({ level, obj: { ...bindings, ...obj }, ...(msg !== undefined ? { msg } : {}) });
    };
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (more) => make({ ...bindings, ...more }) };
  };
  return Object.assign(make({}), { lines });
}

/** What {@link rawApi} returns: the status, headers, and the body parsed as JSON (null when empty). */
export interface RawApiResponse {
  readonly status: number;
  readonly headers: Headers;
  /** Whatever the fake answered: tests read into it freely. */
  readonly body: any;
}

/**
 * Raw HTTP to a fake, for tests of the fake itself: `api(method, path, body?, token?)` sends
 * `body` as JSON with `Authorization: Bearer <token>` (`defaultToken` unless given; null sends none).
 *
 * @param baseUrl - Read on every call, so it may follow a fake that each test starts anew.
 */
export function rawApi(baseUrl: () => string, defaultToken: string) {
  return async (method: string, path: string, body?: unknown, token: string | null = defaultToken): Promise<RawApiResponse> => {
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };
}

/** A request whose body is held back: see {@link slowRequest}. */
export interface SlowRequest {
  readonly response: Promise<{ status: number; headers: IncomingHttpHeaders; body: any }>;
  /** Sends the rest of the body. */
  finish(): void;
}

/**
 * POSTs `body` as JSON to `url` with `Authorization: Bearer <token>`, sending the headers and half
 * the body now and the rest only when `finish` is called: for tests of when a fake counts a request.
 */
export function slowRequest(url: string, token: string, body: unknown): SlowRequest {
  const text = JSON.stringify(body);
  const req = request(url, {
    method: 'POST',
    agent: false,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) },
  });
  const response = new Promise<{ status: number; headers: IncomingHttpHeaders; body: any }>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const t = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: t ? JSON.parse(t) : null });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  const half = Math.floor(text.length / 2);
  req.write(text.slice(0, half));
  return { response, finish: () => req.end(text.slice(half)) };
}
