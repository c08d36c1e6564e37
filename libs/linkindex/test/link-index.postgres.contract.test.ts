import { openLinkIndex } from '@syncframe/linkindex';
import { describeLinkIndexContract } from '../../engine/test/contracts/link-index.contract.js';
import { postgresUrl } from './postgres-url.js';
import { dropSchema, randomSchema } from './test-schema.js';

describeLinkIndexContract(
  'postgres driver',
  async () => {
    const url = await postgresUrl();
    const schema = randomSchema('contract');
    const { linkIndex } = await openLinkIndex({ driver: 'postgres', conn: url, schema });
    return {
      linkIndex,
      close: async () => {
        await linkIndex.close();
        await dropSchema(url, schema);
      },
    };
  },
  { leases: true },
);
