import { createAirtableAdapter } from '../src/index.js';
import type { AirtableSideOptions } from '../src/index.js';
import { startAirtableFake } from '@syncframe/fakes';
import type { AirtableFake, AirtableFakeOptions } from '@syncframe/fakes';

export const BASE_ID = 'appTESTbase000001';
export const TOKEN = 'patFAKE.secret-token-value-0123456789';

/** The schema tests use: writable fields, a soft-delete checkbox, and computed fields. */
export const TABLES: AirtableFakeOptions['bases'] = {
  [BASE_ID]: {
    tables: [
      {
        name: 'Items',
        fields: [
          { name: 'Key', type: 'singleLineText' },
          { name: 'Text', type: 'singleLineText' },
          { name: 'Count', type: 'number' },
          { name: 'Published', type: 'checkbox' },
          { name: 'Deleted', type: 'checkbox' },
          { name: 'Status', type: 'singleSelect', choices: ['Todo', 'Done'] },
          { name: 'Tags', type: 'multipleSelects', choices: ['red', 'green'] },
          { name: 'Photos', type: 'multipleAttachments' },
          { name: 'Related', type: 'multipleRecordLinks', linkedTable: 'Items' },
          { name: 'Last Modified', type: 'lastModifiedTime' },
          { name: 'Created', type: 'createdTime' },
          { name: 'Number', type: 'autoNumber' },
          { name: 'Summary', type: 'formula', compute: (r) => `${String(r.fields.Key ?? '')}:${String(r.fields.Text ?? '')}` },
        ],
      },
    ],
  },
};

export interface AirtableTestSetup {
  fake: AirtableFake;
  options: AirtableSideOptions;
}

/** A fake with the test schema, and adapter options pointing at it. */
export async function airtableSetup(
  fakeOptions: Partial<AirtableFakeOptions> = {},
  sideOptions: Partial<AirtableSideOptions> = {},
): Promise<AirtableTestSetup> {
  const fake = await startAirtableFake({ tokens: [TOKEN], bases: TABLES, rateLimit: false, ...fakeOptions });
  const options: AirtableSideOptions = {
    table: 'Items',
    creds: { apiKey: TOKEN, baseId: BASE_ID },
    api_url: fake.url,
    jobId: 'job-1',
    sideName: 'crm',
    timeoutMs: 2_000,
    soft_delete_field: 'Deleted',
    last_modified_field: 'Last Modified',
    ...sideOptions,
  };
  return { fake, options };
}

export { createAirtableAdapter };
