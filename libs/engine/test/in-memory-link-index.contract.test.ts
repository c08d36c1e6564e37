import { InMemoryLinkIndex } from '@syncframe/test-kit';
import { describeLinkIndexContract } from '@syncframe/test-kit/contracts';

// The reference implementation: it has no leases (JobLeases live in the stores of @syncframe/linkindex).
describeLinkIndexContract('InMemoryLinkIndex', async () => ({ linkIndex: new InMemoryLinkIndex(), close: async () => {} }));
