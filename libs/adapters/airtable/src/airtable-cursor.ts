import { decodeOverlapCursor, settleCapBehind } from '@syncframe/adapter-kit';
import type { OverlapCursorState } from '@syncframe/adapter-kit';
import type { Cursor } from '@syncframe/engine';

/**
 * What an Airtable cursor value holds: an overlap cursor (see `OverlapCursorState` in
 * `@syncframe/adapter-kit`) whose `t` is a last-modified time. Airtable's timestamps have
 * whole-second precision, so more changes can still land in second `t`: the next pull filters
 * from `t` inclusive and drops only the records whose id and content both match `seen`, so a
 * record edited twice within one second is never skipped.
 */
export type AirtableCursorState = OverlapCursorState;

/** Reads an Airtable pull cursor; a null value is the start. Throws a PermanentError for garbage. */
export function decodeCursor(cursor: Cursor): AirtableCursorState {
  return decodeOverlapCursor(cursor, 'Airtable');
}

/**
 * The latest time the cursor may reach after a listing whose first response carried `dateHeader`
 * (the server's clock, whole seconds) and took `durationMs`: anything modified after the snapshot
 * has a later time. Without a Date header, the local send time less a minute of allowed skew.
 *
 * Records modified at or before the cap are known to be in the listing's snapshot with their
 * final values, so a record edited while the listing runs (which Airtable returns in its old
 * position with its new time) can never drag the cursor past a change that a later page, or the
 * next pull, still has to deliver.
 */
export function settleCap(dateHeader: string | null, sentAt: number, durationMs: number): number {
  return settleCapBehind(dateHeader, sentAt, Math.ceil(durationMs / 1000) * 1000 + 1000);
}
