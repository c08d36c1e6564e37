import { createAirtableAdapter } from '../src/index.js';
import type { AirtableSideOptions } from '../src/index.js';
import { startAirtableFake } from '@syncframe/fakes';
import type { AirtableFake, AirtableFakeOptions } from '@syncframe/fakes';
import { airtableBase, startFakeSide, unitTestSide } from '../../test/adapter-test-fixtures.js';
import type { FakeSide } from '../../test/adapter-test-fixtures.js';

export const BASE_ID = 'appTESTbase000001';
export const TOKEN = 'patFAKE.secret-token-value-0123456789';

/** The schema tests use: writable fields, a soft-delete checkbox, and computed fields. */
export const TABLES: AirtableFakeOptions['bases'] = airtableBase(BASE_ID, {
  Items: {
    Key: 'singleLineText', Text: 'singleLineText', Count: 'number', Published: 'checkbox', Deleted: 'checkbox',
    Status: { type: 'singleSelect', choices: ['Todo', 'Done'] }, Tags: { type: 'multipleSelects', choices: ['red', 'green'] },
    Photos: 'multipleAttachments', Related: { type: 'multipleRecordLinks', linkedTable: 'Items' },
    'Last Modified': 'lastModifiedTime', Created: 'createdTime', Number: 'autoNumber',
    Summary: { type: 'formula', compute: (r) => `${String(r.fields.Key ?? '')}:${String(r.fields.Text ?? '')}` },
  },
});

export type AirtableTestSetup = FakeSide<AirtableFake, AirtableSideOptions>;

/** A fake with the test schema, and adapter options pointing at it. */
export function airtableSetup(
  fakeOptions: Partial<AirtableFakeOptions> = {},
  sideOptions: Partial<AirtableSideOptions> = {},
): Promise<AirtableTestSetup> {
  return startFakeSide(startAirtableFake, { tokens: [TOKEN], bases: TABLES, rateLimit: false, ...fakeOptions }, (fake): AirtableSideOptions => ({
    table: 'Items',
    creds: { apiKey: TOKEN, baseId: BASE_ID },
    ...unitTestSide(fake.url, 'crm'),
    soft_delete_field: 'Deleted',
    last_modified_field: 'Last Modified',
    ...sideOptions,
  }));
}

export { createAirtableAdapter };
