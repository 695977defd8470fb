/**
 * Text helpers for the commands' output (inspect, audit, replay): number formats, horizontal
 * bars, one-line sparklines and aligned tables. Pure: strings in, strings out.
 */

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'] as const;
const SPARKS = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/** Digits with a comma every three (by hand: the first toLocaleString costs ~20 ms of ICU start-up, a tenth of inspect's budget). */
function grouped(digits: string): string {
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return out;
}

/** `1234567.8` → `1,234,568`. */
export function int(n: number): string {
  const r = Math.round(n);
  return `${r < 0 ? '-' : ''}${grouped(String(Math.abs(r)))}`;
}

/** `1234567.8` → `$1,234,568`. */
export function usd(n: number): string {
  return `${n < 0 ? '−' : ''}$${int(Math.abs(n))}`;
}

/** USD in a short form: `$1.23M`, `$45.6k`, `$789`. */
export function usdShort(n: number): string {
  const a = Math.abs(n);
  const sign = n < 0 ? '−' : '';
  if (a >= 1e9) return `${sign}$${(a / 1e9).toFixed(2)}B`;
  if (a >= 1e6) return `${sign}$${(a / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${sign}$${(a / 1e3).toFixed(1)}k`;
  return `${sign}$${Math.round(a)}`;
}

/** A price with the decimals its step needs (at least `min`), thousands separated. */
export function price(p: number, decimals = 2): string {
  const [whole, fraction] = Math.abs(p).toFixed(decimals).split('.');
  const sign = p < 0 && Number(whole) + Number(fraction ?? 0) > 0 ? '-' : '';
  return `${sign}${grouped(whole!)}${fraction !== undefined ? `.${fraction}` : ''}`;
}

/** Decimals to print prices of a grid step with (20 → 0, 1 → 2, 0.1 → 2, 0.01 → 3). */
export function priceDecimals(step: number): number {
  if (!(step > 0)) return 2;
  if (step >= 10) return 0;
  let d = 0;
  while (d < 8 && Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) > 1e-9) d++;
  return Math.max(2, d + 1);
}

/** A fraction as a percentage: `0.1234` → `12.3 %` (digits after the point). */
export function pct(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)} %`;
}

/** A signed fraction as a percentage: `+0.27 %`, `−0.05 %`. */
export function signedPct(fraction: number, digits = 2): string {
  const v = (fraction * 100).toFixed(digits);
  return fraction < 0 ? `−${v.slice(1)} %` : `+${v} %`;
}

/** ISO 8601 UTC of epoch ms, without milliseconds when they are zero. */
export function iso(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Minutes as `45m`, `3h05m`, `2d04h`. */
export function minutes(m: number): string {
  if (!Number.isFinite(m)) return '—';
  const total = Math.max(0, Math.round(m));
  if (total < 60) return `${total}m`;
  const h = Math.floor(total / 60);
  if (h < 48) return `${h}h${String(total % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** A horizontal bar of `value / max` over `width` cells, in eighths of a cell. */
export function bar(value: number, max: number, width = 24): string {
  if (!(max > 0) || !(value > 0)) return '';
  const eighths = Math.round(Math.min(1, value / max) * width * 8);
  const full = Math.floor(eighths / 8);
  return '█'.repeat(full) + EIGHTHS[eighths % 8];
}

/**
 * One line of `width` characters summarizing u8 intensities: each character shows the
 * maximum of its share of the buckets (so a single strong bucket is never averaged
 * away); blank = zero.
 */
export function sparkline(values: ArrayLike<number>, width = 40, max = 255): string {
  const n = values.length;
  if (n === 0) return '';
  const cells = Math.min(width, n);
  let out = '';
  for (let c = 0; c < cells; c++) {
    const from = Math.floor((c * n) / cells);
    const to = Math.max(from + 1, Math.floor(((c + 1) * n) / cells));
    let peak = 0;
    for (let i = from; i < to; i++) if (values[i]! > peak) peak = values[i]!;
    out += peak <= 0 ? SPARKS[0] : SPARKS[Math.max(1, Math.min(8, Math.ceil((peak / max) * 8)))];
  }
  return out;
}

export type Align = 'left' | 'right';

/** Rows of cells as aligned columns (two spaces apart); `align` per column, default left. */
export function table(rows: readonly (readonly string[])[], align: readonly Align[] = [], indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, i) => {
          const pad = ' '.repeat((widths[i] ?? 0) - visibleLength(cell));
          return align[i] === 'right' ? pad + cell : i === row.length - 1 ? cell : cell + pad;
        })
        .join('  '),
  );
}

function visibleLength(text: string): number {
  return [...text].length;
}

/**
 * JSON indented like `JSON.stringify(value, null, 2)`, except that arrays of plain values
 * (numbers, strings, booleans, null) stay on one line: a ring record's 2 000 intensities
 * are one line, not 2 000.
 */
export function prettyJson(value: unknown, indent = '  '): string {
  const out: string[] = [];
  const plain = (v: unknown) => v === null || typeof v !== 'object';
  const write = (v: unknown, pad: string): void => {
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON: () => unknown }).toJSON();
    if (plain(v)) {
      out.push(JSON.stringify(v) ?? 'null');
      return;
    }
    const inner = pad + indent;
    if (Array.isArray(v)) {
      // native checks only: a loop over 180 000 intensities in cold code costs more than the rest of inspect
      const flat = JSON.stringify(v);
      if (!/[[{]/.test(flat.slice(1))) {
        out.push(flat); // no nested array or object (a string holding a bracket just falls through to the long form)
        return;
      }
      out.push('[\n');
      v.forEach((item, i) => {
        out.push(inner);
        write(item === undefined || typeof item === 'function' ? null : item, inner);
        out.push(i < v.length - 1 ? ',\n' : '\n');
      });
      out.push(`${pad}]`);
      return;
    }
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined && typeof x !== 'function');
    if (entries.length === 0) {
      out.push('{}');
      return;
    }
    out.push('{\n');
    entries.forEach(([k, x], i) => {
      out.push(`${inner}${JSON.stringify(k)}: `);
      write(x, inner);
      out.push(i < entries.length - 1 ? ',\n' : '\n');
    });
    out.push(`${pad}}`);
  };
  write(value, '');
  return out.join('');
}
