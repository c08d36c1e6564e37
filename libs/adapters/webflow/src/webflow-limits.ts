// Webflow's API limits that the config checks too: @syncframe/config imports this module alone
// (`@syncframe/adapter-webflow/limits`, no HTTP client behind it), so the limit has one definition.

/** Items per bulk request that Webflow accepts. */
export const WEBFLOW_MAX_BATCH = 100;
