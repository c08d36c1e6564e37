import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO } from './demo-world.js';

/**
 * Writes the demo's config folder: `jobs.jsonc` (two jobs, Authors and Videos, both ways, on the
 * embedded PGlite store), the four mapper modules a user would write, and a `.env` with the fake
 * accounts' tokens. Returns the config file's path.
 */
export function writeDemoConfig(dir: string, urls: { airtable: string; webflow: string }): string {
  mkdirSync(join(dir, 'maps'), { recursive: true });
  writeFileSync(join(dir, '.env'), `AIRTABLE_TOKEN=${DEMO.airtableToken}\nWEBFLOW_TOKEN=${DEMO.webflowToken}\n`);
  const side = {
    airtable: (table: string) => ({
      adapter: 'airtable', table, api_url: urls.airtable, last_modified_field: 'Last Modified',
      creds: { apiKey: '${AIRTABLE_TOKEN}', baseId: DEMO.baseId },
    }),
    webflow: (collection: string) => ({
      adapter: 'webflow', collection, api_url: urls.webflow, creds: { token: '${WEBFLOW_TOKEN}', site_id: DEMO.siteId },
    }),
  };
  const job = (id: string, table: string, collection: string, maps: string) => ({
    id,
    sides: { airtable: side.airtable(table), webflow: side.webflow(collection) },
    mappings: { 'airtable->webflow': `./maps/${maps}-to-webflow.mjs`, 'webflow->airtable': `./maps/${maps}-to-airtable.mjs` },
    match: { airtable: 'Slug', webflow: 'slug' },
    retries: { max_attempts: 3, backoff_sec: 1, disable_job_after: 20 },
    conflict_policy: 'last_writer_wins',
  });
  const config = {
    linkindex: { driver: 'pglite', conn: './pglite' },
    // Authors first: a video's author must be linked before the video can point at it.
    jobs: [job('demo-authors', 'Authors', DEMO.authorsCollection, 'authors'), job('demo-videos', 'Videos', DEMO.videosCollection, 'videos')],
  };
  const file = join(dir, 'jobs.jsonc');
  writeFileSync(file, `// The SyncFrame demo: a local Airtable base and Webflow site, synced both ways.\n${JSON.stringify(config, null, 2)}\n`);
  for (const [name, text] of Object.entries(mapperModules())) writeFileSync(join(dir, 'maps', name), text);
  return file;
}

const AUTHORS_AT = `{ adapter: 'airtable', table: 'Authors' }`;
const AUTHORS_WF = `{ adapter: 'webflow', table: '${DEMO.authorsCollection}' }`;

/** The mapper modules, as a user writes them (see config/maps for the commented example). */
function mapperModules(): Record<string, string> {
  return {
    'authors-to-webflow.mjs': `// Airtable "Authors" -> Webflow "authors"
export default (record) => ({
  fields: { name: record.fields.Name ?? '', slug: record.fields.Slug ?? '', bio: record.fields.Bio ?? null },
});
`,
    'authors-to-airtable.mjs': `// Webflow "authors" -> Airtable "Authors"
export default (record) => ({
  fields: { Name: record.fields.name ?? '', Slug: record.fields.slug ?? '', Bio: record.fields.bio ?? null },
});
`,
    'videos-to-webflow.mjs': `// Airtable "Videos" -> Webflow "videos": the linked author becomes a Reference, the first attachment the image.
const AUTHORS_AT = ${AUTHORS_AT};
const AUTHORS_WF = ${AUTHORS_WF};
export default async (record, ctx) => {
  const f = record.fields;
  const thumbnail = f.Thumbnail?.[0];
  const author = f.Author?.[0];
  return {
    fields: {
      name: f.Title ?? '',
      slug: f.Slug ?? '',
      notes: f.Notes ?? null,
      thumbnail: thumbnail ? { url: thumbnail.url, alt: thumbnail.filename } : null,
      // Waits for the author to be linked rather than writing the video without one.
      author: author ? await ctx.requireLinkedId(AUTHORS_AT, AUTHORS_WF, author) : null,
    },
  };
};
`,
    'videos-to-airtable.mjs': `// Webflow "videos" -> Airtable "Videos"
const AUTHORS_AT = ${AUTHORS_AT};
const AUTHORS_WF = ${AUTHORS_WF};
const basename = (url) => decodeURIComponent(new URL(url).pathname.split('/').pop() ?? 'image');
export default async (record, ctx) => {
  const f = record.fields;
  const author = typeof f.author === 'string' ? await ctx.requireLinkedId(AUTHORS_WF, AUTHORS_AT, f.author) : null;
  return {
    fields: {
      Title: f.name ?? '',
      Slug: f.slug ?? '',
      Notes: f.notes ?? null,
      Thumbnail: f.thumbnail ? [{ url: f.thumbnail.url, filename: f.thumbnail.alt ?? basename(f.thumbnail.url) }] : [],
      Author: author ? [author] : [],
    },
  };
};
`,
  };
}
