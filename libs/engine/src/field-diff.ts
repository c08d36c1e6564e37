import { canonicalJson } from './content-hash.js';
import type { Fields } from './record.js';

/** Absent, undefined and null all mean "no value" (remotes omit empty cells). */
const norm = (v: unknown): string => canonicalJson(v === undefined ? null : v);

/** The keys of `fields` whose value differs from `target`'s. */
export function changedFields(fields: Fields, target: Fields): string[] {
  return Object.keys(fields).filter((k) => norm(fields[k]) !== norm(target[k]));
}

/** Whether writing `fields` onto a record holding `target` would change nothing. */
export function isContainedIn(fields: Fields, target: Fields): boolean {
  return changedFields(fields, target).length === 0;
}
