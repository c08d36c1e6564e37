import type { LoadedConfig } from '@syncframe/config';
import { loadConfig } from '@syncframe/config';
import type { Logger } from '@syncframe/engine';
import { createLogger } from '@syncframe/engine';
import type { LinkIndexStore } from '@syncframe/linkindex';
import { openLinkIndex } from '@syncframe/linkindex';
import type { FleetSettings } from './fleet-settings.js';
import { fleetSettingsFromEnv } from './fleet-settings.js';
import { assertFleetStore } from './fleet-store.js';
import { DEFAULT_REDIS_URL } from './redis-connection.js';
import { BUILTIN_ADAPTER_PLUGINS } from '@syncframe/builtin-adapters';

export interface FleetProcessOptions {
  readonly configPath: string;
  /** @defaultValue process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @defaultValue pino JSON on stdout, service `syncframe-<name>` */
  readonly logger?: Logger;
  /** Overrides of the settings read from the environment. */
  readonly settings?: Partial<FleetSettings>;
  /** Reload the config when its file changes (it is always reloaded on SIGHUP). @defaultValue true */
  readonly watchConfig?: boolean;
}

export interface FleetProcess {
  readonly env: NodeJS.ProcessEnv;
  readonly settings: FleetSettings;
  readonly logger: Logger;
  readonly config: LoadedConfig;
  /** The migrated PostgreSQL LinkIndex. */
  readonly store: LinkIndexStore;
  readonly redisUrl: string;
}

/** What every fleet process starts with: settings, logger, its config (postgres only) and the migrated store. */
export async function openFleetProcess(name: 'scheduler' | 'worker', options: FleetProcessOptions): Promise<FleetProcess> {
  const env = options.env ?? process.env;
  const settings: FleetSettings = { ...fleetSettingsFromEnv(env), ...options.settings };
  const logger = options.logger ?? createLogger({ level: env.LOG_LEVEL || 'info', base: { service: `syncframe-${name}` } });
  const config = await loadConfig(options.configPath, { env, adapters: BUILTIN_ADAPTER_PLUGINS });
  assertFleetStore(config, name);
  const { linkIndex: store } = await openLinkIndex(config.linkindex, { migrate: true, logger, outageToleranceMs: settings.storeOutageToleranceMs });
  return { env, settings, logger, config, store, redisUrl: env.REDIS_URL || DEFAULT_REDIS_URL };
}
