import path from 'node:path';
import type { AdapterPlugin } from '@syncframe/adapter-kit/plugin';
import type { ThrottleSettings } from '@syncframe/engine';
import { DEFAULT_DELETE_BRAKE, DEFAULT_RETRIES } from '@syncframe/engine';
import { resolvePgliteDir, resolveSqliteFile } from '@syncframe/linkindex/config';
import { optionsOfSide, parseMappingKey } from './check-jobs.js';
import type { ConfigFileOutput } from './config-schema.js';
import { durationMs } from './config-schema.js';
import type { LinkIndexConfig, ParsedConfig, ParsedJobConfig, SideConfig } from './config-types.js';
import { markEnvDerived } from './env-derived.js';
import type { KeyPath } from './key-path.js';


type JobOutput = ConfigFileOutput['jobs'][number];

/** A file path that came from `${VAR}`, so display functions can mask it. */
export type IsEnvDerived = (path: KeyPath) => boolean;

/**
 * Turns the validated file into the shape the apps use: sides by role, mapper paths made
 * absolute, defaults filled in. Only called once every check passed, so it trusts its input.
 */
export function resolveConfig(
  data: ConfigFileOutput, file: string, isEnvDerived: IsEnvDerived, plugins: ReadonlyMap<string, AdapterPlugin> = new Map(),
): ParsedConfig {
  const absolute = path.resolve(file);
  const dir = path.dirname(absolute);
  return {
    file: absolute,
    dir,
    linkindex: resolveLinkIndex(data.linkindex, dir, isEnvDerived),
    jobs: data.jobs.map((job, index) => resolveJob(job, ['jobs', index], dir, isEnvDerived, plugins)),
  };
}

function resolveLinkIndex(
  linkindex: ConfigFileOutput['linkindex'],
  dir: string,
  isEnvDerived: IsEnvDerived,
): LinkIndexConfig {
  if (linkindex === undefined) return { driver: 'pglite', conn: resolvePgliteDir(undefined, dir) };
  let out: LinkIndexConfig;
  if (linkindex.driver === 'memory') out = { driver: 'memory' };
  else if (linkindex.driver === 'postgres') out = { ...linkindex };
  else if (linkindex.driver === 'sqlite') out = { ...linkindex, conn: resolveSqliteFile(linkindex.conn, dir) };
  else out = { ...linkindex, conn: resolvePgliteDir(linkindex.conn, dir) };
  markEnvDerived(
    out,
    ['conn', 'schema'].filter((key) => isEnvDerived(['linkindex', key])),
  );
  return out;
}

function resolveJob(job: JobOutput, jobPath: KeyPath, dir: string, isEnvDerived: IsEnvDerived, plugins: ReadonlyMap<string, AdapterPlugin>): ParsedJobConfig {
  const [source, dest] = Object.entries(job.sides).map(([name, side]) => resolveSide(name, side, [...jobPath, 'sides', name], isEnvDerived, dir, plugins)) as [
    SideConfig,
    SideConfig,
  ];
  const mappingKeys: { toDest?: string; toSource?: string } = {};
  for (const key of Object.keys(job.mappings)) {
    const direction = parseMappingKey(key);
    if (direction?.from === source.name) mappingKeys.toDest = key;
    else if (direction?.from === dest.name) mappingKeys.toSource = key;
  }
  // checkJobs has guaranteed both directions exist.
  const toDestKey = mappingKeys.toDest!;
  const toSourceKey = mappingKeys.toSource!;
  const schedule =
    job.schedule === undefined ? null : typeof job.schedule === 'string' ? { cron: job.schedule } : { ...job.schedule };
  const resolved: ParsedJobConfig = {
    id: job.id,
    enabled: job.enabled,
    schedule,
    source,
    dest,
    mappers: {
      toDestPath: path.resolve(dir, job.mappings[toDestKey]!),
      toSourcePath: path.resolve(dir, job.mappings[toSourceKey]!),
    },
    match: job.match === undefined ? null : { source: job.match[source.name]!, dest: job.match[dest.name]! },
    retries: { ...DEFAULT_RETRIES, ...job.retries },
    conflictPolicy: job.conflict_policy,
    ...(job.conflict_policy === 'field_merge' ? { fieldConflict: job.field_conflict ?? 'last_writer_wins' } : {}),
    reconcile: job.reconcile === undefined ? null : { everyMs: durationMs(job.reconcile.every) },
    deleteBrake: job.delete_brake === false ? null : job.delete_brake === undefined
      ? { ...DEFAULT_DELETE_BRAKE } : { maxCount: job.delete_brake.max_count, maxShare: job.delete_brake.max_share },
  };
  const fields: [string, KeyPath][] = [
    ['id', ['id']],
    ['schedule.cron', typeof job.schedule === 'string' ? ['schedule'] : ['schedule', 'cron']],
    ['schedule.timezone', ['schedule', 'timezone']],
    ['mappers.toDestPath', ['mappings', toDestKey]],
    ['mappers.toSourcePath', ['mappings', toSourceKey]],
    ['match.source', ['match', source.name]],
    ['match.dest', ['match', dest.name]],
  ];
  markEnvDerived(
    resolved,
    fields.filter(([, p]) => isEnvDerived([...jobPath, ...p])).map(([field]) => field),
  );
  return resolved;
}

/** A plug-in's own code failed while its side was resolved: reported at the side's `adapter`. */
export class PluginSideError extends Error {
  constructor(readonly path: KeyPath, message: string) {
    super(message);
    this.name = 'PluginSideError';
  }
}

/** The side's `TableRef.table`, from its plug-in's `tableOf` (plug-in code: it may throw or return nothing). */
function tableOf(plugin: AdapterPlugin, options: Record<string, unknown>, sidePath: KeyPath): string {
  let table: unknown;
  try {
    table = plugin.tableOf(options);
  } catch (err) {
    throw new PluginSideError([...sidePath, 'adapter'], `adapter plug-in threw in tableOf: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof table !== 'string' || table === '') {
    throw new PluginSideError([...sidePath, 'adapter'], `adapter plug-in's tableOf must return a non-empty string (it returned ${table === '' ? 'an empty string' : typeof table})`);
  }
  return table;
}

function resolveSide(
  name: string,
  side: JobOutput['sides'][string],
  sidePath: KeyPath,
  isEnvDerived: IsEnvDerived,
  dir: string,
  plugins: ReadonlyMap<string, AdapterPlugin>,
): SideConfig {
  const raw = side as Record<string, unknown>;
  const adapter = raw['adapter'] as string;
  // Validation passed, so the side's plug-in was loaded.
  const plugin = plugins.get(adapter)!;
  const options = optionsOfSide(raw);
  const resolved: SideConfig = {
    name, adapter, plugin: plugin.name, table: tableOf(plugin, options, sidePath), options, configDir: dir,
    ...(raw['throttle'] !== undefined ? { throttle: raw['throttle'] as ThrottleSettings } : {}),
    ...(raw['settle_sec'] !== undefined ? { settle_sec: raw['settle_sec'] as number } : {}),
    ...(raw['settle_max_sec'] !== undefined ? { settle_max_sec: raw['settle_max_sec'] as number } : {}),
  };
  const fromEnv = leafPaths(options).filter((p) => isEnvDerived([...sidePath, ...p]));
  // `table` is made of options (a table name, a collection id…): masked when one of those came from `${VAR}`.
  const tableFromEnv = fromEnv.some((p) => {
    const value = valueAtPath(options, p);
    return typeof value === 'string' && value !== '' && resolved.table.includes(value);
  });
  markEnvDerived(resolved, [...fromEnv.map((p) => ['options', ...p].join('.')), ...(tableFromEnv ? ['table'] : [])]);
  return resolved;
}

/** Dotted paths of every leaf of a plain value (`creds.token`). */
function leafPaths(value: Record<string, unknown>, prefix: string[] = []): string[][] {
  return Object.entries(value).flatMap(([key, v]) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? leafPaths(v as Record<string, unknown>, [...prefix, key]) : [[...prefix, key]]);
}

function valueAtPath(value: Record<string, unknown>, keys: readonly string[]): unknown {
  let at: unknown = value;
  for (const key of keys) at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
  return at;
}
