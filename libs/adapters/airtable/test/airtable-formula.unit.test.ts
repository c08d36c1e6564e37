import { describe, expect, it } from 'vitest';
import { PermanentError } from '@syncframe/engine';
import { chunkValuesForUrl, equalsAnyFormula, fieldRef, modifiedSinceFormula, quoteString } from '../src/airtable-formula.js';
import { OverlapCursorTracker as CursorTracker, encodeOverlapCursor as encodeCursor } from '@syncframe/adapter-kit';
import { decodeCursor, settleCap } from '../src/airtable-cursor.js';
import { evaluateAirtableFormula as evaluate, parseAirtableFormula as parseFormula } from '@syncframe/fakes';

describe('Airtable formula builders', () => {
  it('escapes quotes, backslashes and closing braces, and the fake parses them back', () => {
    expect(quoteString(`it's a \\ "test"`)).toBe(`'it\\'s a \\\\ "test"'`);
    expect(fieldRef('a}b')).toBe('{a\\}b}');
    const formula = equalsAnyFormula('a}b', [`it's`, 'x']);
    expect(formula).toBe(`OR({a\\}b}='it\\'s',{a\\}b}='x')`);
    const rec = (v: string) => ({ id: 'r', createdTime: '', lastModifiedTime: '', field: (n: string) => (n === 'a}b' ? v : null) });
    expect(evaluate(parseFormula(formula), rec(`it's`))).toBe(true);
    expect(evaluate(parseFormula(formula), rec('y'))).toBe(false);
  });

  it('asks for "after one second before" the cursor', () => {
    expect(modifiedSinceFormula('2026-01-01T00:00:10.000Z', undefined)).toBe("IS_AFTER(LAST_MODIFIED_TIME(), '2026-01-01T00:00:09.000Z')");
    expect(modifiedSinceFormula('2026-01-01T00:00:10.000Z', 'Mod')).toBe("IS_AFTER({Mod}, '2026-01-01T00:00:09.000Z')");
  });

  it('chunks values under the encoded budget', () => {
    const chunks = chunkValuesForUrl('Key', Array.from({ length: 500 }, (_, i) => `v${i}`), 1_000);
    expect(chunks.flat()).toHaveLength(500);
    for (const c of chunks) expect(encodeURIComponent(equalsAnyFormula('Key', c)).length).toBeLessThanOrEqual(1_000);
  });
});

describe('Airtable cursor', () => {
  it('round-trips, refuses garbage with a PermanentError, and starts from null', () => {
    const state = { t: '2026-01-01T00:00:00.000Z', seen: { recA: 'h' } };
    expect(decodeCursor(encodeCursor(state))).toEqual(state);
    expect(decodeCursor({ value: null })).toEqual({ t: null, seen: {} });
    expect(() => decodeCursor({ value: 'nope' })).toThrow(PermanentError);
  });

  it('moves only up to the cap and collects the ids seen at its time', () => {
    const tracker = new CursorTracker({ t: null, seen: {} });
    const cap = Date.parse('2026-01-01T00:00:05.000Z');
    tracker.observe('a', '2026-01-01T00:00:04.000Z', 'ha', cap);
    tracker.observe('b', '2026-01-01T00:00:04.000Z', 'hb', cap);
    tracker.observe('c', '2026-01-01T00:00:09.000Z', 'hc', cap); // newer than the cap: ignored
    expect(tracker.state()).toEqual({ t: '2026-01-01T00:00:04.000Z', seen: { a: 'ha', b: 'hb' } });
    expect(settleCap('Thu, 01 Jan 2026 00:00:10 GMT', 0, 300)).toBe(Date.parse('2026-01-01T00:00:08.000Z'));
  });
});
