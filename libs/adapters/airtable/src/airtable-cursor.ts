import { createHash } from 'node:crypto';
import { PermanentError, canonicalJson } from '@syncframe/engine';
import type { Cursor, SyncRecord } from '@syncframe/engine';

/**
 * What an Airtable cursor value holds (as JSON): the last-modified time `t` up to which every
 * change was pulled, and the records already pulled *at* `t` with a hash of their content.
 * Airtable's timestamps have whole-second precision, so more changes can still land in second `t`:
 * the next pull filters from `t` inclusive (an overlap) and drops only the records whose id and
 * content both match `seen`, so a record edited twice within one second is never skipped.
 */
export interface AirtableCursorState {
  /** ISO time, or null for "from the beginning". */
  readonly t: string | null;
  /** Record id → content key, for records pulled with last-modified exactly `t`. */
  readonly seen: Readonly<Record<string, string>>;
}

export function decodeCursor(cursor: Cursor): AirtableCursorState {
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
  throw new PermanentError(`invalid Airtable cursor ${JSON.stringify(cursor.value.slice(0, 80))}: reset the job's cursor`);
}

export function encodeCursor(state: AirtableCursorState): Cursor {
  return { value: JSON.stringify({ t: state.t, seen: state.seen }) };
}

/** A short hash of what the engine would see of a record, to tell a repeat from a new change. */
export function contentKey(record: Pick<SyncRecord, 'fields' | 'deleted'>): string {
  return createHash('sha256').update(canonicalJson({ f: record.fields, d: record.deleted })).digest('base64url').slice(0, 16);
}

/**
 * Follows a pull and says which cursor is safe after each page.
 *
 * `cap` bounds the cursor: records modified at or before `cap` are known to be in the listing's
 * snapshot with their final values, so a record edited while the listing runs (which Airtable
 * returns in its old position with its new time) can never drag the cursor past a change that a
 * later page, or the next pull, still has to deliver. Records newer than `cap` are delivered but
 * do not move the cursor; the next pull repeats them (the engine drops repeats by content).
 */
export class CursorTracker {
  private t: number | null;
  private seen: Map<string, string>;

  constructor(private readonly start: AirtableCursorState) {
    this.t = start.t === null ? null : Date.parse(start.t);
    this.seen = new Map(Object.entries(start.seen));
  }

  /** True when the record, at this time and with this content, was already pulled. */
  isRepeat(id: string, modifiedAt: string, key: string): boolean {
    return this.start.t !== null && Date.parse(modifiedAt) === Date.parse(this.start.t) && this.start.seen[id] === key;
  }

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

  state(): AirtableCursorState {
    return { t: this.t === null ? null : new Date(this.t).toISOString(), seen: Object.fromEntries(this.seen) };
  }

  cursor(): Cursor {
    return encodeCursor(this.state());
  }
}

/**
 * The latest time the cursor may reach after a listing whose first response carried `dateHeader`
 * (the server's clock, whole seconds) and took `durationMs`: anything modified after the snapshot
 * has a later time. Without a Date header, the local send time less a minute of allowed skew.
 */
export function settleCap(dateHeader: string | null, sentAt: number, durationMs: number): number {
  const serverTime = dateHeader ? Date.parse(dateHeader) : NaN;
  if (Number.isFinite(serverTime)) return serverTime - Math.ceil(durationMs / 1000) * 1000 - 1000;
  return sentAt - 60_000;
}
