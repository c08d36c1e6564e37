// Maps a Webflow "videos" item (its fieldData) to Airtable "Videos" fields.

/**
 * @param {import('@syncframe/engine').SyncRecord} record a Webflow item
 * @returns {import('@syncframe/engine').MappedRecord | null} Airtable fields, or null to skip the item
 */
export default function webflowToAirtable(record) {
  const { name, slug, description, published } = record.fields;
  return {
    fields: {
      Name: typeof name === 'string' ? name : '',
      Slug: typeof slug === 'string' ? slug : '',
      Description: typeof description === 'string' ? description : '',
      Published: published === true, // a checkbox in Airtable
    },
    deleted: record.deleted,
  };
}
