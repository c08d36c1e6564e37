/**
 * The largest number of `times` (ms) in any closed window [t, t + windowMs]: what a remote that
 * counts its window inclusively (a request exactly `windowMs` after another still shares its
 * window) bounds by its rate limit.
 */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! > windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}
