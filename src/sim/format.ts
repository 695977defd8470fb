/**
 * Number formatting for venue frames. Venues send numbers as decimal strings with
 * their own conventions: Binance and Bybit pad to a fixed number of decimals
 * (`"63943.90"`), OKX prints the shortest form (`"63921.5"`). The simulator keeps
 * prices and quantities as integer counts of the instrument's smallest unit, so the
 * strings are exact (no `63921.50000000001`).
 */

const ZEROS = ['', '0', '00', '000', '0000', '00000', '000000', '0000000', '00000000', '000000000', '0000000000'];

/** Integer `units` of 10^-decimals as a string with `display` (≥ decimals) decimals: (639215, 1, 2) → "63921.50". */
export function formatUnits(units: number, decimals: number, display: number = decimals): string {
  const negative = units < 0;
  let s = String(negative ? -units : units);
  if (decimals > 0) {
    if (s.length <= decimals) s = ZEROS[decimals - s.length + 1]! + s;
    s = `${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}`;
    if (display > decimals) s += ZEROS[display - decimals]!;
  } else if (display > 0) {
    s += `.${ZEROS[display]!}`;
  }
  return negative ? `-${s}` : s;
}

/** Integer `units` of 10^-decimals in the shortest form: (639215, 1) → "63921.5", (6392150, 2) → "63921.5". */
export function formatUnitsTrimmed(units: number, decimals: number): string {
  const s = formatUnits(units, decimals);
  if (decimals === 0) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--; // '0'
  if (s.charCodeAt(end - 1) === 46) end--; // '.'
  return s.slice(0, end);
}

/** A float with `decimals` decimals, without "-0.000". */
export function formatFixed(value: number, decimals: number): string {
  const s = value.toFixed(decimals);
  return s.charCodeAt(0) === 45 && Number(s) === 0 ? s.slice(1) : s;
}

/** A float rounded to `decimals`, shortest form ("0.00012", "1934.5"). */
export function formatTrimmed(value: number, decimals: number): string {
  const s = formatFixed(value, decimals);
  if (decimals === 0) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end--;
  return s.slice(0, end);
}
