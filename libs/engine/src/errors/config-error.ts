import { PermanentError } from './permanent-error.js';

/** The job's configuration is invalid (also found at run time, e.g. a mapper that is not a function). */
export class ConfigError extends PermanentError {
  override name = 'ConfigError';
}

export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError;
}
