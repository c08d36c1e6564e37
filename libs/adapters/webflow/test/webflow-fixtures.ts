import { createWebflowAdapter, slugify } from '../src/index.js';
import type { WebflowSideOptions } from '../src/index.js';
import { startWebflowFake } from '@syncframe/fakes';
import type { WebflowFake, WebflowFakeOptions } from '@syncframe/fakes';

export const SITE_ID = '64a0c0ffee0000000000beef';
export const TOKEN = 'wf-site-token-secret-abcdef0123456789';

export const SITES: WebflowFakeOptions['sites'] = {
  [SITE_ID]: {
    collections: [
      { slug: 'authors', displayName: 'Authors', fields: [{ slug: 'bio', type: 'PlainText' }] },
      {
        slug: 'posts',
        displayName: 'Blog Posts',
        singularName: 'Blog Post',
        fields: [
          { slug: 'key', type: 'PlainText' },
          { slug: 'text', type: 'PlainText' },
          { slug: 'count', type: 'Number' },
          { slug: 'featured', type: 'Switch' },
          { slug: 'status', type: 'Option', options: [{ name: 'Todo' }, { name: 'Done' }] },
          { slug: 'cover', type: 'Image' },
          { slug: 'gallery', type: 'MultiImage' },
          { slug: 'author', type: 'Reference', collection: 'authors' },
          { slug: 'related', type: 'MultiReference', collection: 'posts' },
        ],
      },
    ],
  },
};

export interface WebflowTestSetup {
  fake: WebflowFake;
  options: WebflowSideOptions;
  postsId: string;
}

export async function webflowSetup(
  fakeOptions: Partial<WebflowFakeOptions> = {},
  sideOptions: Partial<WebflowSideOptions> = {},
): Promise<WebflowTestSetup> {
  const fake = await startWebflowFake({ tokens: [TOKEN], sites: SITES, rateLimit: false, ...fakeOptions });
  const postsId = fake.collectionId('posts');
  const options: WebflowSideOptions = {
    collection: postsId,
    creds: { token: TOKEN, site_id: SITE_ID },
    api_url: fake.url,
    jobId: 'job-1',
    sideName: 'site',
    timeoutMs: 2_000,
    ...sideOptions,
  };
  return { fake, options, postsId };
}

let seeded = 0;
/** fieldData for a person's item: the Designer makes the slug from the name (unique here). */
export function designerFields(fields: Record<string, unknown>): Record<string, unknown> {
  seeded++;
  return { slug: `${slugify(String(fields.name ?? 'item'))}-${seeded}`, ...fields };
}

export { createWebflowAdapter };
