import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoadedConfig } from '@syncframe/config';
import { BUILTIN_ADAPTER_PLUGINS } from '@syncframe/builtin-adapters';
import { loadConfig } from '@syncframe/config';
import { createLogger } from '@syncframe/engine';
import { createConfigReloader } from '@syncframe/fleet';
import { tempDir, writeMappers } from '@syncframe/test-kit/fleet';

function configWith(dir: string, ids: string[]): string {
  const path = join(dir, 'jobs.jsonc');
  const job = (id: string) => ({
    id,
    sides: { a: { adapter: 'memory', table: `A-${id}` }, b: { adapter: 'memory', table: `B-${id}` } },
    mappings: { 'a->b': './at-to-wf.mjs', 'b->a': './wf-to-at.mjs' },
  });
  writeFileSync(path, JSON.stringify({ linkindex: { driver: 'memory' }, jobs: ids.map(job) }));
  return path;
}

const jobIds = (config: LoadedConfig | null) => config?.jobs.map((j) => j.id) ?? null;

describe('createConfigReloader', () => {
  it('a reload asked for while another runs reads the file after the change, not the running reload\'s copy', async () => {
    const dir = tempDir();
    writeMappers(dir);
    const path = configWith(dir, ['one']);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    let reloads = 0;
    const reloader = createConfigReloader<LoadedConfig>(await loadConfig(path, { adapters: BUILTIN_ADAPTER_PLUGINS }), {
      configPath: path, env: {}, logger: createLogger({ level: 'silent' }), processName: 'test', requireFleetStore: false, watch: false,
      // The first reload hangs in onReload (e.g. waiting for the reconcile lock) after reading the file.
      onReload: async (config) => {
        if (++reloads === 1) await gate;
        return config;
      },
    });
    const first = reloader.reload();
    await new Promise((r) => setTimeout(r, 50));
    configWith(dir, ['one', 'two']);
    const second = reloader.reload();
    const third = reloader.reload();
    release();
    expect(jobIds(await first)).toEqual(['one']);
    expect(jobIds(await second)).toEqual(['one', 'two']);
    // Triggers during one reload share the one that follows it.
    expect(third).toBe(second);
    expect(reloads).toBe(2);
    expect(jobIds(reloader.current())).toEqual(['one', 'two']);
    reloader.close();
  });
});
