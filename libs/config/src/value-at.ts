import type { KeyPath } from './key-path.js';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The value at `path`, and whether it exists at all (a key given as `null` exists). */
export function valueAt(root: unknown, path: KeyPath): { found: boolean; value: unknown } {
  let current: unknown = root;
  for (const segment of path) {
    if (typeof segment === 'number' ? !Array.isArray(current) : !isPlainObject(current)) return { found: false, value: undefined };
    const container = current as Record<string | number, unknown>;
    if (!Object.prototype.hasOwnProperty.call(container, segment)) return { found: false, value: undefined };
    current = container[segment];
  }
  return { found: true, value: current };
}

/** `a string`, `an array`, `null`… for "got …" in messages: the kind of a value, never the value. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' && !Number.isInteger(value)) return 'a decimal number';
  return `a ${typeof value}`;
}
