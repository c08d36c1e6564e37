// Writes config/syncframe.schema.json from the zod schema, so editors validate and explain the
// config file. Run after changing config-schema.ts:
//   node --import tsx libs/config/scripts/generate-json-schema.ts          (write)
//   node --import tsx libs/config/scripts/generate-json-schema.ts --check  (exit 1 if stale, for CI)
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { BUILTIN_ADAPTER_PLUGINS } from '@syncframe/builtin-adapters';
import { renderConfigJsonSchema } from '../src/json-schema.js';

const target = fileURLToPath(new URL('../../../config/syncframe.schema.json', import.meta.url));
const content = renderConfigJsonSchema(BUILTIN_ADAPTER_PLUGINS);

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
