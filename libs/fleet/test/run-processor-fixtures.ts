/** Setup shared by the run processor's unit tests: a loaded config with one memory job, and a processor over it. */
import { afterAll, beforeAll } from 'vitest';
import type { LoadedConfig } from '@syncframe/config';
import { InProcessThrottles, silentLogger } from '@syncframe/engine';
import { createRunProcessor } from '@syncframe/fleet';
import type { MemoryLinkIndex } from '@syncframe/linkindex';
import { memoryJobConfig } from '@syncframe/test-kit/fleet';
import type { TempConfig } from '@syncframe/test-kit/fleet';

/** The file's config (one job `j` between two memory sides): written before its tests, removed after them. */
export function useMemoryJobConfig(): () => LoadedConfig {
  let temp: TempConfig;
  beforeAll(async () => {
    temp = await memoryJobConfig();
  });
  afterAll(() => temp.remove());
  return () => temp.config;
}

/** A run processor over `store` and the config `config` returns: holder `test:1`, leases of 5 s, busy retries after 1 s. */
export function runProcessorOver(store: MemoryLinkIndex, config: () => LoadedConfig) {
  return createRunProcessor({
    config, store, throttles: new InProcessThrottles(), logger: silentLogger, holder: 'test:1',
    settings: { leaseTtlMs: 5000, busyRetryMs: 1000 },
  });
}
