import { AsyncLocalStorage } from 'node:async_hooks';
import diagnosticsChannel from 'node:diagnostics_channel';

/**
 * Tells a caller the moment its HTTP request's headers are handed to the socket, for requests made
 * with Node's built-in `fetch` (undici). undici publishes `undici:request:create` while the
 * caller's fetch dispatches (so the caller's async context is current) and, on HTTP/1,
 * `undici:client:sendHeaders` synchronously just before it writes the headers. The first ties the
 * request object to the caller's callback, the second calls it.
 *
 * This is when a rate limiter may start counting a request: before it, event-loop stalls, the
 * connection pool and TCP/TLS set-up can hold the request back for any time.
 */
const current = new AsyncLocalStorage<() => void>();
const byRequest = new WeakMap<object, () => void>();
let subscribed = false;

function subscribe(): void {
  if (subscribed) return;
  subscribed = true;
  diagnosticsChannel.subscribe('undici:request:create', (message) => {
    const onWire = current.getStore();
    const request = (message as { request?: object }).request;
    if (onWire && request) byRequest.set(request, onWire);
  });
  diagnosticsChannel.subscribe('undici:client:sendHeaders', (message) => {
    const request = (message as { request?: object }).request;
    const onWire = request ? byRequest.get(request) : undefined;
    if (!onWire) return;
    byRequest.delete(request!);
    onWire();
  });
}

/**
 * Runs `send` (which makes one request with the built-in fetch) so that `onWire` is called when
 * the request's headers are written to the socket. `onWire` is not called when the request never
 * got that far (aborted first, connection refused, DNS failure).
 */
export function withWireTime<T>(onWire: () => void, send: () => Promise<T>): Promise<T> {
  subscribe();
  return current.run(onWire, send);
}
