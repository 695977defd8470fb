/** Small statistics for the audit (pure). */

/**
 * The q-quantile of ascending `sorted` values by linear interpolation between closest
 * ranks (numpy's default), or null when there are none.
 */
export function quantile(sorted: readonly number[], q: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** `values` sorted ascending (a copy). */
export function ascending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}
