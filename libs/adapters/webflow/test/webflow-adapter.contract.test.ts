import { describeSourceAdapterContract } from '@syncframe/test-kit/contracts';
import { createWebflowAdapter, designerFields, webflowSetup } from './webflow-fixtures.js';
import type { WebflowSideOptions } from '../src/index.js';
import { fakeContractHarness } from '../../test/adapter-test-fixtures.js';

function harness(sideOptions: Partial<WebflowSideOptions>, fakeOptions: { ignoreListFilters?: boolean } = {}) {
  return fakeContractHarness(() => webflowSetup(fakeOptions, sideOptions), createWebflowAdapter, {
    table: 'posts',
    keyField: 'key',
    textField: 'text',
    fields: (key, text) => ({ name: `${key} ${text}`, key, text }),
    insert: (fake, fields) => {
      const item = fake.insert('posts', designerFields(fields));
      return { id: item.id, updatedAt: item.lastUpdated };
    },
    missingId: '0123456789abcdef01234567',
  });
}

describeSourceAdapterContract('WebflowAdapter (staged, archive)', harness({}));
describeSourceAdapterContract('WebflowAdapter (live, archive)', harness({ publish: 'live' }));
describeSourceAdapterContract('WebflowAdapter (server ignores lastUpdated filter: full scan)', harness({}, { ignoreListFilters: true }));
