import path from 'node:path';
import type { AdapterPluginFactory } from '@syncframe/adapter-kit/plugin';
import { adapterReferences, analyzeConfigText, sortAdapterResults } from './analyze-config-text.js';
import { ConfigFileError } from './config-file-error.js';
import { AdapterLoader } from './load-adapters.js';
import type { EnvVars, ParsedConfig } from './config-types.js';

/**
 * Validates config text without touching the file system: mapper modules are resolved to absolute
 * paths but not imported, and no `.env` is read (pass the variables in `env`).
 *
 * @param file - names the file in messages and anchors relative paths (its folder).
 * @param env - variables for `${VAR}`. @defaultValue `{}`
 * @param adapters - the adapter plug-ins sides may name (registered ones only: nothing is imported).
 * @throws ConfigFileError listing every problem found.
 */
export function parseConfigText(
  text: string, file: string, env: EnvVars = {}, adapters: Readonly<Record<string, AdapterPluginFactory>> = {},
): ParsedConfig {
  const loader = new AdapterLoader(adapters);
  const dir = path.dirname(path.resolve(file));
  const { plugins, problems } = sortAdapterResults(adapterReferences(text, file, env).map((ref) => [ref, loader.loadRegistered(dir, ref.specifier)] as const));
  const { issues, config } = analyzeConfigText(text, file, env, plugins, problems);
  if (config === undefined) throw new ConfigFileError(issues.issues());
  return config;
}
