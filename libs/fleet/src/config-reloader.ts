import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { LoadedConfig } from '@syncframe/config';
import { loadConfig } from '@syncframe/config';
import type { Logger } from '@syncframe/engine';
import { assertFleetStore } from './fleet-store.js';
import { BUILTIN_ADAPTER_PLUGINS } from '@syncframe/builtin-adapters';

export interface ConfigReloaderOptions<T> {
  readonly configPath: string;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  /** `scheduler`, `worker` or `board`: named in the log and in the store check's message. */
  readonly processName: string;
  /**
   * Refuse a reloaded config whose LinkIndex is not postgres (the scheduler and workers share
   * state through it); the board, which opens any driver, turns it off. @defaultValue true
   */
  readonly requireFleetStore?: boolean;
  /** Runs after each successful reload, with the new config. */
  readonly onReload: (config: LoadedConfig) => Promise<T>;
  /** Reload when the config file or its `.env` changes. @defaultValue true */
  readonly watch?: boolean;
}

export interface ConfigReloader<T> {
  current(): LoadedConfig;
  /** Re-reads the config; a config with errors is logged and the previous one kept (result null). */
  reload(): Promise<T | null>;
  close(): void;
}

/**
 * A fleet process's config, reloaded when the file (or the `.env` beside it) changes, and when the
 * process calls `reload()` (the apps do on SIGHUP: signals are the process's, not a library's).
 * A reload always reads the file as it is after it was asked for: triggers while none runs share
 * one; triggers while one runs (it may have read the file before their change) share one more,
 * which starts when the running one ends.
 */
export function createConfigReloader<T>(initial: LoadedConfig, options: ConfigReloaderOptions<T>): ConfigReloader<T> {
  let config = initial;
  let reloading: Promise<T | null> | null = null;
  const reloadOnce = async (): Promise<T | null> => {
    try {
      const next = await loadConfig(options.configPath, { env: options.env, adapters: BUILTIN_ADAPTER_PLUGINS });
      if (options.requireFleetStore !== false) assertFleetStore(next, options.processName);
      config = next;
    } catch (err) {
      options.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'config reload failed; keeping the previous config');
      return null;
    }
    options.logger.info({ jobs: config.jobs.length }, 'config reloaded');
    return options.onReload(config);
  };
  let following: Promise<T | null> | null = null;
  const reload = (): Promise<T | null> => {
    if (!reloading) {
      reloading = reloadOnce().finally(() => { reloading = null; });
      return reloading;
    }
    following ??= reloading.then(() => {
      following = null;
      return reload();
    });
    return following;
  };
  let watcher: FSWatcher | null = null;
  let debounce: NodeJS.Timeout | null = null;
  if (options.watch !== false) {
    // Watch the folder: editors replace the file, which ends a watch on the file itself.
    const file = basename(initial.file);
    watcher = watch(dirname(initial.file), (_event, name) => {
      if (name !== file && name !== '.env') return;
      if (debounce) clearTimeout(debounce);
      debounce = setTimeout(() => void reload(), 300);
    });
  }
  return {
    current: () => config,
    reload,
    close() {
      if (debounce) clearTimeout(debounce);
      watcher?.close();
    },
  };
}
