import { checkSettle } from './check-settle.js';
import { MAPPING_KEY_PATTERN, WEBFLOW_ID_PATTERN } from './config-schema.js';
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
export function checkJobs(root: unknown, issues: IssueCollector): void {
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
    checkModificationTimes(job, [...path, 'sides'], issues);
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
    if (side['adapter'] === 'airtable' && typeof side['soft_delete_field'] === 'string' && side['hard_delete'] === true) {
      issues.at([...path, name, 'hard_delete'], 'value', 'cannot be true together with soft_delete_field (choose one way to delete)');
    }
    if (side['adapter'] === 'webflow') {
      const collection = side['collection'];
      const siteId = isPlainObject(side['creds']) ? side['creds']['site_id'] : undefined;
      if (typeof collection === 'string' && collection !== '' && !WEBFLOW_ID_PATTERN.test(collection) && siteId === undefined) {
        issues.at(
          [...path, name, 'collection'],
          'value',
          'is not a collection id (24 hex characters); give creds.site_id to find a collection by slug or name',
        );
      }
    }
  }
  return names;
}

/**
 * last_writer_wins compares modification times; Airtable reports one only through a "Last modified
 * time" field. Without it newer Airtable edits would lose every conflict, silently.
 */
function checkModificationTimes(job: Record<string, unknown>, path: KeyPath, issues: IssueCollector): void {
  const policy = job['conflict_policy'] ?? 'last_writer_wins';
  const sides = job['sides'];
  // field_merge falls back to last_writer_wins per field unless field_conflict is manual.
  const fieldLww = policy === 'field_merge' && (job['field_conflict'] ?? 'last_writer_wins') === 'last_writer_wins';
  if ((policy !== 'last_writer_wins' && !fieldLww) || !isPlainObject(sides)) return;
  const when = fieldLww ? 'conflict_policy is field_merge with field_conflict last_writer_wins' : 'conflict_policy is last_writer_wins';
  for (const [name, side] of Object.entries(sides)) {
    if (isPlainObject(side) && side['adapter'] === 'airtable' && side['last_modified_field'] === undefined) {
      issues.at([...path, name], 'value',
        `needs last_modified_field (a "Last modified time" field) when ${when}: ` +
        'without it Airtable reports no edit time and newer Airtable edits would lose every conflict');
    }
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
