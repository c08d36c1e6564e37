import { describe, expect, it } from 'vitest';
import { PermanentError } from '@syncframe/engine';
import {
  OverlapCursorTracker, contentKey, decodeOverlapCursor, encodeOverlapCursor, settleCapBehind,
} from '../src/index.js';

const T4 = '2026-01-01T00:00:04.000Z';
const T5 = '2026-01-01T00:00:05.000Z';
const T9 = '2026-01-01T00:00:09.000Z';

describe('overlap cursor encoding', () => {
  it('round-trips, starts from null, and refuses garbage with a PermanentError naming the remote', () => {
    const state = { t: T4, seen: { recA: 'h' } };
    expect(decodeOverlapCursor(encodeOverlapCursor(state), 'Remote')).toEqual(state);
    expect(decodeOverlapCursor({ value: null }, 'Remote')).toEqual({ t: null, seen: {} });
    expect(decodeOverlapCursor(encodeOverlapCursor({ t: null, seen: {} }), 'Remote')).toEqual({ t: null, seen: {} });
    for (const value of ['nope', '{"t":"yesterday","seen":{}}', '{"t":null}', '[]']) {
      expect(() => decodeOverlapCursor({ value }, 'Remote')).toThrow(PermanentError);
    }
    expect(() => decodeOverlapCursor({ value: 'nope' }, 'Remote')).toThrow(/invalid Remote cursor "nope": reset the job's cursor/);
  });

  it('keys content by fields and the deleted flag, not by key order', () => {
    const a = contentKey({ fields: { x: 1, y: 'b' }, deleted: false });
    expect(contentKey({ fields: { y: 'b', x: 1 }, deleted: false })).toBe(a);
    expect(contentKey({ fields: { x: 1, y: 'b' }, deleted: true })).not.toBe(a);
    expect(contentKey({ fields: { x: 2, y: 'b' }, deleted: false })).not.toBe(a);
    expect(a).toMatch(/^[\w-]{16}$/);
  });
});

describe('OverlapCursorTracker', () => {
  it('moves only up to the cap and collects the ids seen at its time', () => {
    const tracker = new OverlapCursorTracker({ t: null, seen: {} });
    const cap = Date.parse(T5);
    tracker.observe('a', T4, 'ha', cap);
    tracker.observe('b', T4, 'hb', cap);
    tracker.observe('c', T9, 'hc', cap); // newer than the cap: ignored
    tracker.observe('d', 'not a time', 'hd', cap); // unparsable: ignored
    expect(tracker.state()).toEqual({ t: T4, seen: { a: 'ha', b: 'hb' } });
    expect(decodeOverlapCursor(tracker.cursor(), 'Remote')).toEqual(tracker.state());
  });

  it('restarts seen when time moves on, and ignores older times', () => {
    const tracker = new OverlapCursorTracker({ t: T4, seen: { a: 'ha' } });
    tracker.observe('z', '2026-01-01T00:00:03.000Z', 'hz', Infinity);
    expect(tracker.state()).toEqual({ t: T4, seen: { a: 'ha' } });
    tracker.observe('b', T5, 'hb', Infinity);
    expect(tracker.state()).toEqual({ t: T5, seen: { b: 'hb' } });
  });

  it('tells a true repeat (same id, time and content as the start) from a new change at the same time', () => {
    const tracker = new OverlapCursorTracker({ t: T4, seen: { a: 'ha' } });
    expect(tracker.isRepeat('a', T4, 'ha')).toBe(true);
    expect(tracker.isRepeat('a', '2026-01-01T00:00:04Z', 'ha')).toBe(true); // same instant, other spelling
    expect(tracker.isRepeat('a', T4, 'ha2')).toBe(false); // edited again within the same tick
    expect(tracker.isRepeat('b', T4, 'hb')).toBe(false);
    expect(tracker.isRepeat('a', T5, 'ha')).toBe(false);
    // Only the start counts: what this pull observes is not a repeat of itself.
    tracker.observe('b', T5, 'hb', Infinity);
    expect(tracker.isRepeat('b', T5, 'hb')).toBe(false);
    expect(new OverlapCursorTracker({ t: null, seen: {} }).isRepeat('a', T4, 'ha')).toBe(false);
  });

  it('advanceTo moves forward with an empty seen, never back', () => {
    const tracker = new OverlapCursorTracker({ t: T5, seen: { a: 'ha' } });
    tracker.advanceTo(Date.parse(T4));
    expect(tracker.state()).toEqual({ t: T5, seen: { a: 'ha' } });
    tracker.advanceTo(Date.parse(T9));
    expect(tracker.state()).toEqual({ t: T9, seen: {} });
  });
});

describe('settleCapBehind', () => {
  it('stays behind the server clock, or a minute behind the local send time without a Date header', () => {
    expect(settleCapBehind('Thu, 01 Jan 2026 00:00:10 GMT', 0, 2_000)).toBe(Date.parse('2026-01-01T00:00:08.000Z'));
    expect(settleCapBehind(null, 100_000, 2_000)).toBe(40_000);
    expect(settleCapBehind('garbage', 100_000, 2_000)).toBe(40_000);
  });
});
