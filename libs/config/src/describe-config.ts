import type { LinkIndexConfig, ParsedConfig, ParsedJobConfig, PluginSideConfig, SideConfig } from './config-types.js';
import { envDerivedFields } from './env-derived.js';
import { adapterPluginOf } from './load-adapters.js';

/** What replaces a secret in display output. */
export const REDACTED = '***';

/** A URL with its password masked; other strings as they are. */
function maskUrlPassword(value: string): string {
  try {
    const url = new URL(value);
    if (url.password === '') return value;
    url.password = REDACTED;
    return url.href;
  } catch {
    return value;
  }
}

/** Sets every string at the dotted `fields` of `target` (a fresh copy) to {@link REDACTED}. */
function maskFields(target: Record<string, unknown>, fields: Iterable<string>): void {
  for (const field of fields) {
    const keys = field.split('.');
    let holder: unknown = target;
    for (const key of keys.slice(0, -1)) holder = (holder as Record<string, unknown> | undefined)?.[key];
    const last = keys[keys.length - 1]!;
    if (holder !== null && typeof holder === 'object' && typeof (holder as Record<string, unknown>)[last] === 'string') {
      (holder as Record<string, unknown>)[last] = REDACTED;
    }
  }
}

/**
 * A copy of `side` fit for logs and screens: every `creds` value is {@link REDACTED}, so is any
 * value that came from `${VAR}` (known for sides returned by loadConfig/parseConfigText), and a
 * password inside `api_url` is masked.
 */
export function redactSide<S extends SideConfig>(side: S): S {
  const copy = structuredClone({ ...side }) as unknown as Record<string, unknown>;
  if ('creds' in side) {
    copy['creds'] = Object.fromEntries(Object.keys(side.creds).map((key) => [key, REDACTED]));
  }
  if (typeof copy['api_url'] === 'string') copy['api_url'] = maskUrlPassword(copy['api_url']);
  if (side.adapter === 'plugin') maskFields(copy, pluginSecrets(side));
  maskFields(copy, envDerivedFields(side));
  return copy as S;
}

function redactLinkIndex(linkindex: LinkIndexConfig): LinkIndexConfig {
  const copy: Record<string, unknown> = { ...linkindex };
  // A Postgres DSN usually carries a password; a PGlite folder does not.
  if (typeof copy['conn'] === 'string') copy['conn'] = maskUrlPassword(copy['conn']);
  maskFields(copy, envDerivedFields(linkindex));
  return copy as unknown as LinkIndexConfig;
}

function describeJob(job: ParsedJobConfig): ParsedJobConfig {
  const copy: Record<string, unknown> = {
    id: job.id,
    enabled: job.enabled,
    schedule: job.schedule && { ...job.schedule },
    source: redactSide(job.source),
    dest: redactSide(job.dest),
    // Only the paths: functions are not display data.
    mappers: { toDestPath: job.mappers.toDestPath, toSourcePath: job.mappers.toSourcePath },
    match: job.match && { ...job.match },
    retries: { ...job.retries },
    conflictPolicy: job.conflictPolicy,
    ...(job.fieldConflict ? { fieldConflict: job.fieldConflict } : {}),
  };
  maskFields(copy, envDerivedFields(job));
  return copy as unknown as ParsedJobConfig;
}

/**
 * The config as plain, JSON-serialisable data for `syncframe config show`, logs or the board:
 * secrets masked as in {@link redactSide}, mapper functions left out (their paths stay).
 */
export function describeConfig(config: ParsedConfig): ParsedConfig {
  return {
    file: config.file,
    dir: config.dir,
    linkindex: redactLinkIndex(config.linkindex),
    jobs: config.jobs.map(describeJob),
  };
}

/** The option keys a side's plug-in declares secret, as paths of the side (`options.creds.token`). */
function pluginSecrets(side: PluginSideConfig): string[] {
  try {
    return (adapterPluginOf(side).secretOptions ?? []).map((key) => `options.${key}`);
  } catch {
    return []; // validated without loading its plug-in (parseConfigText): nothing known to mask
  }
}
