import { createHash } from 'node:crypto';
import { PermanentError, canonicalJson } from '@syncframe/engine';
import type { Cursor, SyncRecord } from '@syncframe/engine';

/**
 * What an overlap cursor value holds (as JSON `{ t, seen }`): the modification time `t` up to
 * which every change was pulled, and the records already pulled *at* `t` with a hash of their
 * content.
 *
 * A remote's timestamps have a limited precision (Airtable: whole seconds; Webflow: ms, shared by
 * a bulk write), so more changes can still land at time `t` after a pull. The next pull therefore
 * asks from `t` inclusive (an overlap) and drops only the records whose id *and* content both
 * match `seen`: a record edited twice within one tick is never skipped, and a true repeat is not
 * sent again.
 */
export interface OverlapCursorState {
  /** ISO time, or null for "from the beginning". */
  readonly t: string | null;
  /** Record id → content key ({@link contentKey}), for records pulled with last-modified exactly `t`. */
  readonly seen: Readonly<Record<string, string>>;
}

/**
 * Reads a cursor written by {@link encodeOverlapCursor}; a null value is the start.
 *
 * @param remote - The remote's name for the error message, e.g. `'Airtable'`.
 * @throws PermanentError when the value is not an overlap cursor (the job's cursor must be reset).
 */
export function decodeOverlapCursor(cursor: Cursor, remote: string): OverlapCursorState {
  if (cursor.value === null) return { t: null, seen: {} };
  try {
    const parsed = JSON.parse(cursor.value) as { t?: unknown; seen?: unknown };
    if ((parsed.t === null || (typeof parsed.t === 'string' && Number.isFinite(Date.parse(parsed.t)))) &&
      parsed.seen && typeof parsed.seen === 'object') {
      return { t: parsed.t, seen: parsed.seen as Record<string, string> };
    }
  } catch {
    // fall through
  }
  throw new PermanentError(`invalid ${remote} cursor ${JSON.stringify(cursor.value.slice(0, 80))}: reset the job's cursor`);
}

/** The cursor value of a state: JSON `{ t, seen }`. */
export function encodeOverlapCursor(state: OverlapCursorState): Cursor {
  return { value: JSON.stringify({ t: state.t, seen: state.seen }) };
}

/** A short hash of what the engine would see of a record, to tell a repeat from a new change. */
export function contentKey(record: Pick<SyncRecord, 'fields' | 'deleted'>): string {
  return createHash('sha256').update(canonicalJson({ f: record.fields, d: record.deleted })).digest('base64url').slice(0, 16);
}

/**
 * Follows one pull and says which cursor is safe after each page.
 *
 * Every `observe` takes a `cap`: the latest time the cursor may reach (see {@link settleCapBehind}).
 * Records newer than `cap` are delivered but do not move the cursor; the next pull repeats them,
 * and the engine drops repeats by content. The adapter decides what the cap protects against
 * (Airtable: the listing's snapshot; Webflow: writes that become visible late).
 */
export class OverlapCursorTracker {
  private t: number | null;
  private seen: Map<string, string>;

  /** @param start - The state the pull started from (its repeats are recognised by {@link isRepeat}). */
  constructor(private readonly start: OverlapCursorState) {
    this.t = start.t === null ? null : Date.parse(start.t);
    this.seen = new Map(Object.entries(start.seen));
  }

  /** True when the record, at this time and with this content, was already pulled (it is in the start's `seen`). */
  isRepeat(id: string, modifiedAt: string, key: string): boolean {
    return this.start.t !== null && Date.parse(modifiedAt) === Date.parse(this.start.t) && this.start.seen[id] === key;
  }

  /**
   * Notes a delivered record. A time later than the cursor's moves it there (and `seen` restarts
   * with this record); the cursor's own time adds the record to `seen`; an older time, an
   * unparsable one, or one after `cap` changes nothing.
   */
  observe(id: string, modifiedAt: string, key: string, cap: number): void {
    const at = Date.parse(modifiedAt);
    if (!Number.isFinite(at) || at > cap) return;
    if (this.t === null || at > this.t) {
      this.t = at;
      this.seen = new Map([[id, key]]);
    } else if (at === this.t) {
      this.seen.set(id, key);
    }
  }

  /** Moves the cursor to `at` when nothing newer is known (used when per-record times are unknown). */
  advanceTo(at: number): void {
    if (this.t === null || at > this.t) {
      this.t = at;
      this.seen = new Map();
    }
  }

  /** The state reached so far. */
  state(): OverlapCursorState {
    return { t: this.t === null ? null : new Date(this.t).toISOString(), seen: Object.fromEntries(this.seen) };
  }

  /** The state reached so far, as a cursor value. */
  cursor(): Cursor {
    return encodeOverlapCursor(this.state());
  }
}

/** How far back from the local send time a cap goes when the server sent no usable `Date`. */
export const UNKNOWN_SERVER_TIME_SKEW_MS = 60_000;

/**
 * A settle cap: the server's clock (the response's `Date` header) less `behindMs`. Without a
 * usable Date header, the local send time less a minute of allowed clock skew.
 *
 * @param dateHeader - The response's `Date` header (whole seconds), or null.
 * @param sentAt - When the request was sent, local clock (ms).
 * @param behindMs - How far behind the server's clock the cursor must stay.
 */
export function settleCapBehind(dateHeader: string | null, sentAt: number, behindMs: number): number {
  const serverTime = dateHeader ? Date.parse(dateHeader) : NaN;
  return Number.isFinite(serverTime) ? serverTime - behindMs : sentAt - UNKNOWN_SERVER_TIME_SKEW_MS;
}
