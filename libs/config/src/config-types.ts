import type { ConflictPolicy, DeleteBrake, FieldConflict, MapperFn, RetrySettings, ThrottleSettings } from '@syncframe/engine';
import type { AdapterPluginFactory } from '@syncframe/adapter-kit/plugin';
import type { LinkIndexConfig } from '@syncframe/linkindex/config';

/**
 * One side of a job. Every side is served by an adapter plug-in, the built-in ones (Airtable,
 * Webflow, memory, PostgreSQL) as much as a module path or package named by `adapter`: its own
 * options are the plug-in's business; SyncFrame keeps `throttle` and the settle keys, as for every side.
 */
export interface SideConfig {
  /** The side's key in the job's `sides`, e.g. `airtable`. */
  readonly name: string;
  /** The `adapter` value as written: a name the host registered (`airtable`, `postgres`…), a module path or a package. */
  readonly adapter: string;
  /** The plug-in's own name (`AdapterPlugin.name`): the side's `TableRef.adapter`. */
  readonly plugin: string;
  /** What the side points at (`AdapterPlugin.tableOf`): the side's `TableRef.table`. */
  readonly table: string;
  /** The plug-in's options, validated by its schema (defaults applied). */
  readonly options: Readonly<Record<string, unknown>>;
  /** The config file's folder (a plug-in path in `adapter`, and relative paths in `options`, are relative to it). */
  readonly configDir: string;
  /**
   * Request budget of this side. Left undefined when the config gives none: the adapter's own
   * limits apply then, and that choice is made where adapters are built.
   */
  readonly throttle?: ThrottleSettings;
  /**
   * A record modified less than this many seconds before a run waits for a later run (edit
   * settling). Absent when the config gives none. @defaultValue 0 (off)
   */
  readonly settle_sec?: number;
  /** Longest a record may wait, from the first run that held it; at least `settle_sec`. @defaultValue 10 × settle_sec */
  readonly settle_max_sec?: number;
}

/**
 * Where links, cursors and runs live: the link index's own type. After loading, a PGlite `conn` is
 * absolute (made so against the config file's folder) and a missing `linkindex` is PGlite in
 * `<config folder>/.syncframe/pglite`.
 */
export type { LinkIndexConfig } from '@syncframe/linkindex/config';
/** When a job runs. */
export interface ScheduleConfig {
  /** Cron expression, 5 fields (or 6 with seconds first), as cron-parser reads it. */
  readonly cron: string;
  /** IANA time zone. @defaultValue UTC */
  readonly timezone?: string;
}

/** Absolute paths of a job's two mapper modules. */
export interface MapperPaths {
  /** Module mapping a source record to destination fields. */
  readonly toDestPath: string;
  /** Module mapping a destination record to source fields. */
  readonly toSourcePath: string;
}

/** One job as validated, before its mapper modules are imported (what `parseConfigText` returns). */
export interface ParsedJobConfig {
  readonly id: string;
  /** @defaultValue true */
  readonly enabled: boolean;
  /** `null`: the job only runs on demand. */
  readonly schedule: ScheduleConfig | null;
  /** The first side in the file's `sides`. */
  readonly source: SideConfig;
  /** The second side in the file's `sides`. */
  readonly dest: SideConfig;
  readonly mappers: MapperPaths;
  /** Key fields by role; `null` when the config has no `match`. */
  readonly match: { readonly source: string; readonly dest: string } | null;
  /** @defaultValue DEFAULT_RETRIES, key by key */
  readonly retries: RetrySettings;
  /** @defaultValue 'last_writer_wins' */
  readonly conflictPolicy: ConflictPolicy;
  /** Only with `conflictPolicy: 'field_merge'` (absent otherwise). @defaultValue 'last_writer_wins' */
  readonly fieldConflict?: FieldConflict;
  /** Reconciliation (hard-delete detection) schedule; null: only on demand. */
  readonly reconcile: { readonly everyMs: number } | null;
  /** null: no brake. @defaultValue DEFAULT_DELETE_BRAKE */
  readonly deleteBrake: DeleteBrake | null;
}

/** One job, validated, with its mapper functions loaded. */
export interface JobConfig extends ParsedJobConfig {
  readonly mappers: MapperPaths & { readonly toDest: MapperFn; readonly toSource: MapperFn };
}

export interface ParsedConfig {
  /** Absolute path of the config file. */
  readonly file: string;
  /** Absolute path of its folder, against which relative paths were resolved. */
  readonly dir: string;
  readonly linkindex: LinkIndexConfig;
  readonly jobs: readonly ParsedJobConfig[];
}

export interface LoadedConfig extends ParsedConfig {
  readonly jobs: readonly JobConfig[];
}

/** One problem in a config file. */
export interface ConfigIssue {
  /** The file as the caller named it (relative names stay relative, to keep messages short). */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based, in UTF-16 code units (what editors count for non-astral text). */
  readonly column: number;
  /** Key path such as `jobs[0].sides.airtable.table`; empty for syntax errors and the root. */
  readonly path: string;
  readonly message: string;
}

/** A subset of `process.env`: values may be undefined. */
export type EnvVars = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  /**
   * Variables for `${VAR}`. A `.env` file beside the config file adds to them; these win over it.
   * @defaultValue process.env
   */
  readonly env?: EnvVars;
  /**
   * Adapter plug-ins the host provides by name (e.g. `BUILTIN_ADAPTER_PLUGINS` of
   * @syncframe/builtin-adapters: `airtable`, `webflow`, `memory`, `postgres`), usable as
   * `"adapter": "<name>"`. Any other `adapter` is imported as a module path (relative to the
   * config file) or a package. @defaultValue none: every adapter is imported
   */
  readonly adapters?: Readonly<Record<string, AdapterPluginFactory>>;
}
