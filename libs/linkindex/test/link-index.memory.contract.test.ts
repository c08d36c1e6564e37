import { openLinkIndex } from '@syncframe/linkindex';
import { describeLinkIndexContract } from '../../engine/test/contracts/link-index.contract.js';

describeLinkIndexContract(
  'memory driver',
  async () => {
    const { linkIndex } = await openLinkIndex({ driver: 'memory' });
    return { linkIndex, close: () => linkIndex.close() };
  },
  { leases: true },
);
