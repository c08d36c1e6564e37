import { findNodeAtLocation, type Node } from 'jsonc-parser';
import type { KeyPath } from './key-path.js';

/**
 * What an issue points at: `value` for a bad value, `key` for a key that is itself wrong (unknown,
 * duplicate, badly named). A path that does not exist in the file (a missing key) points at the
 * nearest object that does, i.e. the one the key should be added to.
 */
export type IssueAnchor = 'value' | 'key';

/** Offset of the node `path` names in the parsed file, following the rules of {@link IssueAnchor}. */
export function locateIssue(tree: Node | undefined, path: KeyPath, anchor: IssueAnchor): number {
  if (tree === undefined) return 0;
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? tree : findNodeAtLocation(tree, path.slice(0, n) as (string | number)[]);
    if (node === undefined) continue;
    if (n === path.length && anchor === 'key' && node.parent?.type === 'property') {
      return node.parent.children?.[0]?.offset ?? node.offset;
    }
    return node.offset;
  }
  return tree.offset;
}

/**
 * Offset of `needle` inside the string literal at `path`, for pointing at one `${VAR}` in a longer
 * value. Falls back to the literal itself when escapes make the source differ from the value.
 */
export function locateInString(text: string, tree: Node | undefined, path: KeyPath, needle: string): number {
  const offset = locateIssue(tree, path, 'value');
  const node = tree && findNodeAtLocation(tree, path as (string | number)[]);
  if (node?.type !== 'string') return offset;
  const index = text.slice(node.offset, node.offset + node.length).indexOf(needle);
  return index < 0 ? offset : node.offset + index;
}
