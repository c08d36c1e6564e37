import { apiUrlOption, defineAdapter, hardDeleteOption, nonEmptyOption, timeoutSecOption, withWiring } from '@syncframe/adapter-kit';
import { createAirtableAdapter } from './airtable-adapter.js';
import { AIRTABLE_MAX_BATCH } from './airtable-limits.js';
import { AIRTABLE_DEFAULT_THROTTLE } from './airtable-options.js';
import type { AirtableSideOptions } from './airtable-options.js';
import type { AdapterHost, AdapterWiringOptions } from '@syncframe/adapter-kit';

type Zod = AdapterHost['z'];

/** An Airtable side's own keys (everything but `adapter`, `throttle` and the settle keys every side has). */
export function airtableOptionsSchema(z: Zod) {
  return z
    .strictObject({
      table: nonEmptyOption(z).describe('Table name or id (tbl…) in the base.'),
      creds: z
        .strictObject({
          apiKey: nonEmptyOption(z).describe('Personal access token; use "${AIRTABLE_TOKEN}" rather than the token itself.'),
          baseId: z
            .string()
            .regex(/^app[A-Za-z0-9]+$/, 'must be an Airtable base id ("app…")')
            .describe('Base id, "app…" (from the base URL).'),
        })
        .describe('Airtable credentials.'),
      api_url: apiUrlOption(z),
      timeout_sec: timeoutSecOption(z),
      typecast: z
        .boolean()
        .default(false)
        .describe('Let Airtable convert values (e.g. create missing select options). Default: false.'),
      last_modified_field: nonEmptyOption(z)
        .describe('A "Last modified time" field used to pull only changed records. Default: the adapter\'s fallback.')
        .optional(),
      soft_delete_field: nonEmptyOption(z)
        .describe('A checkbox field that flags deleted records instead of deleting them. Not with hard_delete: true.')
        .optional(),
      hard_delete: hardDeleteOption(z),
    })
    .refine((o) => !(o.hard_delete && o.soft_delete_field !== undefined), {
      message: 'cannot be true together with soft_delete_field (choose one way to delete)',
      path: ['hard_delete'],
    })
    .describe('An Airtable table.');
}

/** A validated Airtable side's options, as its plug-in receives them. */
type AirtableOptions = Omit<AirtableSideOptions, keyof AdapterWiringOptions> & { readonly timeout_sec?: number };

/** Airtable as an adapter plug-in (`"adapter": "airtable"`), registered by name with the other built-ins. */
export const airtableAdapter = defineAdapter<AirtableOptions>(({ z }) => ({
  name: 'airtable',
  options: airtableOptionsSchema(z),
  defaultThrottle: AIRTABLE_DEFAULT_THROTTLE,
  maxBatchSize: AIRTABLE_MAX_BATCH,
  secretOptions: ['creds.apiKey', 'creds.baseId'],
  editTimesMissing: (o) => o.last_modified_field !== undefined ? undefined : {
    needs: 'last_modified_field (a "Last modified time" field)',
    because: 'without it Airtable reports no edit time and newer Airtable edits would lose every conflict',
  },
  tableOf: (o) => o.table,
  create: (o, wiring) => createAirtableAdapter(withWiring(o, wiring)),
}));
