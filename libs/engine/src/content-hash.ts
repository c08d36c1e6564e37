import { createHash } from 'node:crypto';
import type { MappedRecord } from './mapper.js';

/**
 * JSON with object keys sorted at every depth, so equal content always serialises the same.
 * Plain objects, arrays and primitives are written directly (no sorted copy is built: this runs
 * for every record a run maps); anything else (a Date, an object with `toJSON`) is serialised as
 * `JSON.stringify` of a copy with sorted keys. Either way the text is what `JSON.stringify` gives
 * for the sorted copy: hashes stored by earlier versions stay valid.
 */
export function canonicalJson(value: unknown): string {
  return writeValue(value) ?? (JSON.stringify(value) as string);
}

/** The JSON of `value`, or undefined where JSON.stringify omits it (undefined, a function, a symbol). */
function writeValue(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        const parts: string[] = [];
        for (let i = 0; i < value.length; i++) parts.push(writeValue(value[i]) ?? 'null'); // holes too
        return `[${parts.join(',')}]`;
      }
      if (isPlainObject(value)) {
        const parts: string[] = [];
        for (const key of sortedKeys(value)) {
          // Absent and undefined are the same content; null is kept (it clears a field).
          const v = writeValue((value as Record<string, unknown>)[key]);
          if (v !== undefined) parts.push(`${JSON.stringify(key)}:${v}`);
        }
        return `{${parts.join(',')}}`;
      }
      return JSON.stringify(sortKeys(value));
    case 'bigint':
      return JSON.stringify(value); // throws, as JSON.stringify does for any BigInt
    default:
      return undefined;
  }
}

/**
 * Keys in the order an object built from the sorted keys lists them (what the hash has always
 * used): array-index keys first, ascending as numbers (JavaScript orders them so), then the rest sorted.
 */
function sortedKeys(value: object): string[] {
  const keys = Object.keys(value);
  const index = keys.filter(isArrayIndex);
  if (index.length === 0) return keys.sort();
  // Object.keys already lists index keys first, ascending.
  return [...index, ...keys.filter((k) => !isArrayIndex(k)).sort()];
}

const isArrayIndex = (key: string) => /^(?:0|[1-9]\d*)$/.test(key) && Number(key) < 4294967295;

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** The hash a link keeps per side: what the record's mapper produced when it was last synced. */
export function contentHash(mapped: MappedRecord): string {
  return createHash('sha256')
    .update(canonicalJson({ f: mapped.fields, d: mapped.deleted === true }))
    .digest('base64url');
}

/** Characters of a field's hash kept (96 bits): a per-field snapshot is stored for every link of a field_merge job. */
const FIELD_HASH_LENGTH = 16;

/**
 * The hash of one field's value, as `conflict_policy: field_merge` keeps it per link (canonical
 * JSON, short). Empty values (undefined, null, "", false, []) hash alike, as `changedFields` compares
 * them: remotes omit empty cells, so a field emptied on one side reads back absent on the other.
 */
export function fieldHash(value: unknown): string {
  const empty = value === undefined || value === null || value === '' || value === false || (Array.isArray(value) && value.length === 0);
  return createHash('sha256').update(empty ? 'null' : canonicalJson(value)).digest('base64url').slice(0, FIELD_HASH_LENGTH);
}

/** {@link fieldHash} of every field of mapped content (undefined values are absent, as in {@link contentHash}). */
export function fieldHashes(fields: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = fieldHash(value);
  return out;
}
