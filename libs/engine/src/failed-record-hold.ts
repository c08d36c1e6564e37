import type { CycleItem } from './plan.js';

/**
 * How long a record that keeps failing holds its side's cursor. Within it, the record is retried on
 * every run (a reference not linked yet, a remote hiccup); past it, the cursor moves on, so one
 * broken record cannot make every run pull an ever-growing backlog again. It is still reported, and
 * it syncs again as soon as it is edited.
 */
export const FAILED_RECORD_HOLD_MS = 24 * 3600 * 1000;

/** Whether a failed record still holds its cursor: it was modified within the hold. */
export function holdsCursor(item: CycleItem, now: number): boolean {
  const modified = Date.parse(item.record.updatedAt);
  return !Number.isFinite(modified) || now - modified < FAILED_RECORD_HOLD_MS;
}

export const GIVEN_UP_NOTE = ' (not retried any more: last modified over 24 h ago; edit the record to retry)';
