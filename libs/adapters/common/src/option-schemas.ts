import type { z as zod } from 'zod';
import type { AdapterWiringOptions } from './adapter-wiring.js';

/**
 * Option schemas an HTTP adapter's side usually has, for a plug-in's `options`, built with the
 * host's zod (`defineAdapter(({ z }) => …)`), so every adapter words them alike.
 */

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function hasNoUserinfo(value: string): boolean {
  try {
    const url = new URL(value);
    return url.username === '' && url.password === '';
  } catch {
    return true; // reported by isHttpUrl
  }
}

/** `api_url`: replaces the API origin (a proxy, a local fake); http(s), no user or password in it. */
export function apiUrlOption(z: typeof zod) {
  return z
    .string()
    .refine(isHttpUrl, 'must be an http(s) URL')
    .refine(hasNoUserinfo, 'must not hold a user or password (fetch refuses such URLs, and they would end up in messages)')
    .describe('Replaces the API origin, e.g. a proxy or a local fake in tests. Must be an http(s) URL. Default: the public API.')
    .optional();
}

/** `timeout_sec`: seconds one request may take (the worker's default, 30, when absent). */
export function timeoutSecOption(z: typeof zod) {
  return z
    .number()
    .positive()
    .max(600)
    .describe('Seconds one request may take before it counts as failed (and is retried, as a 5xx is). Default: 30.')
    .optional();
}

/** `hard_delete`: delete for real, or only flag or archive. */
export function hardDeleteOption(z: typeof zod) {
  return z
    .boolean()
    .default(false)
    .describe('true: delete records on this side for real; false: only flag or archive them. Default: false.');
}

/** A required non-empty string. */
export function nonEmptyOption(z: typeof zod) {
  return z.string().min(1, 'must not be empty');
}

/**
 * A side's validated options with its wiring, as one adapter options object: the side's
 * `timeout_sec` ({@link timeoutSecOption}) becomes `timeoutMs` and wins over the worker's default.
 */
export function withWiring<O extends object>(
  sideOptions: O & { readonly timeout_sec?: number }, wiring: AdapterWiringOptions,
): Omit<O, 'timeout_sec'> & AdapterWiringOptions {
  const { timeout_sec, ...options } = sideOptions;
  return { ...options, ...wiring, ...(timeout_sec === undefined ? {} : { timeoutMs: timeout_sec * 1000 }) };
}
