import { describeSourceAdapterContract } from '@syncframe/test-kit/contracts';
import { airtableSetup, createAirtableAdapter } from './airtable-fixtures.js';
import type { AirtableSideOptions } from '../src/index.js';
import { fakeContractHarness } from '../../test/adapter-test-fixtures.js';

function harness(sideOptions: Partial<AirtableSideOptions>) {
  return fakeContractHarness(() => airtableSetup({}, sideOptions), createAirtableAdapter, {
    table: 'Items',
    keyField: 'Key',
    textField: 'Text',
    fields: (key, text) => ({ Key: key, Text: text }),
    insert: (fake, fields) => {
      const r = fake.insert('Items', fields);
      return { id: r.id, updatedAt: r.createdTime };
    },
    missingId: 'recMISSING0000000',
  });
}

describeSourceAdapterContract('AirtableAdapter (last_modified_field, soft delete)', harness({}));
describeSourceAdapterContract('AirtableAdapter (LAST_MODIFIED_TIME(), soft delete)', harness({ last_modified_field: undefined }));
