import { openLinkIndex } from '@syncframe/linkindex';
import { describeLinkIndexContract } from '@syncframe/test-kit/contracts';
import { postgresUrl } from './postgres-url.js';
import { dropSchema, randomSchema } from '@syncframe/test-kit/pg';

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
