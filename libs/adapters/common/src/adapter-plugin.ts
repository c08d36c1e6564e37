import type { SourceAdapter, ThrottleSettings } from '@syncframe/engine';
import type { z } from 'zod';
import type { AdapterWiringOptions } from './adapter-wiring.js';

/**
 * What SyncFrame hands a plug-in's factory: its own zod, so the plug-in's option schema is built
 * with the same zod instance the config validates with (no version clash, and `syncframe validate`
 * reports a plug-in's option errors with FILE:LINE:COL and the key path like any built-in's).
 */
export interface AdapterHost {
  readonly z: typeof z;
}

/** The wiring a side's adapter is built with (the worker sets it; the config file never does). */
export interface AdapterCreateOptions extends AdapterWiringOptions {
  /** The config file's folder: relative paths in a side's options are relative to it. */
  readonly configDir: string;
}

/**
 * One kind of table SyncFrame can sync: the contract between SyncFrame and an adapter, built-in
 * or plug-in. A plug-in module's default export is a factory `(host) => AdapterPlugin` (see
 * {@link defineAdapter}).
 */
export interface AdapterPlugin<Options extends Record<string, unknown> = Record<string, unknown>> {
  /** Short name for messages and the side's `TableRef.adapter`, e.g. `json-file`. */
  readonly name: string;
  /**
   * The side's own options: a zod (strict) object of every key besides `adapter` and the keys
   * SyncFrame gives every side (`throttle`, `settle_sec`, `settle_max_sec`), which must not be
   * declared here. `.describe()` texts end up in the editors' JSON Schema.
   */
  readonly options: z.ZodObject;
  /** The remote's own limits, used when the side's config gives no `throttle`. */
  readonly defaultThrottle?: ThrottleSettings;
  /** Largest write batch the remote accepts: a `throttle.batch_size` above it is a config error. */
  readonly maxBatchSize?: number;
  /** Option keys holding secrets (dotted paths, e.g. `creds.token`): redacted wherever a config is shown, and scrubbed from the board's messages. */
  readonly secretOptions?: readonly string[];
  /**
   * What the side lacks for `last_writer_wins` to compare its edit times, when it lacks something
   * (Airtable without a "Last modified time" field reports none); undefined when its records carry
   * real modification times. A job whose conflicts are settled by time then fails validation with
   * `needs <needs> when <policy>: <because>` at the side. @defaultValue always has them
   */
  readonly editTimesMissing?: (options: Options) => EditTimesMissing | undefined;
  /** What the side points at, for the side's `TableRef.table` and the board (a table, a collection, a file). */
  tableOf(options: Options): string;
  /** The side's adapter, from its validated options. */
  create(options: Options, wiring: AdapterCreateOptions): SourceAdapter;
}

/** Why a side's records carry no edit time `last_writer_wins` could compare ({@link AdapterPlugin.editTimesMissing}). */
export interface EditTimesMissing {
  /** What the side needs, e.g. `last_modified_field (a "Last modified time" field)`. */
  readonly needs: string;
  /** What goes wrong without it. */
  readonly because: string;
}

/** A plug-in module's default export. */
export type AdapterPluginFactory = (host: AdapterHost) => AdapterPlugin;

/**
 * Declares an adapter plug-in (the module's default export):
 *
 * ```ts
 * export default defineAdapter(({ z }) => ({
 *   name: 'json-file',
 *   options: z.strictObject({ file: z.string().min(1).describe('…') }),
 *   tableOf: (o) => o.file,
 *   create: (o, wiring) => new JsonFileAdapter(o, wiring),
 * }));
 * ```
 */
export function defineAdapter<Options extends Record<string, unknown>>(factory: (host: AdapterHost) => AdapterPlugin<Options>): AdapterPluginFactory {
  return factory as unknown as AdapterPluginFactory;
}

/** Why `value` is not an `AdapterPlugin` (what a factory returned), or null when it is one. */
export function adapterPluginProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'the factory returned no object';
  const p = value as Partial<Record<keyof AdapterPlugin, unknown>>;
  if (typeof p.name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(p.name)) return '`name` must be a lowercase name (letters, digits, "-")';
  const options = p.options as { shape?: unknown; safeParse?: unknown } | undefined;
  if (typeof options?.safeParse !== 'function' || typeof options.shape !== 'object') return '`options` must be a zod object schema built with the host\'s `z`';
  if (typeof p.tableOf !== 'function') return '`tableOf` must be a function';
  if (typeof p.create !== 'function') return '`create` must be a function';
  const reserved = ['adapter', 'throttle', 'settle_sec', 'settle_max_sec'].filter((k) => k in (options.shape as object));
  if (reserved.length > 0) return `\`options\` must not declare ${reserved.map((k) => `"${k}"`).join(', ')} (SyncFrame gives every side those)`;
  return null;
}
