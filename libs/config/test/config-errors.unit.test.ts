import path from 'node:path';
import { ConfigError } from '@syncframe/engine';
import { describe, expect, it } from 'vitest';
import { ConfigFileError } from '../src/index.js';
import { AIRTABLE_SECRET, BASE_CONFIG, edit, loadConfig, MAPPERS, TEST_ENV, tempFiles, WEBFLOW_SECRET } from './fixtures.js';

interface BrokenCase {
  readonly name: string;
  /** The config text; BASE_CONFIG with one edit in most cases. */
  readonly config: string;
  /** Extra files beside the config (mappers, .env). */
  readonly files?: Record<string, string>;
  readonly env?: Record<string, string>;
  /** Every issue, in order, as `LINE:COL path: message`; `<dir>` stands for the config's folder. */
  readonly expected: readonly string[];
  /** The source text each issue's LINE:COL points at (a prefix of the rest of that line). */
  readonly pointsAt: readonly string[];
}

const TWO_MEMORY_JOBS = `{
  "jobs": [
    { "id": "copy", "sides": { "a": { "adapter": "memory", "table": "t1" }, "b": { "adapter": "memory", "table": "t2" } },
      "mappings": { "a→b": "./maps/at-to-wf.js", "b→a": "./maps/wf-to-at.js" } },
    { "id": "copy", "sides": { "a": { "adapter": "memory", "table": "t3" }, "b": { "adapter": "memory", "table": "t4" } },
      "mappings": { "a→b": "./maps/at-to-wf.js", "b→a": "./maps/wf-to-at.js" } }
  ]
}
`;

const CASES: readonly BrokenCase[] = [
  {
    name: 'JSON syntax error',
    config: edit('"last_modified_field": "Modified",', '"last_modified_field": "Modified"'),
    expected: ['10:11 JSON syntax error: comma expected'],
    pointsAt: ['"creds"'],
  },
  {
    name: 'airtable side without last_modified_field under last_writer_wins',
    config: edit(' "last_modified_field": "Modified",', ''),
    expected: ['7:21 jobs[0].sides.airtable: needs last_modified_field (a "Last modified time" field) when conflict_policy is last_writer_wins: without it Airtable reports no edit time and newer Airtable edits would lose every conflict'],
    pointsAt: ['{'],
  },
  {
    name: 'airtable side without last_modified_field under field_merge (last_writer_wins per field)',
    config: edit(' "last_modified_field": "Modified",', '').replace('"match":', '"conflict_policy": "field_merge", "match":'),
    expected: ['7:21 jobs[0].sides.airtable: needs last_modified_field (a "Last modified time" field) when conflict_policy is field_merge with field_conflict last_writer_wins: without it Airtable reports no edit time and newer Airtable edits would lose every conflict'],
    pointsAt: ['{'],
  },
  {
    name: 'field_conflict without conflict_policy field_merge',
    config: edit('"match":', '"field_conflict": "manual", "match":'),
    expected: ['23:7 jobs[0].field_conflict: only applies with conflict_policy "field_merge" (this job\'s conflict_policy is "last_writer_wins")'],
    pointsAt: ['"field_conflict"'],
  },
  {
    name: 'reconcile.every not a duration, or too often',
    config: edit('"match":', '"reconcile": { "every": "daily" }, "match":'),
    expected: ['23:31 jobs[0].reconcile.every: must be a duration such as "30m", "6h" or "1d"'],
    pointsAt: ['"daily"'],
  },
  {
    name: 'reconcile more often than every minute',
    config: edit('"match":', '"reconcile": { "every": "30s" }, "match":'),
    expected: ['23:31 jobs[0].reconcile.every: must be at least 1m'],
    pointsAt: ['"30s"'],
  },
  {
    name: 'delete_brake with a share above 1 and a negative count',
    config: edit('"match":', '"delete_brake": { "max_count": -1, "max_share": 10 }, "match":'),
    expected: ['23:38 jobs[0].delete_brake.max_count: must be 0 or more', '23:55 jobs[0].delete_brake.max_share: must be between 0 and 1'],
    pointsAt: ['-1', '10'],
  },
  {
    name: 'delete_brake true',
    config: edit('"match":', '"delete_brake": true, "match":'),
    expected: ['23:23 jobs[0].delete_brake: must be false, or { "max_count", "max_share" }'],
    pointsAt: ['true'],
  },
  {
    name: 'api_url holding a password',
    config: edit('"adapter": "webflow",', '"adapter": "webflow", "api_url": "https://user:hunter2@proxy.example",'),
    expected: ['14:44 jobs[0].sides.webflow.api_url: must not hold a user or password (fetch refuses such URLs, and they would end up in messages)'],
    pointsAt: ['"https://user:'],
  },
  {
    name: 'missing required key',
    config: edit('"collection": "0123456789abcdef01234567",', '"hard_delete": false,'),
    expected: ['13:20 jobs[0].sides.webflow.collection: required'],
    pointsAt: ['{'],
  },
  {
    name: 'unknown key, with a suggestion',
    config: edit('"table": "Videos"', '"tabel": "Videos"'),
    expected: ['9:11 jobs[0].sides.airtable.tabel: unknown key (did you mean "table"?)'],
    pointsAt: ['"tabel"'],
  },
  {
    name: 'unknown key, nothing close',
    config: edit('"id": "airtable-videos__webflow-videos",', '"id": "airtable-videos__webflow-videos", "owner": "me",'),
    expected: ['4:48 jobs[0].owner: unknown key'],
    pointsAt: ['"owner"'],
  },
  {
    name: 'wrong type',
    config: edit('"max_reqs": 5', '"max_reqs": "5"'),
    expected: ['11:37 jobs[0].sides.airtable.throttle.max_reqs: must be a number (got a string)'],
    pointsAt: ['"5"'],
  },
  {
    name: 'bad enum value',
    config: edit('"creds": { "token": "${WEBFLOW_TOKEN}" }', '"creds": { "token": "${WEBFLOW_TOKEN}" }, "publish": "liv"'),
    expected: ['16:64 jobs[0].sides.webflow.publish: must be one of "staged", "live" (did you mean "live"?)'],
    pointsAt: ['"liv"'],
  },
  {
    name: 'unknown adapter',
    config: edit('"adapter": "webflow"', '"adapter": "webflw"'),
    expected: ['14:22 jobs[0].sides.webflow.adapter: must be one of "airtable", "webflow", "memory", "postgres" (did you mean "webflow"?), or an adapter plug-in: a module path starting with "./" or an installed package'],
    pointsAt: ['"webflw"'],
  },
  {
    name: 'cron with the wrong number of fields',
    config: edit('"schedule": "*/5 * * * *"', '"schedule": "*/5 * * *"'),
    expected: [
      '5:19 jobs[0].schedule: must be a cron expression with 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first (found 4)',
    ],
    pointsAt: ['"*/5 * * *"'],
  },
  {
    name: 'cron step larger than its field',
    config: edit('"schedule": "*/5 * * * *"', '"schedule": "*/61 * * * *"'),
    expected: ['5:19 jobs[0].schedule: is not a valid cron expression: the minute step /61 is larger than its range 0-59'],
    pointsAt: ['"*/61'],
  },
  {
    name: 'cron value out of range',
    config: edit('"schedule": "*/5 * * * *"', '"schedule": { "cron": "61 * * * *" }'),
    expected: ['5:29 jobs[0].schedule.cron: is not a valid cron expression (Constraint error, got value 61 expected range 0-59)'],
    pointsAt: ['"61 * * * *"'],
  },
  {
    name: 'unknown time zone',
    config: edit('"schedule": "*/5 * * * *"', '"schedule": { "cron": "*/5 * * * *", "timezone": "Europe/Pariss" }'),
    expected: ['5:56 jobs[0].schedule.timezone: is not a known IANA time zone (e.g. "Europe/Paris", "UTC")'],
    pointsAt: ['"Europe/Pariss"'],
  },
  {
    name: 'schedule of the wrong type',
    config: edit('"schedule": "*/5 * * * *"', '"schedule": 5'),
    expected: ['5:19 jobs[0].schedule: must be a string or an object (got a number)'],
    pointsAt: ['5'],
  },
  {
    name: 'missing environment variable',
    config: BASE_CONFIG,
    env: { AIRTABLE_TOKEN: AIRTABLE_SECRET },
    expected: ['16:32 jobs[0].sides.webflow.creds.token: environment variable WEBFLOW_TOKEN is not set'],
    pointsAt: ['${WEBFLOW_TOKEN}'],
  },
  {
    name: 'malformed variable reference',
    config: edit('"table": "Videos"', '"table": "${VIDEO TABLE}"'),
    expected: [
      '9:21 jobs[0].sides.airtable.table: invalid environment variable reference "${VIDEO TABLE}" (write ${NAME} with letters, digits and _, or $${ for a literal ${)',
    ],
    pointsAt: ['${VIDEO TABLE}'],
  },
  {
    name: 'mapping with one direction missing',
    config: edit('"webflow->airtable"', '// "webflow->airtable"'),
    expected: ['19:19 jobs[0].mappings["webflow→airtable"]: required (both directions must be mapped)'],
    pointsAt: ['{'],
  },
  {
    name: 'mapping naming an unknown side',
    config: edit('"webflow->airtable"', '"webflw->airtable"'),
    expected: [
      '19:19 jobs[0].mappings["webflow→airtable"]: required (both directions must be mapped)',
      '21:9 jobs[0].mappings["webflw->airtable"]: names an unknown side "webflw" (the sides are "airtable" and "webflow")',
    ],
    pointsAt: ['{', '"webflw->airtable"'],
  },
  {
    name: 'mapping key of the wrong form',
    config: edit('"webflow->airtable"', '"webflow=>airtable"'),
    expected: [
      '19:19 jobs[0].mappings["webflow→airtable"]: required (both directions must be mapped)',
      '21:9 jobs[0].mappings["webflow=>airtable"]: must be "<side>→<side>" or "<side>-><side>"',
    ],
    pointsAt: ['{', '"webflow=>airtable"'],
  },
  {
    name: 'the same direction twice',
    config: edit('"webflow->airtable"', '"airtable->webflow"'),
    expected: [
      '19:19 jobs[0].mappings["webflow→airtable"]: required (both directions must be mapped)',
      '21:9 jobs[0].mappings["airtable->webflow"]: duplicate mapping for airtable→webflow (also given as "airtable→webflow")',
    ],
    pointsAt: ['{', '"airtable->webflow"'],
  },
  {
    name: 'missing mapper module',
    config: edit('./maps/wf-to-at.js', './maps/nope.js'),
    expected: ['21:30 jobs[0].mappings["webflow->airtable"]: mapper module not found (<dir>/maps/nope.js)'],
    pointsAt: ['"./maps/nope.js"'],
  },
  {
    name: 'mapper without a default export',
    config: BASE_CONFIG,
    files: { 'maps/wf-to-at.js': 'export const map = (record) => ({ fields: record.fields });\n' },
    expected: [
      '21:30 jobs[0].mappings["webflow->airtable"]: mapper module must have a function as its default export (it has no default export)',
    ],
    pointsAt: ['"./maps/wf-to-at.js"'],
  },
  {
    name: 'mapper whose default export is not a function',
    config: BASE_CONFIG,
    files: { 'maps/at-to-wf.js': 'export default { name: "Name" };\n' },
    expected: [
      '20:29 jobs[0].mappings["airtable→webflow"]: mapper module must have a function as its default export (its default export is object)',
    ],
    pointsAt: ['"./maps/at-to-wf.js"'],
  },
  {
    name: 'mapper that fails to load',
    config: BASE_CONFIG,
    files: { 'maps/at-to-wf.js': 'throw new Error("mapper exploded");\nexport default () => null;\n' },
    expected: ['20:29 jobs[0].mappings["airtable→webflow"]: mapper module failed to load (Error: mapper exploded)'],
    pointsAt: ['"./maps/at-to-wf.js"'],
  },
  {
    name: 'duplicate job id',
    config: TWO_MEMORY_JOBS,
    expected: ['5:13 jobs[1].id: duplicate job id (already used by jobs[0])'],
    pointsAt: ['"copy"'],
  },
  {
    name: 'job id with a colon',
    config: edit('"id": "airtable-videos__webflow-videos"', '"id": "airtable:videos"'),
    expected: ['4:13 jobs[0].id: must use only letters, digits, "_", "." and "-"'],
    pointsAt: ['"airtable:videos"'],
  },
  {
    name: 'match with wrong side names',
    config: edit('"webflow": "slug" }', '"wf": "slug" }'),
    expected: [
      '23:16 jobs[0].match.webflow: required (one key field per side)',
      '23:38 jobs[0].match.wf: is not a side of this job (the sides are "airtable" and "webflow")',
    ],
    pointsAt: ['{', '"wf"'],
  },
  {
    name: 'soft_delete_field with hard_delete',
    config: edit('"table": "Videos",', '"table": "Videos", "soft_delete_field": "Deleted", "hard_delete": true,'),
    expected: ['9:77 jobs[0].sides.airtable.hard_delete: cannot be true together with soft_delete_field (choose one way to delete)'],
    pointsAt: ['true'],
  },
  {
    name: 'settle_max_sec below settle_sec',
    config: edit('"table": "Videos",', '"table": "Videos", "settle_sec": 30, "settle_max_sec": 10,'),
    expected: ['9:66 jobs[0].sides.airtable.settle_max_sec: must be at least settle_sec (30)'],
    pointsAt: ['10'],
  },
  {
    name: 'settle_sec not a whole number, settle_max_sec negative',
    config: edit('"collection": "0123456789abcdef01234567",', '"collection": "0123456789abcdef01234567", "settle_sec": 2.5, "settle_max_sec": -1,'),
    expected: [
      '15:67 jobs[0].sides.webflow.settle_sec: must be a whole number of seconds',
      '15:90 jobs[0].sides.webflow.settle_max_sec: must be 0 or more',
    ],
    pointsAt: ['2.5', '-1'],
  },
  {
    name: 'three sides',
    config: edit('"webflow": {', '"extra": { "adapter": "memory", "table": "x" }, "webflow": {'),
    expected: ['6:16 jobs[0].sides: must have exactly two sides, the source first and then the destination (found 3)'],
    pointsAt: ['{'],
  },
  {
    name: 'negative and zero throttle values',
    config: edit('"max_reqs": 5, "interval_sec": 1', '"max_reqs": -5, "interval_sec": 0'),
    expected: [
      '11:37 jobs[0].sides.airtable.throttle.max_reqs: must be a positive integer',
      '11:57 jobs[0].sides.airtable.throttle.interval_sec: must be at least 1 (second)',
    ],
    pointsAt: ['-5', '0'],
  },
  {
    name: 'throttle missing a key',
    config: edit(', "batch_size": 10', ''),
    expected: ['11:23 jobs[0].sides.airtable.throttle.batch_size: required'],
    pointsAt: ['{'],
  },
  {
    name: "batch larger than the API's limit",
    config: edit('"batch_size": 10', '"batch_size": 50'),
    expected: ["11:73 jobs[0].sides.airtable.throttle.batch_size: must be at most 10 (the API's limit)"],
    pointsAt: ['50'],
  },
  {
    name: 'a negative rate-limit margin and a zero concurrency',
    config: edit('"batch_size": 10', '"batch_size": 10, "margin_ms": -5, "concurrency": 0'),
    expected: [
      '11:90 jobs[0].sides.airtable.throttle.margin_ms: must be 0 or more',
      '11:109 jobs[0].sides.airtable.throttle.concurrency: must be a positive integer',
    ],
    pointsAt: ['-5', '0'],
  },
  {
    name: 'api_url that is not http(s)',
    config: edit('"adapter": "webflow",', '"adapter": "webflow", "api_url": "ftp://proxy.local",'),
    expected: ['14:44 jobs[0].sides.webflow.api_url: must be an http(s) URL'],
    pointsAt: ['"ftp://proxy.local"'],
  },
  {
    name: 'Webflow collection slug without site_id',
    config: edit('"collection": "0123456789abcdef01234567"', '"collection": "videos"'),
    expected: [
      '15:25 jobs[0].sides.webflow.collection: is not a collection id (24 hex characters); give creds.site_id to find a collection by slug or name',
    ],
    pointsAt: ['"videos"'],
  },
  {
    name: 'duplicate key',
    config: edit('"table": "Videos",', '"table": "Videos", "table": "Films",'),
    expected: ['9:30 jobs[0].sides.airtable.table: duplicate key (only the last one would count)'],
    pointsAt: ['"table": "Films"'],
  },
  {
    name: 'link index: missing driver-specific key',
    config: edit('{\n  "jobs"', '{ "linkindex": { "driver": "postgres" },\n  "jobs"'),
    expected: ['1:16 linkindex.conn: required'],
    pointsAt: ['{ "driver"'],
  },
  {
    name: 'not an object at all',
    config: '[]\n',
    expected: ['1:1 must be an object (got an array)'],
    pointsAt: ['[]'],
  },
  {
    name: 'no jobs',
    config: '{ "jobs": [] }\n',
    expected: ['1:11 jobs: must list at least one job'],
    pointsAt: ['[]'],
  },
  {
    name: 'several problems at once, in file order',
    config: edit(
      '"schedule": "*/5 * * * *"',
      '"schedule": "every 5 minutes"',
      edit('"max_reqs": 5', '"max_reqs": 0', edit('"table": "Videos"', '"tabel": "Videos"')),
    ),
    expected: [
      '5:19 jobs[0].schedule: must be a cron expression with 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first (found 3)',
      '9:11 jobs[0].sides.airtable.tabel: unknown key (did you mean "table"?)',
      '11:37 jobs[0].sides.airtable.throttle.max_reqs: must be a positive integer',
    ],
    pointsAt: ['"every', '"tabel"', '0'],
  },
];

/** The text at a 1-based line and column. */
function textAt(text: string, line: number, column: number): string {
  return (text.split('\n')[line - 1] ?? '').slice(column - 1);
}

describe('loadConfig rejects broken config files', () => {
  it('has enough cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(15);
  });

  it.each(CASES)('$name', async (testCase) => {
    const { dir, cleanup } = await tempFiles({ ...MAPPERS, ...testCase.files, 'jobs.jsonc': testCase.config });
    try {
      const file = path.join(dir, 'jobs.jsonc');
      const error = await loadConfig(file, { env: testCase.env ?? TEST_ENV }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(ConfigFileError);
      expect(error).toBeInstanceOf(ConfigError);
      const { message, issues } = error as ConfigFileError;
      expect(message).toBe(testCase.expected.map((line) => `${file}:${line.replaceAll('<dir>', dir)}`).join('\n'));
      const pointedAt = issues.map((issue, i) =>
        textAt(testCase.config, issue.line, issue.column).slice(0, testCase.pointsAt[i]?.length),
      );
      expect(pointedAt).toEqual(testCase.pointsAt);
      for (const secret of [AIRTABLE_SECRET, WEBFLOW_SECRET]) {
        expect(message).not.toContain(secret);
        expect(JSON.stringify(issues)).not.toContain(secret);
      }
    } finally {
      await cleanup();
    }
  });
});
