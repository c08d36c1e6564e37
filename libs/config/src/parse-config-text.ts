import { analyzeConfigText } from './analyze-config-text.js';
import { ConfigFileError } from './config-file-error.js';
import type { EnvVars, ParsedConfig } from './config-types.js';

/**
 * Validates config text without touching the file system: mapper modules are resolved to absolute
 * paths but not imported, and no `.env` is read (pass the variables in `env`).
 *
 * @param file - names the file in messages and anchors relative paths (its folder).
 * @param env - variables for `${VAR}`. @defaultValue `{}`
 * @throws ConfigFileError listing every problem found.
 */
export function parseConfigText(text: string, file: string, env: EnvVars = {}): ParsedConfig {
  const { issues, config } = analyzeConfigText(text, file, env);
  if (config === undefined) throw new ConfigFileError(issues.issues());
  return config;
}
