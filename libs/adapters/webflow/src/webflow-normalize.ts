import type { Fields, SyncRecord } from '@syncframe/engine';
import type { WebflowCollectionSchema } from './webflow-collection.js';
import { SLUG_PATTERN, slugify } from './webflow-slug.js';

/** A CMS item as the Data API v2 returns it. */
export interface WebflowApiItem {
  readonly id: string;
  readonly cmsLocaleId?: string;
  readonly lastPublished?: string | null;
  readonly lastUpdated?: string;
  readonly createdOn?: string;
  readonly isArchived?: boolean;
  readonly isDraft?: boolean;
  readonly fieldData?: Record<string, unknown>;
}

/**
 * An image in the normalized form. Webflow re-hosts every image written by URL, so after a write
 * `url` is Webflow's CDN copy, not the URL sent: compare `alt` (or a filename a mapper keeps
 * there), never the URL, across remotes. The file id is left out on purpose (it changes on
 * every upload and cannot be compared with anything on the other side).
 */
export interface NormalizedImage {
  readonly url: string;
  readonly alt?: string;
}

const FILE_TYPES = new Set(['Image', 'File']);

/** Item → SyncRecord, per the README's "Normalized form". */
export function normalizeItem(item: WebflowApiItem, schema: WebflowCollectionSchema): SyncRecord {
  const types = typesOf(schema);
  const fields: Fields = {};
  for (const [slug, value] of Object.entries(item.fieldData ?? {})) {
    const v = normalizeValue(types.get(slug), value);
    if (!isEmpty(v)) fields[slug] = v;
  }
  // A Switch is always a boolean: absent (never set) reads as false, like an unchecked box.
  for (const [slug, type] of types) if (type === 'Switch' && fields[slug] === undefined) fields[slug] = false;
  return {
    id: item.id,
    fields,
    updatedAt: item.lastUpdated ?? item.createdOn ?? new Date(0).toISOString(),
    deleted: item.isArchived === true,
  };
}

export function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

function normalizeValue(type: string | undefined, value: unknown): unknown {
  if (type === 'Switch') return value === true;
  if (type !== undefined && FILE_TYPES.has(type)) return normalizeImage(value);
  if (type === 'MultiImage') return Array.isArray(value) ? value.map(normalizeImage).filter((v) => v !== null) : value;
  return value;
}

function normalizeImage(value: unknown): NormalizedImage | null {
  if (!value || typeof value !== 'object') return null;
  const v = value as { url?: unknown; alt?: unknown };
  if (typeof v.url !== 'string' || v.url === '') return null;
  return { url: v.url, ...(typeof v.alt === 'string' && v.alt !== '' ? { alt: v.alt } : {}) };
}

/**
 * Mapper fields → `fieldData`. Unknown keys are returned in `unknown` (the adapter refuses them:
 * a mapper bug). On create the slug is generated from `name` when the mapper gives none; a slug
 * Webflow would refuse is slugified. `null` clears a field on update and is dropped on create.
 */
export function toFieldData(fields: Fields, schema: WebflowCollectionSchema, options: { create: boolean }): { fieldData: Record<string, unknown>; unknown: string[] } {
  const types = typesOf(schema);
  const fieldData: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [slug, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (!types.has(slug) && slug !== 'name' && slug !== 'slug') {
      unknown.push(slug);
      continue;
    }
    if (value === null) {
      if (!options.create) fieldData[slug] = null;
      continue;
    }
    const type = types.get(slug);
    if (type !== undefined && FILE_TYPES.has(type)) fieldData[slug] = toImageWrite(value);
    else if (type === 'MultiImage' && Array.isArray(value)) fieldData[slug] = value.map(toImageWrite);
    else fieldData[slug] = value;
  }
  if (typeof fieldData.slug === 'string' && !SLUG_PATTERN.test(fieldData.slug)) fieldData.slug = slugify(fieldData.slug);
  if (options.create && (fieldData.slug === undefined || fieldData.slug === '') && typeof fieldData.name === 'string') {
    fieldData.slug = slugify(fieldData.name);
  }
  return { fieldData, unknown };
}

function toImageWrite(value: unknown): unknown {
  if (typeof value === 'string') return { url: value };
  if (!value || typeof value !== 'object') return value;
  const v = value as { url?: unknown; alt?: unknown; fileId?: unknown };
  if (typeof v.url === 'string') return { url: v.url, ...(typeof v.alt === 'string' ? { alt: v.alt } : {}) };
  if (typeof v.fileId === 'string') return { fileId: v.fileId, ...(typeof v.alt === 'string' ? { alt: v.alt } : {}) };
  return value;
}

function typesOf(schema: WebflowCollectionSchema): Map<string, string> {
  return new Map(schema.fields.map((f) => [f.slug, f.type]));
}
