import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests run against the TypeScript sources, so a change needs no rebuild to be tested.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@syncframe\/adapter-kit$/, replacement: src('./libs/adapters/common/src/index.ts') },
      { find: /^@syncframe\/fakes$/, replacement: src('./libs/fakes/src/index.ts') },
      { find: /^@syncframe\/test-kit$/, replacement: src('./libs/test-kit/src/index.ts') },
      { find: /^@syncframe\/test-kit\/(contracts|fleet|pg|faults)$/, replacement: src('./libs/test-kit/src/$1/index.ts') },
      { find: /^@syncframe\/engine$/, replacement: src('./libs/engine/src/index.ts') },
      { find: /^@syncframe\/linkindex$/, replacement: src('./libs/linkindex/src/index.ts') },
      { find: /^@syncframe\/linkindex\/config$/, replacement: src('./libs/linkindex/src/config.ts') },
      { find: /^@syncframe\/adapter-airtable$/, replacement: src('./libs/adapters/airtable/src/index.ts') },
      { find: /^@syncframe\/adapter-airtable\/limits$/, replacement: src('./libs/adapters/airtable/src/airtable-limits.ts') },
      { find: /^@syncframe\/adapter-webflow$/, replacement: src('./libs/adapters/webflow/src/index.ts') },
      { find: /^@syncframe\/adapter-webflow\/limits$/, replacement: src('./libs/adapters/webflow/src/webflow-limits.ts') },
      { find: /^@syncframe\/adapter-postgres$/, replacement: src('./libs/adapters/postgres/src/index.ts') },
      { find: /^@syncframe\/adapter-postgres\/limits$/, replacement: src('./libs/adapters/postgres/src/postgres-limits.ts') },
      { find: /^@syncframe\/adapter-postgres\/schema$/, replacement: src('./libs/adapters/postgres/src/postgres-side-schema.ts') },
      { find: /^@syncframe\/adapter-kit\/plugin$/, replacement: src('./libs/adapters/common/src/adapter-plugin.ts') },
      { find: /^@syncframe\/adapter-airtable\/plugin$/, replacement: src('./libs/adapters/airtable/src/airtable-plugin.ts') },
      { find: /^@syncframe\/adapter-webflow\/plugin$/, replacement: src('./libs/adapters/webflow/src/webflow-plugin.ts') },
      { find: /^@syncframe\/adapter-postgres\/plugin$/, replacement: src('./libs/adapters/postgres/src/postgres-plugin.ts') },
      { find: /^@syncframe\/builtin-adapters$/, replacement: src('./libs/adapters/builtin/src/index.ts') },
      { find: /^@syncframe\/builtin-adapters\/memory-adapter$/, replacement: src('./libs/adapters/builtin/src/memory-adapter.ts') },
      { find: /^@syncframe\/config$/, replacement: src('./libs/config/src/index.ts') },
      { find: /^@syncframe\/fleet$/, replacement: src('./libs/fleet/src/index.ts') },
      { find: /^@syncframe\/scheduler$/, replacement: src('./apps/scheduler/src/index.ts') },
      { find: /^@syncframe\/worker$/, replacement: src('./apps/worker/src/index.ts') },
      { find: /^@syncframe\/board$/, replacement: src('./apps/board/src/index.ts') },
      { find: /^@syncframe\/cli$/, replacement: src('./apps/cli/src/index.ts') },
    ],
  },
  test: {
    include: ['libs/**/test/**/*.test.ts', 'apps/**/test/**/*.test.ts', 'deploy/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
