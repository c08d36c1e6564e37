import { describeSourceAdapterContract } from '@syncframe/test-kit/contracts';
import { createWebflowAdapter, designerFields, webflowSetup } from './webflow-fixtures.js';
import type { WebflowSideOptions } from '../src/index.js';

function harness(sideOptions: Partial<WebflowSideOptions>, fakeOptions: { ignoreListFilters?: boolean } = {}) {
  return async () => {
    const { fake, options } = await webflowSetup(fakeOptions, sideOptions);
    const adapter = createWebflowAdapter(options);
    return {
      adapter,
      keyField: 'key',
      textField: 'text',
      fields: (key: string, text: string) => ({ name: `${key} ${text}`, key, text }),
      seed: async (fields: Record<string, unknown>) => {
        const item = fake.insert('posts', designerFields(fields));
        return { id: item.id, fields, updatedAt: item.lastUpdated, deleted: false };
      },
      edit: async (id: string, fields: Record<string, unknown>) => {
        fake.edit('posts', id, fields);
      },
      missingId: '0123456789abcdef01234567',
      pageSize: 100,
      requestCount: () => fake.requests.length,
      close: () => fake.close(),
    };
  };
}

describeSourceAdapterContract('WebflowAdapter (staged, archive)', harness({}));
describeSourceAdapterContract('WebflowAdapter (live, archive)', harness({ publish: 'live' }));
describeSourceAdapterContract('WebflowAdapter (server ignores lastUpdated filter: full scan)', harness({}, { ignoreListFilters: true }));
