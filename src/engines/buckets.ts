/**
 * Price buckets and grids (POC-FACTS.md 3.1), keyed by integer index instead of by
 * rounded float so that lookups never miss on float noise (the PoC's exact-equality
 * lookups of rounded floats did, e.g. for SOL).
 *
 * bucket index of a price: round(p / step), the nearest multiple (not the floor);
 * bucket price of an index: index · step, rounded to the step's decimals.
 */

/** Decimal places of a step: 20 → 0, 1 → 0, 0.1 → 1, 0.05 → 2. */
export function decimalsOf(step: number): number {
  if (!(step > 0)) throw new RangeError(`step must be positive, got ${step}`);
  let d = 0;
  while (d < 12 && Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) > 1e-9 * 10 ** d) d++;
  return d;
}

export function bucketIndex(price: number, step: number): number {
  return Math.round(price / step);
}

export function bucketPrice(index: number, step: number, decimals = decimalsOf(step)): number {
  const f = 10 ** decimals;
  return Math.round(index * step * f) / f;
}

/** The bucket price nearest to `price`. */
export function bucketOf(price: number, step: number, decimals = decimalsOf(step)): number {
  return bucketPrice(bucketIndex(price, step), step, decimals);
}

/** A grid of bucket prices around a centre: [round(c·(1−band)/s), round(c·(1+band)/s)]. */
export interface Grid {
  readonly step: number;
  /** Index of the first point (price = firstIndex · step). */
  readonly firstIndex: number;
  readonly count: number;
  readonly priceMin: number;
  readonly priceMax: number;
}

/**
 * Grid of ±`band` around `centre`, at most `maxPoints` points (the ring records hold
 * 1000); when the band needs more, it is trimmed symmetrically around the centre.
 */
export function gridAround(centre: number, band: number, step: number, maxPoints = Infinity): Grid {
  let first = Math.round((centre * (1 - band)) / step);
  let last = Math.round((centre * (1 + band)) / step);
  if (last - first + 1 > maxPoints) {
    const mid = Math.round(centre / step);
    first = mid - Math.floor((maxPoints - 1) / 2);
    last = first + maxPoints - 1;
  }
  return gridFromIndices(first, last, step);
}

export function gridFromIndices(firstIndex: number, lastIndex: number, step: number): Grid {
  const d = decimalsOf(step);
  return {
    step,
    firstIndex,
    count: lastIndex - firstIndex + 1,
    priceMin: bucketPrice(firstIndex, step, d),
    priceMax: bucketPrice(lastIndex, step, d),
  };
}

export function gridPrices(grid: Grid): number[] {
  const d = decimalsOf(grid.step);
  const prices = new Array<number>(grid.count);
  for (let i = 0; i < grid.count; i++) prices[i] = bucketPrice(grid.firstIndex + i, grid.step, d);
  return prices;
}
