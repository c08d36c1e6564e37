import { InMemoryLinkIndex } from '@syncframe/engine/testing';
import { describeLinkIndexContract } from './contracts/link-index.contract.js';

// The reference implementation: it has no leases (JobLeases live in the stores of @syncframe/linkindex).
describeLinkIndexContract('InMemoryLinkIndex', async () => ({ linkIndex: new InMemoryLinkIndex(), close: async () => {} }));
