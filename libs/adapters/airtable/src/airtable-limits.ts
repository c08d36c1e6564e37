// Airtable's API limits that the config checks too: @syncframe/config imports this module alone
// (`@syncframe/adapter-airtable/limits`, no HTTP client behind it), so the limit has one definition.

/** Records per write request that Airtable accepts; a bigger batch is a configuration error. */
export const AIRTABLE_MAX_BATCH = 10;
