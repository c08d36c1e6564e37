import type { HttpClient } from '@syncframe/adapter-kit';
import { ConfigError, PermanentError } from '@syncframe/engine';
import type { AdapterCallOptions } from '@syncframe/engine';
import { describeWebflowError, parseWebflowError } from './webflow-error-body.js';

/** A field of a collection's schema (`GET /v2/collections/{id}`). */
export interface WebflowField {
  readonly id?: string;
  /** The key in `fieldData`. */
  readonly slug: string;
  readonly displayName?: string;
  /** PlainText, RichText, Image, MultiImage, Switch, Option, Reference, MultiReference, … */
  readonly type: string;
  readonly isRequired?: boolean;
  readonly isEditable?: boolean;
}

export interface WebflowCollectionSchema {
  readonly id: string;
  readonly slug?: string;
  readonly displayName?: string;
  readonly fields: readonly WebflowField[];
}

/** A collection id (24 hex characters), as opposed to a slug or display name. */
export const COLLECTION_ID = /^[0-9a-f]{24}$/i;

/**
 * Resolves the configured collection (id, or slug/name + site) to its id and schema, once: one
 * or two requests per adapter, on first use. A failed lookup is not cached, so a retry retries it.
 */
export class WebflowCollectionResolver {
  private resolved: WebflowCollectionSchema | undefined;

  constructor(
    private readonly http: HttpClient,
    private readonly collection: string,
    private readonly siteId: string | undefined,
    private readonly where: string,
  ) {}

  async get(options: AdapterCallOptions): Promise<WebflowCollectionSchema> {
    if (this.resolved) return this.resolved;
    const id = COLLECTION_ID.test(this.collection) ? this.collection : await this.lookUpId(options);
    const res = await this.http.send({ method: 'GET', path: `/v2/collections/${encodeURIComponent(id)}` }, options);
    if (res.status !== 200) {
      const detail = describeWebflowError(res.status, parseWebflowError(res.body));
      if (res.status === 404) throw new ConfigError(`${this.where}: collection ${id} not found (${detail})`);
      throw new PermanentError(`${this.where}: cannot read collection ${id}: ${detail}`);
    }
    const body = res.body as { id?: string; slug?: string; displayName?: string; fields?: WebflowField[] };
    this.resolved = {
      id,
      ...(body.slug !== undefined ? { slug: body.slug } : {}),
      ...(body.displayName !== undefined ? { displayName: body.displayName } : {}),
      fields: Array.isArray(body.fields) ? body.fields.filter((f) => f && typeof f.slug === 'string') : [],
    };
    return this.resolved;
  }

  private async lookUpId(options: AdapterCallOptions): Promise<string> {
    if (!this.siteId) {
      throw new ConfigError(`${this.where}: collection "${this.collection}" is not a collection id: set creds.site_id to look it up by slug or name`);
    }
    const res = await this.http.send({ method: 'GET', path: `/v2/sites/${encodeURIComponent(this.siteId)}/collections` }, options);
    if (res.status !== 200) {
      const detail = describeWebflowError(res.status, parseWebflowError(res.body));
      if (res.status === 404) throw new ConfigError(`${this.where}: site ${this.siteId} not found (${detail})`);
      throw new PermanentError(`${this.where}: cannot list the site's collections: ${detail}`);
    }
    const collections = ((res.body as { collections?: { id: string; slug?: string; displayName?: string; singularName?: string }[] })?.collections) ?? [];
    const wanted = this.collection.toLowerCase();
    const match = collections.find((c) => c.slug?.toLowerCase() === wanted) ??
      collections.find((c) => c.displayName?.toLowerCase() === wanted || c.singularName?.toLowerCase() === wanted);
    if (!match) {
      const known = collections.map((c) => c.slug ?? c.displayName).join(', ');
      throw new ConfigError(`${this.where}: no collection "${this.collection}" on site ${this.siteId} (found: ${known || 'none'})`);
    }
    return match.id;
  }
}
