import type { AdapterPlugin, AdapterPluginFactory } from '@syncframe/adapter-kit/plugin';
import { z } from 'zod';
import { configFileSchemaFor } from './config-schema.js';

/**
 * Editors check the file as written, before `${VAR}` expansion, so a value pattern (job id,
 * base id…) would flag `"${AIRTABLE_BASE_ID}"`. Each value pattern also accepts any string
 * holding a `${` reference; loadConfig checks the expanded value against the real pattern.
 * Key patterns (`propertyNames`) stay as they are: keys are never expanded.
 */
function allowEnvReferences(node: unknown, underPropertyNames = false): unknown {
  if (Array.isArray(node)) return node.map((item) => allowEnvReferences(item, underPropertyNames));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'pattern' && typeof value === 'string' && !underPropertyNames) out[key] = `(?:${value})|\\$\\{`;
    else out[key] = allowEnvReferences(value, key === 'propertyNames');
  }
  return out;
}

/**
 * The JSON Schema of the config file, for editors (`"$schema": "./syncframe.schema.json"`).
 * Draft-07 because it is what most editors support fully; `io: 'input'` so keys with defaults
 * are optional, as they are in the file. Cross-field rules (mapping and match names, cron
 * syntax, unique ids) cannot be expressed here: only loadConfig enforces them. `adapters`: plug-ins
 * registered by name whose sides the schema describes too (the built-in ones SyncFrame ships).
 */
export function configJsonSchema(adapters: Readonly<Record<string, AdapterPluginFactory>> = {}): Record<string, unknown> {
  const plugins = new Map<string, AdapterPlugin>(Object.entries(adapters).map(([name, factory]) => [name, factory({ z })]));
  const schema = z.toJSONSchema(configFileSchemaFor(plugins), { target: 'draft-07', io: 'input' });
  return { ...(allowEnvReferences(schema) as Record<string, unknown>), title: 'SyncFrame configuration' };
}

/** The schema file's exact content: pretty-printed, with a final newline. */
export function renderConfigJsonSchema(adapters: Readonly<Record<string, AdapterPluginFactory>> = {}): string {
  return `${JSON.stringify(configJsonSchema(adapters), null, 2)}\n`;
}
