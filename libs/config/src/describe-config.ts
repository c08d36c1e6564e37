import type { LinkIndexConfig, ParsedConfig, ParsedJobConfig, SideConfig } from './config-types.js';
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

/** Every string in `value` (a fresh copy) with a password inside a URL masked. */
function maskUrlPasswords(value: unknown): unknown {
  if (typeof value === 'string') return maskUrlPassword(value);
  if (Array.isArray(value)) return value.map(maskUrlPasswords);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskUrlPasswords(v)]));
}

/**
 * A copy of `side` fit for logs and screens: every option its plug-in declares secret
 * (`secretOptions`, e.g. Airtable's `creds`) is {@link REDACTED}, so is any value that came from
 * `${VAR}` (known for sides returned by loadConfig/parseConfigText), and a password inside any URL
 * is masked.
 */
export function redactSide<S extends SideConfig>(side: S): S {
  const copy = { ...side, options: maskUrlPasswords(side.options) } as unknown as Record<string, unknown>;
  maskFields(copy, secretOptionsOf(side).map((key) => `options.${key}`));
  maskFields(copy, envDerivedFields(side));
  return copy as unknown as S;
}

/**
 * The secret values a side holds (its plug-in's `secretOptions`, and passwords inside URLs), for
 * scrubbing them out of messages that quote a remote's answer.
 */
export function secretValuesOfSide(side: SideConfig): string[] {
  const out: string[] = [];
  for (const key of secretOptionsOf(side)) {
    let value: unknown = side.options;
    for (const part of key.split('.')) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
    if (typeof value === 'string' && value !== '') out.push(value);
  }
  const collect = (value: unknown): void => {
    if (typeof value === 'string') {
      const password = urlPassword(value);
      if (password) out.push(password);
    } else if (value !== null && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(side.options);
  return out;
}

/** The password inside a URL, decoded; null when `value` is no URL or holds none. */
export function urlPassword(value: string | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.password ? decodeURIComponent(url.password) : null;
  } catch {
    return null;
  }
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

/** The option keys a side's plug-in declares secret (`creds.token`). */
function secretOptionsOf(side: SideConfig): readonly string[] {
  try {
    return adapterPluginOf(side).secretOptions ?? [];
  } catch {
    return []; // a side built by hand, whose plug-in this process never loaded: nothing known to mask
  }
}
