import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { LinkIndexStore } from '@syncframe/linkindex';
import { openLinkIndex } from '@syncframe/linkindex';
import { describeSyncScenarios } from '@syncframe/test-kit/contracts';

// The engine's scenario tests, with the SQLite LinkIndex as their store (own file, removed afterwards).
let store: LinkIndexStore;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'syncframe-scenarios-sqlite-'));
  store = (await openLinkIndex({ driver: 'sqlite', conn: join(dir, 'syncframe.db') }, { migrate: true })).linkIndex;
});

afterAll(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describeSyncScenarios('sqlite', () => store);
