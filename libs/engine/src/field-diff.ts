import { canonicalJson } from './content-hash.js';
import type { Fields } from './record.js';

/**
 * Empty values all mean "no value": remotes omit empty cells (Airtable drops `""`, `false` and `[]`
 * from records), so a mapper's explicit empty equals the other side's absent cell.
 */
const isEmpty = (v: unknown): boolean =>
  v === undefined || v === null || v === '' || v === false || (Array.isArray(v) && v.length === 0);
const norm = (v: unknown): string => (isEmpty(v) ? 'null' : canonicalJson(v));

/** The keys of `fields` whose value differs from `target`'s. */
export function changedFields(fields: Fields, target: Fields): string[] {
  return Object.keys(fields).filter((k) => norm(fields[k]) !== norm(target[k]));
}

/** Whether writing `fields` onto a record holding `target` would change nothing. */
export function isContainedIn(fields: Fields, target: Fields): boolean {
  return changedFields(fields, target).length === 0;
}
