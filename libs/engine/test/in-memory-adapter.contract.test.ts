import { InMemoryAdapter } from '@syncframe/test-kit';
import { describeSourceAdapterContract } from '@syncframe/test-kit/contracts';

// The reference implementation: soft deletes, small pages so the paging tests cross pages.
describeSourceAdapterContract('InMemoryAdapter', async () => {
  const adapter = new InMemoryAdapter({ table: 'items', pageSize: 10, rateLimitKey: 'memory:test' });
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
    requestCount: () => adapter.requests.length,
    close: async () => {},
  };
});
