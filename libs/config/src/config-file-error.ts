import { ConfigError } from '@syncframe/engine';
import type { ConfigIssue } from './config-types.js';

/** `config/jobs.jsonc:14:9 jobs[0].sides.webflow.collection: required` */
export function formatConfigIssue(issue: ConfigIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  return issue.path === '' ? `${where} ${issue.message}` : `${where} ${issue.path}: ${issue.message}`;
}

/**
 * The config file is invalid. `issues` lists every problem found, in file order; the message
 * has one formatted issue per line, ready to print. Never contains an environment variable's value.
 */
export class ConfigFileError extends ConfigError {
  override name = 'ConfigFileError';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options: { cause?: unknown } = {}) {
    super(issues.map(formatConfigIssue).join('\n'), options);
    this.issues = issues;
  }
}

export function isConfigFileError(err: unknown): err is ConfigFileError {
  return err instanceof ConfigFileError;
}
