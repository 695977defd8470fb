/**
 * The E-step's arithmetic (DESIGN.md section 4), pure and allocation-free where hot:
 *
 * - from the inventory: `r_L = f_L / Σ f` with `f_L(P) = Σ notional·exp(−|P − level|/(P·τ))`
 *   over the tier's inferred positions (the inventory already carries the weights, so
 *   they are not multiplied in twice);
 * - fallback, when Σ f is negligible: `r_L ∝ w_L·exp(−d_L/τ)` with `d_L` the distance
 *   (fraction of P) to the tier's nearest implied level of the cached minutes' OHLC4;
 * - hit credit `r_L·exp(−d_L/δ)`.
 * Disabled tiers get no responsibility and no credit.
 */

/** r_L = f_L / Σ f into `out` (0 for disabled tiers); returns Σ f over enabled tiers. */
export function densityResponsibilities(density: ArrayLike<number>, enabled: readonly boolean[], out: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < enabled.length; i++) if (enabled[i]) sum += density[i]!;
  for (let i = 0; i < enabled.length; i++) out[i] = enabled[i] && sum > 0 ? density[i]! / sum : 0;
  return sum;
}

/**
 * r_L ∝ w_L·exp(−d_L/τ) into `out`. `distances[i]` is undefined for a tier without a
 * level. Computed relative to the smallest distance, so a far event never underflows to
 * 0/0: the nearest tiers win, in proportion to their weights. All weights 0 → uniform
 * over the enabled tiers with a level.
 */
export function fallbackResponsibilities(
  distances: readonly (number | undefined)[],
  weights: readonly number[],
  enabled: readonly boolean[],
  tau: number,
  out: Float64Array,
): void {
  let dMin = Infinity;
  for (let i = 0; i < enabled.length; i++) {
    const d = distances[i];
    if (enabled[i] && d !== undefined && d < dMin) dMin = d;
  }
  let sum = 0;
  for (let i = 0; i < enabled.length; i++) {
    const d = distances[i];
    out[i] = enabled[i] && d !== undefined ? weights[i]! * Math.exp(-(d - dMin) / tau) : 0;
    sum += out[i]!;
  }
  if (sum > 0) {
    for (let i = 0; i < enabled.length; i++) out[i] = out[i]! / sum;
    return;
  }
  let n = 0;
  for (let i = 0; i < enabled.length; i++) if (enabled[i] && distances[i] !== undefined) n++;
  for (let i = 0; i < enabled.length; i++) out[i] = n > 0 && enabled[i] && distances[i] !== undefined ? 1 / n : 0;
}

/** Hit credit r_L·exp(−d_L/δ) (0 without a level). */
export function hitCredit(responsibility: number, distance: number | undefined, delta: number): number {
  return distance === undefined ? 0 : responsibility * Math.exp(-distance / delta);
}

/** Index of the largest value among the enabled entries (the lowest index on a tie); -1 when none is > 0. */
export function argmax(values: ArrayLike<number>, enabled: readonly boolean[]): number {
  let best = -1;
  let bestValue = 0;
  for (let i = 0; i < enabled.length; i++) {
    if (enabled[i] && values[i]! > bestValue) {
      best = i;
      bestValue = values[i]!;
    }
  }
  return best;
}
