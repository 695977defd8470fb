/** Small numeric helpers shared by the engines (pure). */

/** `value` rounded to `decimals` places (half away from zero is irrelevant here: ties are measure-zero on real data). */
export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  const r = Math.round(value * f) / f;
  // JSON.stringify(-0) is "0" already, but keep -0 out of arithmetic comparisons too.
  return r === 0 ? 0 : r;
}

export function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}

/** A finite number > 0. */
export function isPositive(value: unknown): value is number {
  return typeof value === 'number' && value > 0 && Number.isFinite(value);
}

/** u8 of an intensity in [0, 1]: min(255, max(0, floor(255·v))) (POC-FACTS 1.4). */
export function toU8(value: number): number {
  if (!(value > 0)) return 0;
  const q = Math.floor(255 * value);
  return q > 255 ? 255 : q;
}
