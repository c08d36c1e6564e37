import type { IssueCollector } from './issue-collector.js';
import type { KeyPath } from './key-path.js';

/**
 * `settle_max_sec` caps the wait `settle_sec` asks for: a cap below the wait would let every
 * record through before it settled, so it is refused rather than silently raised. Only whole
 * numbers are compared; zod reports values of another type.
 */
export function checkSettle(side: Record<string, unknown>, path: KeyPath, issues: IssueCollector): void {
  const sec = side['settle_sec'] ?? 0;
  const max = side['settle_max_sec'];
  if (typeof sec !== 'number' || typeof max !== 'number' || !Number.isInteger(sec) || !Number.isInteger(max)) return;
  if (max < sec) issues.at([...path, 'settle_max_sec'], 'value', `must be at least settle_sec (${sec})`);
}
