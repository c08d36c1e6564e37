import type { EnvVars } from './config-types.js';
import type { IssueCollector } from './issue-collector.js';
import type { KeyPath } from './key-path.js';

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Expands `${VAR}` in every string value (never in keys) from `env`. `$${` stands for a literal
 * `${` (the Docker Compose convention, and it needs no JSON escaping, unlike a backslash).
 * A `$` not followed by `{` is kept as it is. Unset variables are reported, not replaced by "":
 * an empty token would only fail later, far from the cause. A variable set to "" is set.
 *
 * Paths whose value received a substitution are told to `issues`, so that no message or display
 * ever repeats what came from the environment.
 */
export function expandEnv(value: unknown, env: EnvVars, issues: IssueCollector, path: KeyPath = []): unknown {
  if (typeof value === 'string') return expandString(value, env, issues, path);
  if (Array.isArray(value)) return value.map((item, i) => expandEnv(item, env, issues, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = expandEnv(item, env, issues, [...path, key]);
    return out;
  }
  return value;
}

function expandString(input: string, env: EnvVars, issues: IssueCollector, path: KeyPath): string {
  if (!input.includes('${')) return input;
  let out = '';
  const used: string[] = [];
  let i = 0;
  while (i < input.length) {
    if (input.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (!input.startsWith('${', i)) {
      out += input[i];
      i += 1;
      continue;
    }
    const end = input.indexOf('}', i + 2);
    const reference = end < 0 ? input.slice(i) : input.slice(i, end + 1);
    const name = end < 0 ? '' : input.slice(i + 2, end);
    if (end < 0 || !VARIABLE_NAME.test(name)) {
      issues.inString(
        path,
        reference,
        `invalid environment variable reference ${JSON.stringify(reference)} (write \${NAME} with letters, digits and _, or $\${ for a literal \${)`,
      );
      out += reference;
    } else {
      const resolved = Object.prototype.hasOwnProperty.call(env, name) ? env[name] : undefined;
      if (resolved === undefined) {
        issues.inString(path, reference, `environment variable ${name} is not set`);
        out += reference;
      } else {
        out += resolved;
        used.push(resolved);
      }
    }
    i += reference.length;
  }
  if (used.length > 0) issues.noteEnvDerived(path, [...used, out]);
  return out;
}
