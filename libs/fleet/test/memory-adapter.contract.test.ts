import { MemoryAdapter } from '@syncframe/fleet';
import { describeSourceAdapterContract } from '@syncframe/test-kit/contracts';

// The production `memory` side (build-sync-job.ts): soft deletes, small pages so the paging tests cross pages.
describeSourceAdapterContract('MemoryAdapter', async () => {
  const adapter = new MemoryAdapter({ table: 'items', pageSize: 10 });
  return {
    adapter,
    keyField: 'key',
    textField: 'text',
    fields: (key, text) => ({ key, text }),
    seed: async (fields) => adapter.insert(fields),
    edit: async (id, fields) => {
      adapter.edit(id, fields);
    },
    missingId: 'r-missing',
    pageSize: 10,
    close: async () => {},
  };
});
