import { apiUrlOption, defineAdapter, hardDeleteOption, nonEmptyOption, timeoutSecOption, withWiring } from '@syncframe/adapter-kit';
import type { AdapterHost, AdapterWiringOptions } from '@syncframe/adapter-kit';
import { createWebflowAdapter } from './webflow-adapter.js';
import { COLLECTION_ID } from './webflow-collection.js';
import { WEBFLOW_MAX_BATCH } from './webflow-limits.js';
import { WEBFLOW_DEFAULT_THROTTLE } from './webflow-options.js';
import type { WebflowSideOptions } from './webflow-options.js';

/** A Webflow side's own keys (everything but `adapter`, `throttle` and the settle keys every side has). */
export function webflowOptionsSchema(z: AdapterHost['z']) {
  return z
    .strictObject({
      collection: nonEmptyOption(z).describe('Collection id (24 hex characters), or its slug or name together with creds.site_id.'),
      creds: z
        .strictObject({
          token: nonEmptyOption(z).describe('API token; use "${WEBFLOW_TOKEN}" rather than the token itself.'),
          site_id: nonEmptyOption(z).describe('Site id; needed when `collection` is a slug or name.').optional(),
        })
        .describe('Webflow credentials.'),
      api_url: apiUrlOption(z),
      timeout_sec: timeoutSecOption(z),
      publish: z
        .enum(['staged', 'live'])
        .default('staged')
        .describe('"staged": items wait for the next site publish; "live": items are published at once. Default: "staged".'),
      hard_delete: hardDeleteOption(z),
    })
    .refine((o) => COLLECTION_ID.test(o.collection) || o.creds.site_id !== undefined, {
      message: 'is not a collection id (24 hex characters); give creds.site_id to find a collection by slug or name',
      path: ['collection'],
    })
    .describe('A Webflow CMS collection.');
}

/** A validated Webflow side's options, as its plug-in receives them. */
type WebflowOptions = Omit<WebflowSideOptions, keyof AdapterWiringOptions> & { readonly timeout_sec?: number };

/** Webflow as an adapter plug-in (`"adapter": "webflow"`), registered by name with the other built-ins. */
export const webflowAdapter = defineAdapter<WebflowOptions>(({ z }) => ({
  name: 'webflow',
  options: webflowOptionsSchema(z),
  defaultThrottle: WEBFLOW_DEFAULT_THROTTLE,
  maxBatchSize: WEBFLOW_MAX_BATCH,
  secretOptions: ['creds.token', 'creds.site_id'],
  tableOf: (o) => o.collection,
  create: (o, wiring) => createWebflowAdapter(withWiring(o, wiring)),
}));
