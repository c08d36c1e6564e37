import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { LinkIndexStore } from '@syncframe/linkindex';
import { openLinkIndex } from '@syncframe/linkindex';
import { describeSyncScenarios } from '@syncframe/test-kit/contracts';

// The engine's scenario tests, with the embedded PGlite LinkIndex as their store.
let store: LinkIndexStore;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'syncframe-scenarios-'));
  store = (await openLinkIndex({ driver: 'pglite', conn: join(dir, 'pglite') }, { migrate: true })).linkIndex;
}, 60_000);

afterAll(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describeSyncScenarios('pglite', () => store);
