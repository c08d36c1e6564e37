import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/content-hash.js';

/** How canonical JSON was first defined (a sorted copy, then JSON.stringify): links store hashes of it. */
function reference(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v && typeof v === 'object' && !(v instanceof Date)) {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[key];
        if (x !== undefined) out[key] = sortKeys(x);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(sortKeys(value));
}

const outcome = (f: () => string) => {
  try {
    return f();
  } catch {
    return 'threw';
  }
};

describe('canonicalJson (property)', () => {
  it('writes exactly the text of the original definition for any value: stored hashes stay valid', () => {
    fc.assert(fc.property(
      fc.anything({ withDate: true, withNullPrototype: true, withObjectString: true, withBoxedValues: true, withTypedArray: true, withSparseArray: true, withBigInt: true }),
      (value) => {
        expect(outcome(() => canonicalJson(value))).toBe(outcome(() => reference(value)));
      },
    ), { numRuns: 5000, seed: Number(process.env.FC_SEED ?? 20261205) });
  });

  it('sorts keys at every depth, index-like keys first as JavaScript orders them', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: undefined }], c: null }, 10: 'x', 9: 'y' })).toBe('{"9":"y","10":"x","a":{"c":null,"d":[1,{"z":1}]},"b":1}');
  });
});
