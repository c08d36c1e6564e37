// Maps an Airtable "Videos" record to Webflow "videos" item fields (fieldData slugs).
// Airtable leaves empty fields (and unticked checkboxes) out of a record, hence the defaults.

/**
 * @param {import('@syncframe/engine').SyncRecord} record an Airtable record
 * @returns {import('@syncframe/engine').MappedRecord | null} Webflow fields, or null to skip the record
 */
export default function airtableToWebflow(record) {
  const { Name, Slug, Description, Published } = record.fields;
  // Webflow refuses items without a name and a slug: skip rows still being typed in.
  if (typeof Name !== 'string' || Name === '' || typeof Slug !== 'string' || Slug === '') return null;
  return {
    fields: {
      name: Name,
      slug: Slug,
      description: typeof Description === 'string' ? Description : '',
      published: Published === true, // a Switch field in Webflow
    },
    deleted: record.deleted,
  };
}
