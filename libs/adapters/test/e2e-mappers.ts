/**
 * The mappers of the end-to-end test, written as a user would write them in a mapper module
 * (see libs/adapters/README.md "Mappers"): Airtable "Videos" ↔ Webflow "videos" and Airtable
 * "Authors" ↔ Webflow "authors", with the reference field Videos.Author ↔ videos.author.
 */
import type { MapperFn, TableRef } from '@syncframe/engine';

/** Fixed collection ids (the fake accepts them), so the mappers can name the tables as configured. */
export const AUTHORS_COLLECTION_ID = '64f0c0ffee0000000000a001';
export const VIDEOS_COLLECTION_ID = '64f0c0ffee0000000000a002';

/** The Authors tables as the Authors job's adapters report them (`adapter.ref`). */
export const AUTHORS_AT: TableRef = { adapter: 'airtable', table: 'Authors' };
export const AUTHORS_WF: TableRef = { adapter: 'webflow', table: AUTHORS_COLLECTION_ID };
export const VIDEOS_AT: TableRef = { adapter: 'airtable', table: 'Videos' };
export const VIDEOS_WF: TableRef = { adapter: 'webflow', table: VIDEOS_COLLECTION_ID };

interface Attachment {
  readonly id?: string;
  readonly url: string;
  readonly filename: string;
}

interface Image {
  readonly url: string;
  readonly alt?: string;
}

const basename = (url: string) => decodeURIComponent(new URL(url).pathname.split('/').pop() ?? 'file');

/**
 * Airtable "Videos" → Webflow "videos". Absent values map to explicit empties (`null`, `false`),
 * so both directions hash equal content alike. The first attachment becomes the image: its URL is
 * where Webflow copies the file from, its filename is kept in `alt` (URLs are never compared).
 */
export const videoToWebflow: MapperFn = async (record, ctx) => {
  const f = record.fields;
  const attachment = (f.Attachments as Attachment[] | undefined)?.[0];
  const authorRec = (f.Author as string[] | undefined)?.[0];
  return {
    fields: {
      name: f.Name,
      slug: f.Slug,
      notes: f.Notes ?? null,
      published: f.Published === true, // Airtable checkbox: absent = unchecked
      image: attachment ? { url: attachment.url, alt: attachment.filename } : null,
      author: authorRec ? await ctx.linkedId(AUTHORS_AT, AUTHORS_WF, authorRec) : null,
    },
  };
};

/** Webflow "videos" → Airtable "Videos". */
export const videoToAirtable: MapperFn = async (record, ctx) => {
  const f = record.fields;
  const image = f.image as Image | undefined;
  const author = typeof f.author === 'string' ? await ctx.linkedId(AUTHORS_WF, AUTHORS_AT, f.author) : null;
  return {
    fields: {
      Name: f.name,
      Slug: f.slug,
      Notes: f.notes ?? null,
      Published: f.published === true, // Webflow Switch: always a boolean
      Attachments: image ? [{ url: image.url, filename: image.alt ?? basename(image.url) }] : [],
      Author: author ? [author] : [],
    },
  };
};

/** Airtable "Authors" → Webflow "authors". */
export const authorToWebflow: MapperFn = (record) => ({
  fields: { name: record.fields.Name, slug: record.fields.Slug, bio: record.fields.Bio ?? null },
});

/** Webflow "authors" → Airtable "Authors". */
export const authorToAirtable: MapperFn = (record) => ({
  fields: { Name: record.fields.name, Slug: record.fields.slug, Bio: record.fields.bio ?? null },
});
