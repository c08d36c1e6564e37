import { defineConfig } from 'drizzle-kit';

/**
 * drizzle-kit generates the SQLite migrations from `src/schema.sqlite.ts` (run from this folder):
 *   npx drizzle-kit generate --config drizzle.config.sqlite.ts --name <what_changed>
 * The generated files under `migrations-sqlite/` are committed and applied by the `sqlite` driver at startup.
 */
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/schema.sqlite.ts',
  out: './migrations-sqlite',
});
