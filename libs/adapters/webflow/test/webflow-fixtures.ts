import { createWebflowAdapter, slugify } from '../src/index.js';
import type { WebflowSideOptions } from '../src/index.js';
import { startWebflowFake } from '@syncframe/fakes';
import type { WebflowFake, WebflowFakeOptions } from '@syncframe/fakes';
import { startFakeSide, unitTestSide, webflowSite } from '../../test/adapter-test-fixtures.js';
import type { FakeSide } from '../../test/adapter-test-fixtures.js';

export const SITE_ID = '64a0c0ffee0000000000beef';
export const TOKEN = 'wf-site-token-secret-abcdef0123456789';

export const SITES: WebflowFakeOptions['sites'] = webflowSite(SITE_ID, [
  { slug: 'authors', displayName: 'Authors', fields: { bio: 'PlainText' } },
  {
    slug: 'posts', displayName: 'Blog Posts', singularName: 'Blog Post',
    fields: {
      key: 'PlainText', text: 'PlainText', count: 'Number', featured: 'Switch',
      status: { type: 'Option', options: [{ name: 'Todo' }, { name: 'Done' }] }, cover: 'Image', gallery: 'MultiImage',
      author: { type: 'Reference', collection: 'authors' }, related: { type: 'MultiReference', collection: 'posts' },
    },
  },
]);

export interface WebflowTestSetup extends FakeSide<WebflowFake, WebflowSideOptions> {
  postsId: string;
}

export async function webflowSetup(
  fakeOptions: Partial<WebflowFakeOptions> = {},
  sideOptions: Partial<WebflowSideOptions> = {},
): Promise<WebflowTestSetup> {
  const { fake, options } = await startFakeSide(
    startWebflowFake,
    { tokens: [TOKEN], sites: SITES, rateLimit: false, ...fakeOptions },
    (fake): WebflowSideOptions => ({ collection: fake.collectionId('posts'), creds: { token: TOKEN, site_id: SITE_ID }, ...unitTestSide(fake.url, 'site'), ...sideOptions }),
  );
  return { fake, options, postsId: fake.collectionId('posts') };
}

let seeded = 0;
/** fieldData for a person's item: the Designer makes the slug from the name (unique here). */
export function designerFields(fields: Record<string, unknown>): Record<string, unknown> {
  seeded++;
  return { slug: `${slugify(String(fields.name ?? 'item'))}-${seeded}`, ...fields };
}

export { createWebflowAdapter };
