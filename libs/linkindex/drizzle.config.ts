import { defineConfig } from 'drizzle-kit';

/**
 * drizzle-kit generates the SQL migrations from `src/schema.ts` (run from this folder):
 *   npx drizzle-kit generate --name <what_changed>
 * The generated files under `migrations/` are committed and applied by `migrate()` at startup.
 */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema.ts',
  out: './migrations',
});
