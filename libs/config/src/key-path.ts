/** A path into the JSON value: object keys and array indexes, as jsonc-parser and zod use them. */
export type KeyPath = readonly (string | number)[];

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * `jobs[0].sides.airtable.creds.apiKey`, with keys that are not identifiers in brackets
 * (`mappings["airtable→webflow"]`) so the path can be read back without ambiguity.
 */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** A Map/Set key for a path. */
export function keyPathId(path: KeyPath): string {
  return JSON.stringify(path);
}

/** `prefix` is `path` or one of its ancestors. */
export function isKeyPathPrefix(prefix: KeyPath, path: KeyPath): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => segment === path[i]);
}
