import { decodeOverlapCursor, settleCapBehind } from '@syncframe/adapter-kit';
import type { OverlapCursorState } from '@syncframe/adapter-kit';
import type { Cursor } from '@syncframe/engine';

/**
 * What a Webflow cursor value holds: an overlap cursor (see `OverlapCursorState` in
 * `@syncframe/adapter-kit`) whose `t` is a `lastUpdated` time. The next pull asks for
 * `lastUpdated[gte]=t` (an inclusive overlap) and drops only the items whose id and content both
 * match `seen`: items sharing one millisecond (bulk writes) are never skipped.
 */
export type WebflowCursorState = OverlapCursorState;

/** Reads a Webflow pull cursor; a null value is the start. Throws a PermanentError for garbage. */
export function decodeCursor(cursor: Cursor): WebflowCursorState {
  return decodeOverlapCursor(cursor, 'Webflow');
}

/** How far behind the server's clock the cursor stays (Date has whole seconds; writes take time to show). */
export const SETTLE_MS = 2_000;

/**
 * The latest time the cursor may reach after a response with this Date header (the server's
 * clock): a write that took its `lastUpdated` just before our read but became visible just after
 * it must still be ahead of the cursor. Without a Date header, the local send time less a minute
 * of allowed skew.
 */
export function settleCap(dateHeader: string | null, sentAt: number): number {
  return settleCapBehind(dateHeader, sentAt, SETTLE_MS);
}
