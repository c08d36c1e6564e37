import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import type { IssueCollector } from './issue-collector.js';
import type { KeyPath } from './key-path.js';

/** `CommaExpected` → `comma expected`. */
function describeParseError(error: ParseError): string {
  return printParseErrorCode(error.error)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

/**
 * Parses JSONC (comments and trailing commas allowed) into a syntax tree, which is kept to map
 * every later issue back to a line and column. Returns undefined after syntax errors: a partial
 * tree would only produce misleading follow-up errors.
 */
export function parseJsonc(text: string, issues: IssueCollector): Node | undefined {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  for (const error of errors) {
    issues.add({ offset: error.offset, path: [], message: `JSON syntax error: ${describeParseError(error)}` });
  }
  if (errors.length > 0 || tree === undefined) {
    if (errors.length === 0) issues.add({ offset: 0, path: [], message: 'JSON syntax error: the file is empty' });
    return undefined;
  }
  reportDuplicateKeys(tree, [], issues);
  return tree;
}

/** JSON lets the last duplicate win without a word; in a hand-edited file that hides a mistake. */
function reportDuplicateKeys(node: Node, path: KeyPath, issues: IssueCollector): void {
  if (node.type === 'array') {
    node.children?.forEach((child, i) => reportDuplicateKeys(child, [...path, i], issues));
    return;
  }
  if (node.type !== 'object') return;
  const seen = new Map<string, Node>();
  for (const property of node.children ?? []) {
    const [keyNode, valueNode] = property.children ?? [];
    if (keyNode === undefined || typeof keyNode.value !== 'string') continue;
    const key: string = keyNode.value;
    if (seen.has(key)) {
      issues.add({ offset: keyNode.offset, path: [...path, key], message: 'duplicate key (only the last one would count)' });
    }
    seen.set(key, keyNode);
    if (valueNode !== undefined) reportDuplicateKeys(valueNode, [...path, key], issues);
  }
}
