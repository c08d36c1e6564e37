import { describeSourceAdapterContract } from '@syncframe/test-kit/contracts';
import { airtableSetup, createAirtableAdapter } from './airtable-fixtures.js';
import type { AirtableSideOptions } from '../src/index.js';

function harness(sideOptions: Partial<AirtableSideOptions>) {
  return async () => {
    const { fake, options } = await airtableSetup({}, sideOptions);
    const adapter = createAirtableAdapter(options);
    return {
      adapter,
      keyField: 'Key',
      textField: 'Text',
      fields: (key: string, text: string) => ({ Key: key, Text: text }),
      seed: async (fields: Record<string, unknown>) => {
        const r = fake.insert('Items', fields);
        return { id: r.id, fields, updatedAt: r.createdTime, deleted: false };
      },
      edit: async (id: string, fields: Record<string, unknown>) => {
        fake.edit('Items', id, fields);
      },
      missingId: 'recMISSING0000000',
      pageSize: 100,
      requestCount: () => fake.requests.length,
      close: () => fake.close(),
    };
  };
}

describeSourceAdapterContract('AirtableAdapter (last_modified_field, soft delete)', harness({}));
describeSourceAdapterContract('AirtableAdapter (LAST_MODIFIED_TIME(), soft delete)', harness({ last_modified_field: undefined }));
