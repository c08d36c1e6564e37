import { z } from 'zod';
import { didYouMean, didYouMeanSuffix } from './did-you-mean.js';
import type { IssueCollector } from './issue-collector.js';
import { keyPathId, type KeyPath } from './key-path.js';
import { isPlainObject, kindOf, valueAt } from './value-at.js';

type ZodIssue = z.core.$ZodIssue;

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  record: 'an object',
  array: 'an array',
  null: 'null',
};

/**
 * Turns zod's issues into located, operator-facing messages. zod's own wording is only kept
 * where the schema supplied it (regex, refine, bounds); types, missing keys, unknown keys and
 * unions are reworded here because zod's messages describe its internals, not the file.
 */
export function translateZodIssues(
  zodIssues: readonly ZodIssue[],
  schema: z.ZodType,
  root: unknown,
  issues: IssueCollector,
  base: KeyPath = [],
): void {
  // `tabel` given for `table`: "unknown key (did you mean "table"?)" says it all; a second
  // "table: required" would only send the reader looking for a second mistake.
  const explained = new Set<string>();
  for (const issue of zodIssues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const path: KeyPath = [...base, ...(issue.path as (string | number)[])];
    const known = knownKeysAt(schema, root, path);
    for (const key of issue.keys) {
      const suggestion = didYouMean(key, known);
      if (suggestion !== undefined) explained.add(keyPathId([...path, suggestion]));
    }
  }
  for (const issue of zodIssues) {
    const path: KeyPath = [...base, ...(issue.path as (string | number)[])];
    const at = valueAt(root, path);
    switch (issue.code) {
      case 'invalid_type':
        if (!at.found) {
          if (!explained.has(keyPathId(path))) issues.at(path, 'value', 'required');
        } else if (issue.expected === 'int') {
          issues.at(path, 'value', issue.message); // a number, but not an integer: the schema's words
        } else {
          issues.at(path, 'value', `must be ${EXPECTED[issue.expected] ?? issue.expected} (got ${kindOf(at.value)})`);
        }
        break;
      case 'unrecognized_keys': {
        const known = knownKeysAt(schema, root, path);
        for (const key of issue.keys) {
          issues.at([...path, key], 'key', `unknown key${didYouMeanSuffix(key, known)}`);
        }
        break;
      }
      case 'invalid_key':
        issues.at(path, 'key', issue.issues[0]?.message ?? 'invalid key');
        break;
      case 'invalid_value': {
        const options = issue.values.map((v) => JSON.stringify(v));
        const expected = options.length === 1 ? `must be ${options[0]}` : `must be one of ${options.join(', ')}`;
        const suggestion = typeof at.value === 'string' ? didYouMeanSuffix(at.value, issue.values.map(String)) : '';
        issues.at(path, 'value', expected + suggestion);
        break;
      }
      case 'invalid_union':
        translateUnionIssue(issue, path, at, schema, root, issues);
        break;
      default:
        // too_small, too_big, invalid_format, custom…: the schema wrote these messages.
        issues.at(path, 'value', issue.message);
    }
  }
}

function translateUnionIssue(
  issue: z.core.$ZodIssueInvalidUnion,
  path: KeyPath,
  at: { found: boolean; value: unknown },
  schema: z.ZodType,
  root: unknown,
  issues: IssueCollector,
): void {
  if (issue.discriminator !== undefined && issue.errors.length === 0) {
    // No option has this discriminator; zod already points the path at it, e.g. `sides.airtable.adapter`.
    const options = ('options' in issue ? (issue.options ?? []) : []).map(String);
    if (!at.found) {
      issues.at(path, 'value', 'required');
    } else {
      const suggestion = typeof at.value === 'string' ? didYouMeanSuffix(at.value, options) : '';
      issues.at(path, 'value', `must be one of ${options.map((o) => JSON.stringify(o)).join(', ')}${suggestion}`);
    }
    return;
  }
  if (!at.found) {
    issues.at(path, 'value', 'required');
    return;
  }
  // The branches whose type matched the value (e.g. the object form of `schedule` for an object)
  // hold the errors worth showing; the others only say "wrong type".
  const isTypeMismatch = (e: ZodIssue) => e.code === 'invalid_type' && e.path.length === 0;
  const matching = issue.errors.filter((branch) => !branch.some(isTypeMismatch));
  if (matching.length === 1) {
    translateZodIssues(matching[0]!, schema, root, issues, path);
    return;
  }
  const expected = issue.errors
    .flatMap((branch) => branch.filter(isTypeMismatch))
    .map((e) => (e.code === 'invalid_type' ? (EXPECTED[e.expected] ?? e.expected) : ''));
  const unique = [...new Set(expected)].filter((e) => e !== '');
  issues.at(path, 'value', `must be ${unique.join(' or ')} (got ${kindOf(at.value)})`);
}

/** Removes optional/default wrappers and picks the union branch that fits `value`. */
function unwrap(schema: z.ZodType, value: unknown): z.ZodType {
  let current: z.ZodType = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodUnion) {
      const options = current.options as readonly z.ZodType[];
      const discriminator = current instanceof z.ZodDiscriminatedUnion ? current._zod.def.discriminator : undefined;
      const fitting =
        discriminator !== undefined && isPlainObject(value)
          ? options.find((o) => {
              const disc = o instanceof z.ZodObject ? (o.shape as Record<string, z.ZodType | undefined>)[discriminator] : undefined;
              return disc?.safeParse(value[discriminator]).success === true;
            })
          : options.find((o) => (o instanceof z.ZodObject) === isPlainObject(value));
      if (fitting === undefined) return current;
      current = fitting;
    } else {
      return current;
    }
  }
}

/** The keys the schema allows in the object at `path`, for "did you mean" suggestions. */
function knownKeysAt(schema: z.ZodType, root: unknown, path: KeyPath): string[] {
  let current = unwrap(schema, root);
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    if (current instanceof z.ZodObject) {
      const child = (current.shape as Record<string, z.ZodType | undefined>)[String(segment)];
      if (child === undefined) return [];
      current = child;
    } else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else return [];
    current = unwrap(current, valueAt(root, path.slice(0, i + 1)).value);
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}
