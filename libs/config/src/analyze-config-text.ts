import { getNodeValue } from 'jsonc-parser';
import { checkJobs, parseMappingKey } from './check-jobs.js';
import type { AdapterPlugin } from '@syncframe/adapter-kit/plugin';
import { configFileSchemaFor } from './config-schema.js';
import type { AdapterLoadResult } from './load-adapters.js';
import type { EnvVars, ParsedConfig } from './config-types.js';
import { expandEnv } from './expand-env.js';
import { IssueCollector } from './issue-collector.js';
import type { KeyPath } from './key-path.js';
import { parseJsonc } from './parse-jsonc.js';
import { PluginSideError, resolveConfig } from './resolve-config.js';
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

/** A side's `adapter` whose plug-in could not be had: reported at that `adapter` instead of what the schema says. */
export interface AdapterProblem {
  readonly path: KeyPath;
  readonly message: string;
  readonly detail?: string;
}

/**
 * Every check that needs no file system: JSONC syntax, `${VAR}` expansion, the zod schema and
 * the cross-field checks. All of them run, so one pass reports every problem. `plugins`: the
 * plug-in of each `adapter` value that has one; `adapterProblems`: why the others have none.
 */
export function analyzeConfigText(
  text: string, file: string, env: EnvVars, plugins: ReadonlyMap<string, AdapterPlugin> = new Map(),
  adapterProblems: readonly AdapterProblem[] = [],
): ConfigAnalysis {
  // Editors do not count a byte-order mark as a column, so neither do we.
  const source = text.startsWith(BOM) ? text.slice(1) : text;
  const issues = new IssueCollector(source, file);
  const tree = parseJsonc(source, issues);
  if (tree === undefined) return { issues, config: undefined, mappers: [] };
  issues.tree = tree;

  const value = expandEnv(getNodeValue(tree), env, issues);
  const schema = configFileSchemaFor(plugins);
  let parsed: ReturnType<typeof schema.safeParse>;
  try {
    parsed = schema.safeParse(value);
  } catch (err) {
    // A plug-in's own check threw instead of reporting: say so, and validate nothing further.
    issues.at([], 'value', `an adapter plug-in threw while validating its side's options: ${err instanceof Error ? err.message : String(err)}`);
    return { issues, config: undefined, mappers: mapperReferences(value) };
  }
  if (!parsed.success) translateZodIssues(parsed.error.issues, schema, value, issues);
  checkJobs(value, issues, plugins);
  for (const problem of adapterProblems) {
    // The schema can only say the side matches no plug-in; the loader knows why.
    issues.dropAt(problem.path);
    issues.at(problem.path, 'value', problem.message, problem.detail);
  }

  const mappers = mapperReferences(value);
  let config: ParsedConfig | undefined;
  try {
    config = parsed.success && issues.size === 0 ? resolveConfig(parsed.data, file, (p) => issues.isEnvDerived(p), plugins) : undefined;
  } catch (err) {
    if (!(err instanceof PluginSideError)) throw err;
    issues.at(err.path, 'value', err.message);
  }
  return { issues, config, mappers };
}

/** A side's `adapter` value: the plug-in to load (a registered name, a module path or a package). */
export interface AdapterReference {
  /** Path of the side's `adapter` value. */
  readonly path: KeyPath;
  readonly specifier: string;
}

/**
 * The plug-ins a config names, found before validation (the schema needs them): reads the text
 * with the same parser and expansion, reporting nothing (analyzeConfigText reports).
 */
export function adapterReferences(text: string, file: string, env: EnvVars): AdapterReference[] {
  const source = text.startsWith(BOM) ? text.slice(1) : text;
  const scratch = new IssueCollector(source, file);
  const tree = parseJsonc(source, scratch);
  if (tree === undefined) return [];
  const root = expandEnv(getNodeValue(tree), env, scratch);
  if (!isPlainObject(root) || !Array.isArray(root['jobs'])) return [];
  return root['jobs'].flatMap((job: unknown, index) => {
    const sides = isPlainObject(job) ? job['sides'] : undefined;
    if (!isPlainObject(sides)) return [];
    return Object.entries(sides).flatMap(([name, side]) => {
      const adapter = isPlainObject(side) ? side['adapter'] : undefined;
      return typeof adapter === 'string' && adapter !== ''
        ? [{ path: ['jobs', index, 'sides', name, 'adapter'], specifier: adapter }]
        : [];
    });
  });
}

/** The plug-ins of a config's adapter references, and the problem of each reference that has none. */
export function sortAdapterResults(
  results: readonly (readonly [AdapterReference, AdapterLoadResult])[],
): { plugins: Map<string, AdapterPlugin>; problems: AdapterProblem[] } {
  const plugins = new Map<string, AdapterPlugin>();
  const problems: AdapterProblem[] = [];
  for (const [{ path, specifier }, result] of results) {
    if (result.ok) plugins.set(specifier, result.plugin);
    else problems.push({ path, message: result.message, ...(result.detail === undefined ? {} : { detail: result.detail }) });
  }
  return { plugins, problems };
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
