import path from 'node:path';
import { DEFAULT_DELETE_BRAKE, DEFAULT_RETRIES } from '@syncframe/engine';
import { resolvePgliteDir } from '@syncframe/linkindex/config';
import { parseMappingKey } from './check-jobs.js';
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
export function resolveConfig(data: ConfigFileOutput, file: string, isEnvDerived: IsEnvDerived): ParsedConfig {
  const absolute = path.resolve(file);
  const dir = path.dirname(absolute);
  return {
    file: absolute,
    dir,
    linkindex: resolveLinkIndex(data.linkindex, dir, isEnvDerived),
    jobs: data.jobs.map((job, index) => resolveJob(job, ['jobs', index], dir, isEnvDerived)),
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
  else out = { ...linkindex, conn: resolvePgliteDir(linkindex.conn, dir) };
  markEnvDerived(
    out,
    ['conn', 'schema'].filter((key) => isEnvDerived(['linkindex', key])),
  );
  return out;
}

function resolveJob(job: JobOutput, jobPath: KeyPath, dir: string, isEnvDerived: IsEnvDerived): ParsedJobConfig {
  const [source, dest] = Object.entries(job.sides).map(([name, side]) => resolveSide(name, side, [...jobPath, 'sides', name], isEnvDerived)) as [
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

function resolveSide(
  name: string,
  side: JobOutput['sides'][string],
  sidePath: KeyPath,
  isEnvDerived: IsEnvDerived,
): SideConfig {
  const resolved: SideConfig = { name, ...side };
  const fields = Object.entries(side).flatMap(([key, value]) =>
    key === 'creds' && value !== null && typeof value === 'object'
      ? Object.keys(value).map((credKey) => `creds.${credKey}`)
      : [key],
  );
  markEnvDerived(
    resolved,
    fields.filter((field) => isEnvDerived([...sidePath, ...field.split('.')])),
  );
  return resolved;
}

