/** Small numeric helpers shared by the engines (pure). */

const POWERS = Array.from({ length: 16 }, (_, i) => 10 ** i);

/** `value` rounded to `decimals` (0…15) places. Hot at every rollover: no `**` per call. */
export function round(value: number, decimals: number): number {
  const f = POWERS[decimals]!;
  const r = Math.round(value * f) / f;
  // keep -0 out of arithmetic comparisons (JSON.stringify writes it as 0 anyway)
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
