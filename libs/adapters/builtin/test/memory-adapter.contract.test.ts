import { MemoryAdapter } from '@syncframe/builtin-adapters';
import { InMemoryAdapter } from '@syncframe/test-kit';
import { describeSourceAdapterContract } from '@syncframe/test-kit/contracts';

// The production `memory` side (the `memory` plug-in) and the test kit's instrumented subclass of it pass
// the same contract: soft deletes, small pages so the paging tests cross pages.
const adapters = [
  { name: 'MemoryAdapter', create: () => new MemoryAdapter({ table: 'items', pageSize: 10 }), requests: null },
  {
    name: 'InMemoryAdapter',
    create: () => new InMemoryAdapter({ table: 'items', pageSize: 10, rateLimitKey: 'memory:test' }),
    requests: (adapter: MemoryAdapter) => (adapter as InMemoryAdapter).requests.length,
  },
];

for (const { name, create, requests } of adapters) {
  describeSourceAdapterContract(name, async () => {
    const adapter = create();
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
      ...(requests ? { requestCount: () => requests(adapter) } : {}),
      close: async () => {},
    };
  });
}
