import { afterAll, beforeAll } from 'vitest';
import type { LinkIndexStore } from '@syncframe/linkindex';
import { openLinkIndex } from '@syncframe/linkindex';
import { describeSyncScenarios } from '@syncframe/test-kit/contracts';
import { postgresUrl } from './postgres-url.js';
import { dropSchema, randomSchema } from '@syncframe/test-kit/pg';

// The engine's scenario tests, with the PostgreSQL LinkIndex as their store.
let store: LinkIndexStore;
let url: string;
const schema = randomSchema('scenarios');

beforeAll(async () => {
  url = await postgresUrl();
  store = (await openLinkIndex({ driver: 'postgres', conn: url, schema }, { migrate: true })).linkIndex;
});

afterAll(async () => {
  await store?.close();
  if (url) await dropSchema(url, schema);
});

describeSyncScenarios('postgres', () => store);
