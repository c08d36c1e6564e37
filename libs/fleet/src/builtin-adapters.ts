import type { AdapterPluginFactory } from '@syncframe/adapter-kit';
import { postgresAdapter } from '@syncframe/adapter-postgres/plugin';

/**
 * Adapter plug-ins SyncFrame ships, by the `adapter` name a config uses for them: every process
 * that loads a config passes these (`loadConfig(file, { adapters })`).
 */
export const BUILTIN_ADAPTER_PLUGINS: Readonly<Record<string, AdapterPluginFactory>> = Object.freeze({ postgres: postgresAdapter });
