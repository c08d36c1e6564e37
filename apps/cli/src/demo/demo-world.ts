import { startAirtableFake } from '@syncframe/fakes';
import type { AirtableFake } from '@syncframe/fakes';
import { startWebflowFake } from '@syncframe/fakes';
import type { WebflowFake } from '@syncframe/fakes';

/** The demo's made-up accounts: the fakes accept these and nothing else. */
export const DEMO = {
  airtableToken: 'patDEMO.local-fake-airtable-token',
  baseId: 'appSyncFrameDemo1',
  webflowToken: 'wf-demo-local-fake-site-token',
  siteId: '64f0c0ffee00000000de0001',
  authorsCollection: '64f0c0ffee00000000de00a1',
  videosCollection: '64f0c0ffee00000000de00a2',
} as const;

/**
 * The clock both fakes stamp records with: real time plus an offset the demo moves forward, so
 * that "the newer edit" is newer by whole seconds (Airtable's times are whole seconds).
 */
export class DemoClock {
  private offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

export interface DemoWorld {
  readonly clock: DemoClock;
  readonly airtable: AirtableFake;
  readonly webflow: WebflowFake;
  close(): Promise<void>;
}

/**
 * A local Airtable base and Webflow site (the project's fakes: the real HTTP APIs, with their
 * limits), each holding part of a small video catalogue: Authors and Videos, a reference from each
 * video to its author, and a thumbnail image.
 */
export async function startDemoWorld(): Promise<DemoWorld> {
  const clock = new DemoClock();
  const airtable = await startAirtableFake({
    tokens: [DEMO.airtableToken],
    clock,
    bases: {
      [DEMO.baseId]: {
        tables: [
          { name: 'Authors', fields: [
            { name: 'Name', type: 'singleLineText' }, { name: 'Slug', type: 'singleLineText' },
            { name: 'Bio', type: 'multilineText' }, { name: 'Last Modified', type: 'lastModifiedTime' },
          ] },
          { name: 'Videos', fields: [
            { name: 'Title', type: 'singleLineText' }, { name: 'Slug', type: 'singleLineText' },
            { name: 'Notes', type: 'multilineText' }, { name: 'Thumbnail', type: 'multipleAttachments' },
            { name: 'Author', type: 'multipleRecordLinks', linkedTable: 'Authors' },
            { name: 'Last Modified', type: 'lastModifiedTime' },
          ] },
        ],
      },
    },
  });
  const webflow = await startWebflowFake({
    tokens: [DEMO.webflowToken],
    clock,
    sites: {
      [DEMO.siteId]: {
        collections: [
          { id: DEMO.authorsCollection, slug: 'authors', displayName: 'Authors', fields: [{ slug: 'bio', type: 'PlainText' }] },
          { id: DEMO.videosCollection, slug: 'videos', displayName: 'Videos', fields: [
            { slug: 'notes', type: 'PlainText' }, { slug: 'thumbnail', type: 'Image' },
            { slug: 'author', type: 'Reference', collection: 'authors' },
          ] },
        ],
      },
    },
  });
  return {
    clock, airtable, webflow,
    async close() {
      await airtable.close();
      await webflow.close();
    },
  };
}

/** What each side holds before the first sync: most of it in Airtable, some written in Webflow. */
export function seedDemo(world: DemoWorld): void {
  const { airtable, webflow } = world;
  const ada = airtable.insert('Authors', { Name: 'Ada Lovelace', Slug: 'ada-lovelace', Bio: 'Wrote the first program.' });
  const grace = airtable.insert('Authors', { Name: 'Grace Hopper', Slug: 'grace-hopper', Bio: 'Made computers speak English.' });
  const image = (name: string) => [{ url: `https://images.example.com/${name}.png`, filename: `${name}.png` }];
  airtable.insert('Videos', { Title: 'Notes on the Analytical Engine', Slug: 'analytical-engine', Notes: 'Intro talk', Author: [ada.id], Thumbnail: image('engine') });
  airtable.insert('Videos', { Title: 'Bernoulli numbers by hand', Slug: 'bernoulli-numbers', Author: [ada.id] });
  airtable.insert('Videos', { Title: 'Compilers for everyone', Slug: 'compilers', Notes: 'Keynote', Author: [grace.id], Thumbnail: image('compilers') });
  const linus = webflow.insert('authors', { name: 'Linus Torvalds', slug: 'linus-torvalds', bio: 'Started a kernel.' }, { isDraft: false });
  webflow.insert('videos', { name: 'Just for fun', slug: 'just-for-fun', notes: 'Written in the Webflow Designer', author: linus.id }, { isDraft: false });
}
