import { getNodeValue } from 'jsonc-parser';
import { checkJobs, parseMappingKey } from './check-jobs.js';
import { configFileSchema } from './config-schema.js';
import type { EnvVars, ParsedConfig } from './config-types.js';
import { expandEnv } from './expand-env.js';
import { IssueCollector } from './issue-collector.js';
import type { KeyPath } from './key-path.js';
import { parseJsonc } from './parse-jsonc.js';
import { resolveConfig } from './resolve-config.js';
import { translateZodIssues } from './translate-zod-issues.js';
import { isPlainObject } from './value-at.js';

/** A mapping value worth trying to import: a non-empty string, whatever else is wrong. */
export interface MapperReference {
  /** Path of the mapping value, e.g. `['jobs', 0, 'mappings', 'airtable→webflow']`. */
  readonly path: KeyPath;
  /** The expanded value as written, relative to the config file's folder. */
  readonly specifier: string;
}

export interface ConfigAnalysis {
  readonly issues: IssueCollector;
  /** Set when no issue was found. */
  readonly config: ParsedConfig | undefined;
  readonly mappers: readonly MapperReference[];
}

const BOM = '\uFEFF';

/**
 * Every check that needs no file system: JSONC syntax, `${VAR}` expansion, the zod schema and
 * the cross-field checks. All of them run, so one pass reports every problem.
 */
export function analyzeConfigText(text: string, file: string, env: EnvVars): ConfigAnalysis {
  // Editors do not count a byte-order mark as a column, so neither do we.
  const source = text.startsWith(BOM) ? text.slice(1) : text;
  const issues = new IssueCollector(source, file);
  const tree = parseJsonc(source, issues);
  if (tree === undefined) return { issues, config: undefined, mappers: [] };
  issues.tree = tree;

  const value = expandEnv(getNodeValue(tree), env, issues);
  const parsed = configFileSchema.safeParse(value);
  if (!parsed.success) translateZodIssues(parsed.error.issues, configFileSchema, value, issues);
  checkJobs(value, issues);

  const mappers = mapperReferences(value);
  const config = parsed.success && issues.size === 0 ? resolveConfig(parsed.data, file, (p) => issues.isEnvDerived(p)) : undefined;
  return { issues, config, mappers };
}

function mapperReferences(root: unknown): MapperReference[] {
  if (!isPlainObject(root) || !Array.isArray(root['jobs'])) return [];
  return root['jobs'].flatMap((job: unknown, index) => {
    const mappings = isPlainObject(job) ? job['mappings'] : undefined;
    if (!isPlainObject(mappings)) return [];
    return Object.entries(mappings).flatMap(([key, specifier]) =>
      typeof specifier === 'string' && specifier !== '' && parseMappingKey(key) !== undefined
        ? [{ path: ['jobs', index, 'mappings', key], specifier }]
        : [],
    );
  });
}
