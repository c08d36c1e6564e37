import type { Fields, SyncRecord } from '@syncframe/engine';

/** An Airtable record as the REST API returns it (`cellFormat=json`, fields keyed by name). */
export interface AirtableApiRecord {
  readonly id: string;
  readonly createdTime: string;
  readonly fields?: Record<string, unknown>;
}

/**
 * An attachment in the normalized form. `url` changes whenever Airtable copies a file (every
 * write of a new URL) and Airtable's signed URLs expire, so compare `filename` and `size`, not
 * `url`. `id` is stable while the attachment is kept; writing `{ id }` keeps it without a copy.
 */
export interface NormalizedAttachment {
  readonly id?: string;
  readonly url: string;
  readonly filename: string;
  readonly size?: number;
  readonly type?: string;
}

export interface NormalizeOptions {
  readonly lastModifiedField?: string;
  readonly softDeleteField?: string;
}

/**
 * Airtable's record → the engine's SyncRecord (see libs/adapters/README.md "Normalized form").
 * Empty values are absent: Airtable never returns `false`, `""` or `[]`, so dropping them from
 * whatever else reaches us (write echoes, nulls) keeps the form identical on every path.
 */
export function normalizeRecord(raw: AirtableApiRecord, options: NormalizeOptions): SyncRecord {
  const rawFields = raw.fields ?? {};
  const fields: Fields = {};
  for (const [name, value] of Object.entries(rawFields)) {
    if (name === options.lastModifiedField) continue; // it is `updatedAt`
    const normalized = normalizeValue(value);
    if (!isEmpty(normalized)) fields[name] = normalized;
  }
  const lastModified = options.lastModifiedField === undefined ? undefined : rawFields[options.lastModifiedField];
  return {
    id: raw.id,
    fields,
    updatedAt: typeof lastModified === 'string' && Number.isFinite(Date.parse(lastModified)) ? new Date(lastModified).toISOString() : raw.createdTime,
    deleted: options.softDeleteField !== undefined && rawFields[options.softDeleteField] === true,
  };
}

/** The record's last-modified time as the adapter filters on it, when the record carries it. */
export function lastModifiedOf(raw: AirtableApiRecord, field: string | undefined): string | undefined {
  const value = field === undefined ? undefined : raw.fields?.[field];
  return typeof value === 'string' && Number.isFinite(Date.parse(value)) ? value : undefined;
}

export function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === false || value === '' || (Array.isArray(value) && value.length === 0);
}

function normalizeValue(value: unknown): unknown {
  if (Array.isArray(value) && value.length > 0 && value.every(isApiAttachment)) {
    return value.map((a): NormalizedAttachment => ({
      id: a.id,
      url: a.url,
      filename: a.filename,
      ...(typeof a.size === 'number' ? { size: a.size } : {}),
      ...(typeof a.type === 'string' ? { type: a.type } : {}),
    }));
  }
  return value;
}

function isApiAttachment(v: unknown): v is { id: string; url: string; filename: string; size?: unknown; type?: unknown } {
  if (!v || typeof v !== 'object') return false;
  const a = v as Record<string, unknown>;
  return typeof a.id === 'string' && a.id.startsWith('att') && typeof a.url === 'string' && typeof a.filename === 'string';
}

/**
 * Mapper fields → an Airtable `fields` body. Never sends the last-modified field (computed).
 * Attachments: `{ id }` keeps an existing one, `{ url, filename }` makes Airtable copy a file.
 * On create, `null`/`undefined` are dropped (nothing to clear); on update `null` clears the cell.
 */
export function toAirtableFields(fields: Fields, options: { create: boolean; lastModifiedField?: string }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || name === options.lastModifiedField) continue;
    if (value === null && options.create) continue;
    out[name] = Array.isArray(value) ? value.map(toAttachmentWrite) : value;
  }
  return out;
}

function toAttachmentWrite(item: unknown): unknown {
  if (!item || typeof item !== 'object' || Array.isArray(item)) return item;
  const a = item as Record<string, unknown>;
  if (typeof a.id === 'string' && a.id.startsWith('att')) return { id: a.id };
  if (typeof a.url === 'string') return { url: a.url, ...(typeof a.filename === 'string' ? { filename: a.filename } : {}) };
  return item;
}
