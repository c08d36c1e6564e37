import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_ADAPTER_PLUGINS } from '@syncframe/builtin-adapters';
import { loadConfig } from '@syncframe/config';
import type { LoadedConfig } from '@syncframe/config';

/** A loaded config in a temporary folder, and how to remove it. */
export interface TempConfig {
  readonly config: LoadedConfig;
  remove(): void;
}

/**
 * A config with one job `j` between two `memory` sides (`a`, `b`), copying fields both ways, on
 * the `memory` LinkIndex: for tests of the fleet's processing that need a real loaded config.
 */
export async function memoryJobConfig(): Promise<TempConfig> {
  const dir = mkdtempSync(join(tmpdir(), 'syncframe-memory-job-'));
  writeFileSync(join(dir, 'same.mjs'), 'export default (r) => ({ fields: { ...r.fields } });\n');
  writeFileSync(join(dir, 'jobs.jsonc'), JSON.stringify({
    linkindex: { driver: 'memory' },
    jobs: [{ id: 'j', sides: { a: { adapter: 'memory', table: 'A' }, b: { adapter: 'memory', table: 'B' } }, mappings: { 'a->b': './same.mjs', 'b->a': './same.mjs' } }],
  }));
  const config = await loadConfig(join(dir, 'jobs.jsonc'), { env: {}, adapters: BUILTIN_ADAPTER_PLUGINS });
  return { config, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
