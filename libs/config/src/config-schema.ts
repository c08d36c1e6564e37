import { DEFAULT_DELETE_BRAKE, DEFAULT_RETRIES } from '@syncframe/engine';
import { DEFAULT_SQLITE_FILE, SCHEMA_NAME_PATTERN } from '@syncframe/linkindex/config';
import type { AdapterPlugin } from '@syncframe/adapter-kit/plugin';
import { z } from 'zod';

/**
 * The shape of the config file, after `${VAR}` expansion. Strict objects everywhere: a typo in a
 * key must fail loudly, not be ignored. The descriptions end up in the generated JSON Schema, so
 * editors show them as help; checks that need more than one value (mapping names, match keys,
 * cron syntax, job id uniqueness…) live in `check-jobs.ts`, because a JSON Schema cannot express
 * them and zod would skip them as soon as any other key of the job is wrong.
 */

/** Job ids become part of BullMQ job and lock ids, where `:` is the separator. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9_.-]+$/;

/**
 * Side names appear in mapping keys (`a→b`, `a->b`) and in logs. Hyphens only between other
 * characters, so a name can never contain or end in `-`-then-`>` and a mapping key splits one way
 * only; a leading letter or `_` keeps names out of JavaScript's integer-key ordering, which would
 * silently swap source and destination.
 */
export const SIDE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*$/;

const SIDE_NAME = SIDE_NAME_PATTERN.source.slice(1, -1);
export const MAPPING_KEY_PATTERN = new RegExp(`^(${SIDE_NAME})(?:→|->)(${SIDE_NAME})$`);

const nonEmpty = () => z.string().min(1, 'must not be empty');

const positiveInt = () => z.number().int('must be a positive integer').positive('must be a positive integer');

function throttleSchema(maxBatch?: number) {
  const batch = positiveInt().describe(
    maxBatch === undefined ? 'Records per write request.' : `Records per write request (at most ${maxBatch}, the API's limit).`,
  );
  return z
    .strictObject({
      max_reqs: positiveInt().describe('Requests allowed in any window of `interval_sec`.'),
      interval_sec: z.number().min(1, 'must be at least 1 (second)').describe('Window length in seconds, at least 1 (the fleet\'s shared limiter counts in Redis windows of whole seconds or more).'),
      batch_size: maxBatch === undefined ? batch : batch.max(maxBatch, `must be at most ${maxBatch} (the API's limit)`),
      margin_ms: z
        .number()
        .int('must be a whole number of milliseconds')
        .min(0, 'must be 0 or more')
        .max(5000, 'must be at most 5000')
        .optional()
        .describe(
          'Milliseconds added to the window, for network jitter between sending a request and its arrival. Default: 25 (2.4 % of a 1-second window); doubled for an hour after a 429.',
        ),
      concurrency: positiveInt()
        .max(64, 'must be at most 64')
        .optional()
        .describe(
          'Write batches of this side in flight at once; more keep the budget busy when requests are slow. Default: max_reqs, at most 8.',
        ),
    })
    .describe(
      "Request budget of this side; max_reqs, interval_sec and batch_size are required when given. Default: the adapter's own API limits.",
    );
}

/** Edit settling (`settle_sec`, `settle_max_sec`): keys every side has. */
const MAX_SETTLE_SEC = 86_400;
const settleSeconds = () => z
  .number()
  .int('must be a whole number of seconds')
  .min(0, 'must be 0 or more')
  .max(MAX_SETTLE_SEC, `must be at most ${MAX_SETTLE_SEC} (a day)`)
  .optional();
const settleKeys = () => ({
  settle_sec: settleSeconds()
    .describe(
      'A record of this side modified less than this many seconds before a run waits for a later run (its half-typed edits are not synced); its side\'s cursor stops before it. 0: off. Default: 0.',
    ),
  settle_max_sec: settleSeconds()
    .describe(
      'Longest a record may wait (settle_sec), counted from the first run that held it: a record edited without pause still syncs. At least settle_sec. Default: 10 × settle_sec.',
    ),
});

/** Adapter plug-ins a config may use, by the `adapter` value that names them (a module path or package, or a registered name). */
export type PluginSchemas = ReadonlyMap<string, Pick<AdapterPlugin, 'name' | 'options' | 'maxBatchSize'>>;

/** A plug-in side: the plug-in's own options, plus `adapter` and the keys SyncFrame gives every side. */
function pluginSideSchema(adapter: string, plugin: Pick<AdapterPlugin, 'name' | 'options' | 'maxBatchSize'>) {
  return plugin.options
    .extend({ adapter: z.literal(adapter), throttle: throttleSchema(plugin.maxBatchSize).optional(), ...settleKeys() })
    .describe(plugin.options.description ?? `A ${plugin.name} side (adapter plug-in ${adapter}).`);
}

export function sideSchemaFor(plugins: PluginSchemas) {
  const description = 'One side of the job; `adapter` says which remote: a built-in name (e.g. "airtable", "webflow", "postgres"), or an adapter plug-in (a module path relative to this file, or a package).';
  // No plug-in known (every `adapter` of the file failed to load): each side is reported at its `adapter`.
  if (plugins.size === 0) return z.looseObject({ adapter: z.string() }).describe(description);
  const options = [...plugins].map(([adapter, p]) => pluginSideSchema(adapter, p));
  return z.discriminatedUnion('adapter', options as [ReturnType<typeof pluginSideSchema>, ...ReturnType<typeof pluginSideSchema>[]]).describe(description);
}

export const sideSchema = sideSchemaFor(new Map());

const scheduleSchema = z
  .union([
    nonEmpty().describe('Cron expression (5 fields, or 6 with seconds first), in UTC.'),
    z
      .strictObject({
        cron: nonEmpty().describe('Cron expression (5 fields, or 6 with seconds first).'),
        timezone: nonEmpty().describe('IANA time zone the cron runs in, e.g. "Europe/Paris". Default: UTC.').optional(),
      })
      .describe('Cron expression with a time zone.'),
  ])
  .describe('When the job runs: a cron string, or { "cron", "timezone" }. Omit to run it only on demand.');

const retriesSchema = z
  .strictObject({
    max_attempts: positiveInt()
      .default(DEFAULT_RETRIES.max_attempts)
      .describe(`Requests one remote call may cost inside a run (a 429 counts) before that side fails the run; the queue does not retry such a run, the next trigger does. Default: ${DEFAULT_RETRIES.max_attempts}.`),
    backoff_sec: z
      .number()
      .nonnegative('must be 0 or more')
      .default(DEFAULT_RETRIES.backoff_sec)
      .describe(`Wait before a request's second attempt, in seconds; doubles on each further attempt (a 429 waits its Retry-After). Default: ${DEFAULT_RETRIES.backoff_sec}.`),
    disable_job_after: positiveInt()
      .default(DEFAULT_RETRIES.disable_job_after)
      .describe(`Failed runs in a row of one side, whatever triggered them, before the job is disabled. Default: ${DEFAULT_RETRIES.disable_job_after}.`),
  })
  .describe('Retry settings; every key is optional.');

/** A duration such as "90s", "30m", "6h" or "1d". */
export const DURATION_PATTERN = /^([1-9][0-9]*)(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration in ms; NaN when `text` is not one. */
export function durationMs(text: string): number {
  const m = DURATION_PATTERN.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : NaN;
}

const reconcileSchema = z
  .strictObject({
    every: z
      .string()
      .regex(DURATION_PATTERN, { error: 'must be a duration such as "30m", "6h" or "1d"', abort: true })
      .refine((v) => durationMs(v) >= 60_000, 'must be at least 1m')
      .describe('How often: a number and a unit, s, m, h or d (e.g. "24h"), at least 1m.'),
  })
  .describe(
    'Finds records deleted for good (hard deletes, which incremental pulls cannot see): lists every id of both sides on this schedule and deletes the partners of linked records that are gone. Off when omitted; `syncframe reconcile` runs it on demand.',
  );

const deleteBrakeSchema = z
  .union([
    z
      .boolean()
      .refine((v) => !v, 'must be false, or { "max_count", "max_share" }')
      .transform((): false => false)
      // Editors: only false (the refine above says it to `syncframe validate`, with the other form).
      .meta({ const: false })
      .describe('false: no brake, every delete is applied, however many (not recommended).'),
    z
      .strictObject({
        max_count: z
          .number()
          .int('must be a whole number')
          .nonnegative('must be 0 or more')
          .default(DEFAULT_DELETE_BRAKE.maxCount)
          .describe(`Most deletes one run applies. Default: ${DEFAULT_DELETE_BRAKE.maxCount}.`),
        max_share: z
          .number()
          .min(0, 'must be between 0 and 1')
          .max(1, 'must be between 0 and 1')
          .default(DEFAULT_DELETE_BRAKE.maxShare)
          .describe(`Largest share of the linked records one run deletes, 0 to 1. Default: ${DEFAULT_DELETE_BRAKE.maxShare}.`),
      })
      .describe('Limits; every key is optional.'),
  ])
  .describe(
    `When one run would delete more than max_count records or more than max_share of the linked ones, it deletes none: each waits as a pending delete for a person to approve or reject. Default: { "max_count": ${DEFAULT_DELETE_BRAKE.maxCount}, "max_share": ${DEFAULT_DELETE_BRAKE.maxShare} }.`,
  );

export const jobSchema = jobSchemaFor(new Map());

function jobSchemaFor(plugins: PluginSchemas) {
  return z
  .strictObject({
    id: z
      .string()
      .min(1, { error: 'must not be empty', abort: true })
      .regex(JOB_ID_PATTERN, 'must use only letters, digits, "_", "." and "-"')
      .describe('Unique job id: letters, digits, "_", "." and "-" (no ":"; it becomes part of queue ids).'),
    enabled: z.boolean().default(true).describe('false keeps the job configured but never run. Default: true.'),
    schedule: scheduleSchema.optional(),
    sides: z
      .record(
        z.string().regex(SIDE_NAME_PATTERN, 'side names must be letters, digits, "_" and inner "-", starting with a letter or "_"'),
        plugins.size === 0 ? sideSchema : sideSchemaFor(plugins),
      )
      .describe(
        'Exactly two sides, keyed by a name you choose (e.g. "airtable", "webflow"). The first is the source, the second the destination.',
      ),
    mappings: z
      .record(
        z.string().regex(MAPPING_KEY_PATTERN, 'must be "<side>→<side>" or "<side>-><side>"'),
        nonEmpty().describe('Path of an ES module whose default export maps one record, relative to this file.'),
      )
      .describe(
        'Mapper module per direction, both directions required: { "a→b": "./maps/a-to-b.js", "b->a": "./maps/b-to-a.js" }.',
      ),
    match: z
      .record(z.string(), nonEmpty().describe('Key field on that side.'))
      .describe(
        'Key fields that identify the same item on both sides, one per side name, e.g. { "airtable": "Slug", "webflow": "slug" }. Links existing items instead of duplicating them.',
      )
      .optional(),
    retries: retriesSchema.optional(),
    conflict_policy: z
      .enum(['last_writer_wins', 'manual', 'field_merge'])
      .default('last_writer_wins')
      .describe(
        'When both sides changed the same item: "last_writer_wins" keeps the newer one, "manual" records a conflict and skips it, "field_merge" merges fields changed on one side only both ways and applies field_conflict to fields changed on both. Default: "last_writer_wins".',
      ),
    field_conflict: z
      .enum(['last_writer_wins', 'manual'])
      .describe(
        'With conflict_policy "field_merge": a field changed on both sides to different values takes the newer side\'s value ("last_writer_wins") or records a conflict naming the fields ("manual"). Default: "last_writer_wins".',
      )
      .optional(),
    reconcile: reconcileSchema.optional(),
    delete_brake: deleteBrakeSchema.optional(),
  })
  .describe('One two-way sync between two tables.');
}

export const linkIndexSchema = z
  .discriminatedUnion('driver', [
    z
      .strictObject({
        driver: z.literal('postgres'),
        conn: nonEmpty().describe('Connection string; use "${DATABASE_URL}".'),
        schema: z
          .string()
          .regex(SCHEMA_NAME_PATTERN, 'must be a plain Postgres identifier')
          .describe('Postgres schema of the link tables, created if missing. Default: "public".')
          .optional(),
      })
      .describe('A PostgreSQL database (what a worker fleet needs).'),
    z
      .strictObject({
        driver: z.literal('pglite'),
        conn: nonEmpty()
          .describe('Data folder, relative to this file (or "memory://"). Default: "./.syncframe/pglite".')
          .optional(),
        schema: z
          .string()
          .regex(SCHEMA_NAME_PATTERN, 'must be a plain Postgres identifier')
          .describe('Postgres schema of the link tables, created if missing. Default: "public".')
          .optional(),
      })
      .describe('An embedded PGlite database in a local folder (one process only).'),
    z
      .strictObject({
        driver: z.literal('sqlite'),
        // A default here rather than at resolution: the file is resolved against this file's folder like PGlite's `conn`.
        conn: nonEmpty()
          .describe('Database file, relative to this file; created if missing. Default: "./syncframe.db".')
          .default(DEFAULT_SQLITE_FILE),
      })
      .describe('A SQLite database file (one process only).'),
    z.strictObject({ driver: z.literal('memory') }).describe('In memory (tests; links are lost on exit).'),
  ])
  .describe('Where links, cursors and runs are stored. Default: { "driver": "pglite", "conn": "./.syncframe/pglite" }.');

/** The config file's schema when its sides may use these adapter plug-ins (the built-in ones are plug-ins too). */
export function configFileSchemaFor(plugins: PluginSchemas) {
  return z
    .strictObject({
      $schema: z.string().describe('JSON Schema for editors; ignored by SyncFrame.').optional(),
      linkindex: linkIndexSchema.optional(),
      jobs: z.array(plugins.size === 0 ? jobSchema : jobSchemaFor(plugins)).min(1, 'must list at least one job').describe('The sync jobs.'),
    })
    .describe('SyncFrame configuration.');
}

export const configFileSchema = configFileSchemaFor(new Map());

export type ConfigFileInput = z.input<typeof configFileSchema>;
export type ConfigFileOutput = z.output<typeof configFileSchema>;
