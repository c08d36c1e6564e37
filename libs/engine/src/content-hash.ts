import { createHash } from 'node:crypto';
import type { MappedRecord } from './mapper.js';

/** JSON with object keys sorted at every depth, so equal content always serialises the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      // Absent and undefined are the same content; null is kept (it clears a field).
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
