// Writes config/syncframe.schema.json from the zod schema, so editors validate and explain the
// config file. Run after changing config-schema.ts:
//   node --import tsx libs/config/scripts/generate-json-schema.ts          (write)
//   node --import tsx libs/config/scripts/generate-json-schema.ts --check  (exit 1 if stale, for CI)
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { postgresAdapter } from '@syncframe/adapter-postgres/plugin';
import { renderConfigJsonSchema } from '../src/json-schema.js';

/** The adapter plug-ins SyncFrame ships (libs/fleet's BUILTIN_ADAPTER_PLUGINS): editors know their keys too. */
export const SHIPPED_ADAPTERS = { postgres: postgresAdapter };

const target = fileURLToPath(new URL('../../../config/syncframe.schema.json', import.meta.url));
const content = renderConfigJsonSchema(SHIPPED_ADAPTERS);

if (process.argv.includes('--check')) {
  const current = await readFile(target, 'utf8').catch(() => '');
  if (current !== content) {
    console.error(`${target} is out of date; run: node --import tsx libs/config/scripts/generate-json-schema.ts`);
    process.exit(1);
  }
} else {
  await writeFile(target, content);
  console.log(`wrote ${target}`);
}
