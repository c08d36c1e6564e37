/**
 * @syncframe/builtin-adapters: the adapters SyncFrame ships, each an adapter plug-in like any
 * third-party one, registered by the `adapter` name a config uses for it. The config layer and the
 * fleet know no adapter by name: every process that loads a config passes this registry
 * (`loadConfig(file, { adapters: BUILTIN_ADAPTER_PLUGINS })`).
 */
import type { AdapterPluginFactory } from '@syncframe/adapter-kit';
import { airtableAdapter } from '@syncframe/adapter-airtable/plugin';
import { postgresAdapter } from '@syncframe/adapter-postgres/plugin';
import { webflowAdapter } from '@syncframe/adapter-webflow/plugin';
import { memoryAdapter } from './memory-plugin.js';

/** The built-in adapter plug-ins, by their `adapter` name, in the order messages list them. */
export const BUILTIN_ADAPTER_PLUGINS: Readonly<Record<string, AdapterPluginFactory>> = Object.freeze({
  airtable: airtableAdapter,
  webflow: webflowAdapter,
  memory: memoryAdapter,
  postgres: postgresAdapter,
});

export { MemoryAdapter } from './memory-adapter.js';
export type { MemoryAdapterOptions, MemoryOperation } from './memory-adapter.js';
export { memoryAdapter } from './memory-plugin.js';
