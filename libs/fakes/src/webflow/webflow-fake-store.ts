import { randomBytes } from 'node:crypto';

export type WebflowFakeFieldType =
  | 'PlainText' | 'RichText' | 'Link' | 'Email' | 'Phone' | 'Color' | 'VideoLink' | 'Number' | 'DateTime'
  | 'Switch' | 'Option' | 'Image' | 'MultiImage' | 'File' | 'Reference' | 'MultiReference';

export interface WebflowFakeFieldSpec {
  readonly slug: string;
  readonly type: WebflowFakeFieldType;
  readonly displayName?: string;
  readonly id?: string;
  readonly isRequired?: boolean;
  /** Option fields: the choices; ids are generated when absent. */
  readonly options?: readonly { readonly id?: string; readonly name: string }[];
  /** Reference / MultiReference: the target collection's slug or id. */
  readonly collection?: string;
}

export interface WebflowFakeCollectionSpec {
  readonly slug: string;
  readonly id?: string;
  readonly displayName?: string;
  readonly singularName?: string;
  /** `name` and `slug` are added when absent (every collection has them). */
  readonly fields: readonly WebflowFakeFieldSpec[];
}

export interface WebflowFakeSiteSpec {
  readonly collections: readonly WebflowFakeCollectionSpec[];
}

/** An item as the API shows it. */
export interface WebflowFakeApiItem {
  id: string;
  cmsLocaleId: string;
  lastPublished: string | null;
  lastUpdated: string;
  createdOn: string;
  isArchived: boolean;
  isDraft: boolean;
  fieldData: Record<string, unknown>;
}

export interface FakeDetail {
  param: string;
  description: string;
}

/** A refusal the API would send: `{code, message, externalReference: null, details}`. */
export class WebflowFakeError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: FakeDetail[] = []) {
    super(message);
  }
}

export const notFound = () => new WebflowFakeError(404, 'resource_not_found', 'Requested resource not found');

interface Field {
  id: string;
  slug: string;
  displayName: string;
  type: WebflowFakeFieldType;
  isRequired: boolean;
  options: { id: string; name: string }[];
  collection?: string;
}

export interface Collection {
  id: string;
  siteId: string;
  slug: string;
  displayName: string;
  singularName: string;
  createdOn: number;
  fields: Field[];
  items: Map<string, Item>;
}

interface LiveCopy {
  fieldData: Record<string, unknown>;
  lastUpdated: number;
}

export interface Item {
  id: string;
  createdOn: number;
  lastUpdated: number;
  lastPublished: number | null;
  isArchived: boolean;
  isDraft: boolean;
  fieldData: Record<string, unknown>;
  live: LiveCopy | null;
  /** The staged copy was deleted while a live copy remains (until the next site publish). */
  stagedDeleted: boolean;
  seq: number;
}

export interface ItemInput {
  id?: string;
  isArchived?: boolean;
  isDraft?: boolean;
  fieldData?: Record<string, unknown>;
}

export const LOCALE_ID = '653ad57de882f528b32e810e';

/** A 24-hex id, like Webflow's Mongo-style ObjectIds. */
export function webflowId(): string {
  return randomBytes(12).toString('hex');
}

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const STRING_TYPES = new Set<WebflowFakeFieldType>(['PlainText', 'RichText', 'Link', 'Email', 'Phone', 'Color', 'VideoLink']);

/** All sites' collections and items, with Webflow's validation rules. */
export class WebflowFakeStore {
  readonly collections = new Map<string, Collection>();
  private seq = 0;

  constructor(sites: Readonly<Record<string, WebflowFakeSiteSpec>>, private readonly now: () => number, private readonly cdnUrl: (fileId: string, name: string) => string) {
    for (const [siteId, site] of Object.entries(sites)) {
      for (const c of site.collections) {
        const fields: Field[] = [];
        const given = new Map(c.fields.map((f) => [f.slug, f]));
        for (const builtIn of ['name', 'slug']) {
          if (!given.has(builtIn)) fields.push(makeField({ slug: builtIn, type: 'PlainText', isRequired: true, displayName: builtIn === 'name' ? 'Name' : 'Slug' }));
        }
        fields.push(...c.fields.map(makeField));
        const id = c.id ?? webflowId();
        this.collections.set(id, {
          id, siteId, slug: c.slug, displayName: c.displayName ?? c.slug, singularName: c.singularName ?? c.displayName ?? c.slug,
          createdOn: now(), fields, items: new Map(),
        });
      }
    }
  }

  collection(idOrSlug: string): Collection {
    const c = this.collections.get(idOrSlug) ?? [...this.collections.values()].find((x) => x.slug === idOrSlug);
    if (!c) throw notFound();
    return c;
  }

  schema(c: Collection): unknown {
    return {
      id: c.id, displayName: c.displayName, singularName: c.singularName, slug: c.slug,
      createdOn: new Date(c.createdOn).toISOString(), lastUpdated: new Date(c.createdOn).toISOString(),
      fields: c.fields.map((f) => ({
        id: f.id, isEditable: true, isRequired: f.isRequired, type: f.type, slug: f.slug, displayName: f.displayName, helpText: null,
        validations: f.type === 'Option' ? { options: f.options } : f.collection ? { collectionId: this.collection(f.collection).id } : null,
      })),
    };
  }

  toApi(item: Item, which: 'staged' | 'live' = 'staged'): WebflowFakeApiItem {
    const fieldData = which === 'live' && item.live ? item.live.fieldData : item.fieldData;
    return {
      id: item.id,
      cmsLocaleId: LOCALE_ID,
      lastPublished: item.lastPublished === null ? null : new Date(item.lastPublished).toISOString(),
      lastUpdated: new Date(which === 'live' && item.live ? item.live.lastUpdated : item.lastUpdated).toISOString(),
      createdOn: new Date(item.createdOn).toISOString(),
      isArchived: item.isArchived,
      isDraft: item.isDraft,
      fieldData: structuredClone(fieldData),
    };
  }

  list(c: Collection, which: 'staged' | 'live', q: URLSearchParams, ignoreFilters: boolean): unknown {
    const limit = q.has('limit') ? Number(q.get('limit')) : 100;
    const offset = q.has('offset') ? Number(q.get('offset')) : 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw new WebflowFakeError(400, 'validation_error', 'Validation Error', [{ param: 'limit', description: 'Must be between 1 and 100' }]);
    }
    if (!Number.isInteger(offset) || offset < 0) {
      throw new WebflowFakeError(400, 'validation_error', 'Validation Error', [{ param: 'offset', description: 'Must be a non-negative integer' }]);
    }
    let rows = [...c.items.values()].filter((i) => (which === 'live' ? i.live !== null : !i.stagedDeleted));
    const view = (i: Item) => this.toApi(i, which);
    if (!ignoreFilters) {
      for (const key of ['name', 'slug'] as const) {
        const v = q.get(key);
        if (v !== null) rows = rows.filter((i) => view(i).fieldData[key] === v);
      }
      for (const field of ['lastUpdated', 'createdOn', 'lastPublished'] as const) {
        const gte = q.get(`${field}[gte]`);
        const lte = q.get(`${field}[lte]`);
        if (gte !== null) rows = rows.filter((i) => view(i)[field] !== null && Date.parse(view(i)[field]!) >= Date.parse(gte));
        if (lte !== null) rows = rows.filter((i) => view(i)[field] !== null && Date.parse(view(i)[field]!) <= Date.parse(lte));
      }
    }
    rows.sort((a, b) => a.seq - b.seq); // default: createdOn asc, in creation order
    const sortBy = q.get('sortBy');
    if (sortBy && !ignoreFilters) {
      if (!['createdOn', 'lastPublished', 'lastUpdated', 'name', 'slug'].includes(sortBy)) {
        throw new WebflowFakeError(400, 'validation_error', 'Validation Error', [{ param: 'sortBy', description: 'Invalid sort field' }]);
      }
      const dir = q.get('sortOrder') === 'desc' ? -1 : 1;
      const key = (i: Item): string | number => {
        const v = view(i);
        if (sortBy === 'name' || sortBy === 'slug') return String(v.fieldData[sortBy] ?? '');
        const t = v[sortBy as 'createdOn' | 'lastPublished' | 'lastUpdated'];
        return t === null ? -Infinity : Date.parse(t);
      };
      rows.sort((a, b) => {
        const ka = key(a);
        const kb = key(b);
        return ka < kb ? -dir : ka > kb ? dir : a.seq - b.seq;
      });
    }
    return { items: rows.slice(offset, offset + limit).map(view), pagination: { limit, offset, total: rows.length } };
  }

  // ---- writes (each validates the whole batch first: a bulk request is all or nothing) ----

  create(c: Collection, inputs: ItemInput[], options: { live: boolean }): Item[] {
    checkBatch(inputs.length);
    const prepared = this.validate(c, inputs.map((input) => ({ input, item: undefined })), true);
    return prepared.map(({ input, fieldData }) => {
      const now = this.now();
      const item: Item = {
        id: webflowId(), createdOn: now, lastUpdated: now, lastPublished: null,
        isArchived: input.isArchived === true,
        isDraft: options.live ? false : input.isDraft !== false, // drafts by default since Dec 2024
        fieldData, live: null, stagedDeleted: false, seq: ++this.seq,
      };
      c.items.set(item.id, item);
      if (options.live) this.publishItem(item);
      return item;
    });
  }

  update(c: Collection, inputs: ItemInput[], options: { live: boolean }): Item[] {
    checkBatch(inputs.length);
    const targets = inputs.map((input) => {
      const item = input.id === undefined ? undefined : c.items.get(input.id);
      if (!item || item.stagedDeleted) throw notFound();
      if (options.live && item.live === null) {
        throw new WebflowFakeError(409, 'conflict', "Conflict with server data: Live PATCH updates can't be applied to items that have never been published");
      }
      return { input, item };
    });
    const prepared = this.validate(c, targets, false);
    return prepared.map(({ input, item, fieldData }) => {
      const target = item!;
      for (const [k, v] of Object.entries(fieldData)) {
        if (v === null) delete target.fieldData[k];
        else target.fieldData[k] = v;
      }
      if (input.isArchived !== undefined) target.isArchived = input.isArchived;
      // Since Jul 2025 isDraft:true on a live item leaves it live ("changes in draft").
      if (input.isDraft !== undefined) target.isDraft = input.isDraft;
      target.lastUpdated = this.now();
      if (options.live) this.publishItem(target);
      return target;
    });
  }

  deleteStaged(c: Collection, ids: string[], keepLive: boolean): void {
    checkBatch(ids.length);
    for (const id of ids) if (!c.items.get(id) || c.items.get(id)!.stagedDeleted) throw notFound();
    for (const id of ids) {
      const item = c.items.get(id)!;
      if (keepLive && item.live) item.stagedDeleted = true; // gone from the CMS, still on the site until a site publish
      else c.items.delete(id);
    }
  }

  unpublish(c: Collection, ids: string[]): void {
    checkBatch(ids.length);
    for (const id of ids) if (!c.items.get(id)) throw notFound();
    for (const id of ids) {
      const item = c.items.get(id)!;
      if (item.stagedDeleted) {
        c.items.delete(id);
        continue;
      }
      item.live = null;
      item.isDraft = true;
      item.lastPublished = null;
    }
  }

  publishItems(c: Collection, ids: string[]): { publishedItemIds: string[]; errors: string[] } {
    checkBatch(ids.length);
    const publishedItemIds: string[] = [];
    const errors: string[] = [];
    for (const id of ids) {
      const item = c.items.get(id);
      if (!item || item.stagedDeleted) errors.push(`Staging item ID ${id} not found.`);
      else {
        this.publishItem(item);
        publishedItemIds.push(id);
      }
    }
    return { publishedItemIds, errors };
  }

  /** Site publish: every non-draft item goes live; archived and deleted ones leave the site. */
  publishSite(siteId: string): void {
    for (const c of this.collections.values()) {
      if (c.siteId !== siteId) continue;
      for (const item of [...c.items.values()]) {
        if (item.stagedDeleted) c.items.delete(item.id);
        else if (item.isArchived) item.live = null;
        else if (!item.isDraft) this.publishItem(item);
      }
    }
  }

  private publishItem(item: Item): void {
    const now = this.now();
    item.isDraft = false;
    item.lastPublished = now;
    item.live = item.isArchived ? null : { fieldData: structuredClone(item.fieldData), lastUpdated: item.lastUpdated };
  }

  private validate(c: Collection, batch: { input: ItemInput; item: Item | undefined }[], create: boolean) {
    const details: FakeDetail[] = [];
    const slugsInBatch = new Map<string, number>();
    const out = batch.map(({ input, item }, index) => {
      const fieldData: Record<string, unknown> = {};
      const data = input.fieldData ?? {};
      if (typeof data !== 'object') details.push({ param: 'fieldData', description: 'Must be an object' });
      for (const [key, value] of Object.entries(data)) {
        const f = c.fields.find((x) => x.slug === key);
        if (!f) {
          details.push({ param: key, description: 'Field not described in schema: undefined' });
          continue;
        }
        if (value === null) {
          if (f.isRequired) details.push({ param: key, description: 'Field is required' });
          else fieldData[key] = null;
          continue;
        }
        const problem = this.checkValue(c, f, value, item);
        if (typeof problem === 'string') details.push({ param: key, description: problem });
        else fieldData[key] = problem.value;
      }
      if (create) {
        for (const f of c.fields) {
          if (f.isRequired && (fieldData[f.slug] === undefined || fieldData[f.slug] === '')) details.push({ param: f.slug, description: 'Field is required' });
        }
      }
      const slug = fieldData.slug;
      if (typeof slug === 'string') {
        const taken = [...c.items.values()].some((i) => !i.stagedDeleted && i.id !== item?.id && i.fieldData.slug === slug);
        if (taken || slugsInBatch.has(slug)) details.push({ param: 'slug', description: `Unique value is already in database: '${slug}'` });
        slugsInBatch.set(slug, index);
      }
      return { input, item, fieldData };
    });
    if (details.length > 0) throw new WebflowFakeError(400, 'validation_error', 'Validation Error', details);
    return out;
  }

  private checkValue(c: Collection, f: Field, value: unknown, item: Item | undefined): string | { value: unknown } {
    if (f.slug === 'slug') {
      if (typeof value !== 'string') return 'Must be a string';
      return SLUG.test(value) ? { value } : `Invalid slug: '${value}'`;
    }
    if (STRING_TYPES.has(f.type)) return typeof value === 'string' ? { value } : 'Must be a string';
    switch (f.type) {
      case 'Number': return typeof value === 'number' && Number.isFinite(value) ? { value } : 'Must be a number';
      case 'Switch': return typeof value === 'boolean' ? { value } : 'Must be a boolean';
      case 'DateTime': return typeof value === 'string' && Number.isFinite(Date.parse(value)) ? { value: new Date(value).toISOString() } : 'Must be an ISO date';
      case 'Option': return typeof value === 'string' && f.options.some((o) => o.id === value) ? { value } : `Invalid option id: '${String(value)}'`;
      case 'Reference': return this.refExists(f, value) ? { value } : `Referenced item not found: '${String(value)}'`;
      case 'MultiReference':
        if (!Array.isArray(value)) return 'Must be an array of item ids';
        for (const v of value) if (!this.refExists(f, v)) return `Referenced item not found: '${String(v)}'`;
        return { value: [...value] };
      case 'Image':
      case 'File': {
        const current = item?.fieldData[f.slug] as { fileId: string; url: string } | undefined;
        const image = this.image(value, current ? [current] : []);
        return image ?? 'Must be an object with a url or fileId';
      }
      case 'MultiImage': {
        if (!Array.isArray(value)) return 'Must be an array of images';
        const current = (item?.fieldData[f.slug] as { fileId: string; url: string }[] | undefined) ?? [];
        const images = value.map((v) => this.image(v, current));
        return images.every((i) => i !== null) ? { value: images.map((i) => i!.value) } : 'Must be an array of objects with a url or fileId';
      }
    }
    return { value };
  }

  /** An uploaded copy: the same file when the URL or id is the current one, else a new file id and CDN URL. */
  private image(value: unknown, current: { fileId: string; url: string }[]): { value: unknown } | null {
    if (!value || typeof value !== 'object') return null;
    const v = value as { url?: unknown; fileId?: unknown; alt?: unknown };
    const alt = typeof v.alt === 'string' ? v.alt : null;
    const same = current.find((c) => c.url === v.url || c.fileId === v.fileId);
    if (same) return { value: { fileId: same.fileId, url: same.url, alt } };
    if (typeof v.url === 'string' && /^https?:\/\//.test(v.url)) {
      const fileId = webflowId();
      const name = decodeURIComponent(new URL(v.url).pathname.split('/').pop() || 'file');
      return { value: { fileId, url: this.cdnUrl(fileId, name), alt } };
    }
    return null;
  }

  private refExists(f: Field, id: unknown): boolean {
    if (typeof id !== 'string') return false;
    const target = f.collection !== undefined ? this.collection(f.collection) : undefined;
    const pool = target ? [target] : [...this.collections.values()];
    return pool.some((c) => {
      const i = c.items.get(id);
      return i !== undefined && !i.stagedDeleted;
    });
  }
}

function makeField(spec: WebflowFakeFieldSpec): Field {
  return {
    id: spec.id ?? webflowId(),
    slug: spec.slug,
    displayName: spec.displayName ?? spec.slug,
    type: spec.type,
    isRequired: spec.isRequired ?? (spec.slug === 'name' || spec.slug === 'slug'),
    options: (spec.options ?? []).map((o) => ({ id: o.id ?? webflowId(), name: o.name })),
    ...(spec.collection !== undefined ? { collection: spec.collection } : {}),
  };
}

function checkBatch(n: number): void {
  if (n < 1) throw new WebflowFakeError(400, 'validation_error', 'Validation Error', [{ param: 'items', description: 'Required' }]);
  if (n > 100) throw new WebflowFakeError(400, 'validation_error', 'Validation Error', [{ param: 'items', description: 'Must contain at most 100 items' }]);
}
