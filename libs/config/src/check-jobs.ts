import type { AdapterPlugin } from '@syncframe/adapter-kit/plugin';
import { checkSettle } from './check-settle.js';
import { MAPPING_KEY_PATTERN } from './config-schema.js';
import type { IssueCollector } from './issue-collector.js';
import type { KeyPath } from './key-path.js';
import { cronProblem, isTimeZone } from './validate-schedule.js';
import { isPlainObject } from './value-at.js';

/** One direction of a job's mappings, e.g. `airtable→webflow`. */
export interface MappingDirection {
  readonly from: string;
  readonly to: string;
}

/** `a→b` or `a->b` split into its side names; undefined when the key has another form. */
export function parseMappingKey(key: string): MappingDirection | undefined {
  const match = MAPPING_KEY_PATTERN.exec(key);
  return match ? { from: match[1]!, to: match[2]! } : undefined;
}

const quoteList = (names: readonly string[]) => names.map((n) => JSON.stringify(n)).join(' and ');

/**
 * Checks that involve more than one value, or a parser other than zod. They run on the raw
 * (expanded) value, independently of zod's result, so one wrong key does not hide the rest;
 * each check only looks at values of the type it expects and leaves type errors to zod.
 */
export function checkJobs(root: unknown, issues: IssueCollector, plugins: ReadonlyMap<string, AdapterPlugin>): void {
  if (!isPlainObject(root) || !Array.isArray(root['jobs'])) return;
  const firstIndexById = new Map<string, number>();
  root['jobs'].forEach((job: unknown, index) => {
    if (!isPlainObject(job)) return;
    const path: KeyPath = ['jobs', index];
    const id = job['id'];
    if (typeof id === 'string') {
      const first = firstIndexById.get(id);
      if (first === undefined) firstIndexById.set(id, index);
      else issues.at([...path, 'id'], 'value', `duplicate job id (already used by jobs[${first}])`);
    }
    checkSchedule(job['schedule'], [...path, 'schedule'], issues);
    const sideNames = checkSides(job['sides'], [...path, 'sides'], issues);
    checkEditTimes(job, [...path, 'sides'], plugins, issues);
    checkFieldConflict(job, path, issues);
    checkMappings(job['mappings'], [...path, 'mappings'], sideNames, issues);
    checkMatch(job['match'], [...path, 'match'], sideNames, issues);
  });
}

function checkSchedule(schedule: unknown, path: KeyPath, issues: IssueCollector): void {
  const cronPath = isPlainObject(schedule) ? [...path, 'cron'] : path;
  const cron = isPlainObject(schedule) ? schedule['cron'] : schedule;
  if (typeof cron === 'string' && cron.trim() !== '') {
    const problem = cronProblem(cron);
    if (problem) issues.at(cronPath, 'value', problem.message, problem.detail);
  }
  const timezone = isPlainObject(schedule) ? schedule['timezone'] : undefined;
  if (typeof timezone === 'string' && timezone !== '' && !isTimeZone(timezone)) {
    issues.at([...path, 'timezone'], 'value', 'is not a known IANA time zone (e.g. "Europe/Paris", "UTC")');
  }
}

/** Checks the sides and returns their names, in file order. */
function checkSides(sides: unknown, path: KeyPath, issues: IssueCollector): string[] {
  if (!isPlainObject(sides)) return [];
  const names = Object.keys(sides);
  if (names.length !== 2) {
    issues.at(path, 'value', `must have exactly two sides, the source first and then the destination (found ${names.length})`);
  }
  for (const name of names) {
    const side = sides[name];
    if (!isPlainObject(side)) continue;
    checkSettle(side, [...path, name], issues);
  }
  return names;
}

/** SyncFrame's keys of every side; the rest of a side is its plug-in's options. */
export const COMMON_SIDE_KEYS: ReadonlySet<string> = new Set(['adapter', 'throttle', 'settle_sec', 'settle_max_sec']);

/** A side's plug-in options: the side without the keys every side has. */
export function optionsOfSide(side: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(side).filter(([key]) => !COMMON_SIDE_KEYS.has(key)));
}

/**
 * last_writer_wins compares modification times; a side whose plug-in says it reports none with
 * these options (Airtable without a "Last modified time" field) would lose every conflict, silently.
 */
function checkEditTimes(job: Record<string, unknown>, path: KeyPath, plugins: ReadonlyMap<string, AdapterPlugin>, issues: IssueCollector): void {
  const policy = job['conflict_policy'] ?? 'last_writer_wins';
  const sides = job['sides'];
  // field_merge falls back to last_writer_wins per field unless field_conflict is manual.
  const fieldLww = policy === 'field_merge' && (job['field_conflict'] ?? 'last_writer_wins') === 'last_writer_wins';
  if ((policy !== 'last_writer_wins' && !fieldLww) || !isPlainObject(sides)) return;
  const when = fieldLww ? 'conflict_policy is field_merge with field_conflict last_writer_wins' : 'conflict_policy is last_writer_wins';
  for (const [name, side] of Object.entries(sides)) {
    const plugin = isPlainObject(side) && typeof side['adapter'] === 'string' ? plugins.get(side['adapter']) : undefined;
    if (!plugin?.editTimesMissing || !isPlainObject(side)) continue;
    // Only options the plug-in accepts are asked about; the schema reports the others.
    const options = plugin.options.safeParse(optionsOfSide(side));
    const missing = options.success ? plugin.editTimesMissing(options.data) : undefined;
    if (missing) issues.at([...path, name], 'value', `needs ${missing.needs} when ${when}: ${missing.because}`);
  }
}

/** field_conflict only means something under field_merge: given with another policy it is a mistake. */
function checkFieldConflict(job: Record<string, unknown>, path: KeyPath, issues: IssueCollector): void {
  const policy = job['conflict_policy'] ?? 'last_writer_wins';
  if (job['field_conflict'] === undefined || policy === 'field_merge') return;
  issues.at([...path, 'field_conflict'], 'key',
    `only applies with conflict_policy "field_merge" (this job's conflict_policy is ${JSON.stringify(policy)})`);
}

function checkMappings(mappings: unknown, path: KeyPath, sideNames: readonly string[], issues: IssueCollector): void {
  if (!isPlainObject(mappings)) return;
  const seen = new Map<string, string>();
  for (const key of Object.keys(mappings)) {
    const direction = parseMappingKey(key);
    if (direction === undefined) continue; // zod reports the key's form
    const unknown = [direction.from, direction.to].filter((name) => !sideNames.includes(name));
    if (unknown.length > 0 && sideNames.length > 0) {
      issues.at(
        [...path, key],
        'key',
        `names an unknown side ${quoteList(unknown)} (the sides are ${quoteList(sideNames)})`,
      );
      continue;
    }
    if (direction.from === direction.to) {
      issues.at([...path, key], 'key', 'must map one side to the other, not a side to itself');
      continue;
    }
    const canonical = `${direction.from}→${direction.to}`;
    const previous = seen.get(canonical);
    if (previous !== undefined) {
      issues.at([...path, key], 'key', `duplicate mapping for ${canonical} (also given as ${JSON.stringify(previous)})`);
    }
    seen.set(canonical, key);
  }
  if (sideNames.length !== 2) return;
  const [a, b] = sideNames as [string, string];
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    const canonical = `${from}→${to}`;
    if (!seen.has(canonical)) issues.at([...path, canonical], 'value', 'required (both directions must be mapped)');
  }
}

function checkMatch(match: unknown, path: KeyPath, sideNames: readonly string[], issues: IssueCollector): void {
  if (!isPlainObject(match) || sideNames.length === 0) return;
  for (const key of Object.keys(match)) {
    if (!sideNames.includes(key)) {
      issues.at([...path, key], 'key', `is not a side of this job (the sides are ${quoteList(sideNames)})`);
    }
  }
  if (sideNames.length !== 2) return;
  for (const name of sideNames) {
    if (!Object.prototype.hasOwnProperty.call(match, name)) issues.at([...path, name], 'value', 'required (one key field per side)');
  }
}
