import { openLinkIndex } from '@syncframe/linkindex';
import { describeLinkIndexContract } from '@syncframe/test-kit/contracts';

describeLinkIndexContract(
  'memory driver',
  async () => {
    const { linkIndex } = await openLinkIndex({ driver: 'memory' });
    return { linkIndex, close: () => linkIndex.close() };
  },
  { leases: true },
);
