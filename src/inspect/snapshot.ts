/**
 * `inspect snapshot`: the latest V1 and V2 heatmap snapshots (`snapshots/{SYM}.v1.json`,
 * `.v2.json`, POC-FACTS 2.3 plus our additions): time, price, grid, an intensity
 * sparkline per side, V2's pools with their tiers, V1's top zones. The JSON form is a
 * summary (the dense arrays stay in the file).
 */

import { MoonstreamError } from '../errors.js';
import { iso, int, price as fmtPrice, priceDecimals, signedPct, sparkline, table, usdShort } from '../cli/format.js';

export type SnapshotKind = 'v1' | 'v2';

interface Pool {
  readonly price: number;
  readonly price_low: number;
  readonly price_high: number;
  readonly notional_usd: number;
  readonly intensity?: number;
  readonly bucket_count?: number;
  readonly tier_notional_usd?: Record<string, number>;
}

export interface SnapshotSummary {
  readonly file: string;
  readonly kind: SnapshotKind;
  readonly symbol: string;
  /** Epoch ms. */
  readonly ts: number;
  /** V1: the minute's close; V2: OHLC4. */
  readonly price: number;
  readonly step: number;
  readonly priceMin: number;
  readonly priceMax: number;
  readonly buckets: number;
  /** Intensities in [0, 1] per side, low → high price. */
  readonly long: readonly number[];
  readonly short: readonly number[];
  readonly longPools: readonly Pool[];
  readonly shortPools: readonly Pool[];
  readonly topLongZones: readonly { price: number; strength: number; age_min: number }[];
  readonly topShortZones: readonly { price: number; strength: number; age_min: number }[];
  readonly norm: { readonly p50: number; readonly p95: number } | undefined;
  readonly stats: Record<string, unknown> | undefined;
}

/** Which snapshot a parsed file is (V2 has pools, V1 a `norm`), or undefined. */
export function snapshotKind(parsed: unknown): SnapshotKind | undefined {
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const s = parsed as Record<string, unknown>;
  if (Array.isArray(s.long_levels)) return 'v2';
  if (s.norm !== undefined && Array.isArray(s.long_intensity)) return 'v1';
  return undefined;
}

export function snapshotSummary(file: string, parsed: unknown): SnapshotSummary {
  const kind = snapshotKind(parsed);
  const bad = (why: string) => new MoonstreamError('STATE_CORRUPT', `${file}: not a heatmap snapshot (${why})`);
  if (!kind) throw bad('neither V1 nor V2 keys');
  const s = parsed as Record<string, unknown>;
  const num = (key: string) => {
    const v = s[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`"${key}" is not a number`);
    return v;
  };
  const numbers = (key: string) => {
    const v = s[key];
    if (!Array.isArray(v)) throw bad(`"${key}" is not an array`);
    return v.map((x) => (typeof x === 'number' ? x : 0));
  };
  if (typeof s.symbol !== 'string') throw bad('no symbol');
  const long = numbers('long_intensity');
  const short = numbers('short_intensity');
  const norm = s.norm as { p50?: unknown; p95?: unknown } | undefined;
  return {
    file,
    kind,
    symbol: s.symbol,
    ts: num('ts') * 1000,
    price: kind === 'v2' ? num('price') : num('src'),
    step: num('step'),
    priceMin: num('price_min'),
    priceMax: num('price_max'),
    buckets: long.length,
    long,
    short,
    longPools: kind === 'v2' ? (s.long_levels as Pool[]) : [],
    shortPools: kind === 'v2' ? (s.short_levels as Pool[]) : [],
    topLongZones: kind === 'v1' && Array.isArray(s.top_long_zones) ? (s.top_long_zones as SnapshotSummary['topLongZones']) : [],
    topShortZones: kind === 'v1' && Array.isArray(s.top_short_zones) ? (s.top_short_zones as SnapshotSummary['topShortZones']) : [],
    norm: norm && typeof norm.p50 === 'number' && typeof norm.p95 === 'number' ? { p50: norm.p50, p95: norm.p95 } : undefined,
    stats: kind === 'v2' && s.stats && typeof s.stats === 'object' ? (s.stats as Record<string, unknown>) : undefined,
  };
}

const u8 = (values: readonly number[]) => values.map((v) => Math.max(0, Math.min(255, Math.floor(255 * v))));

export function renderSnapshot(s: SnapshotSummary): string {
  const d = priceDecimals(s.step);
  const lines: string[] = [];
  const what = s.kind === 'v2' ? 'OHLC4' : 'close';
  lines.push(
    `${s.symbol} · ${s.file} · ${s.kind.toUpperCase()} · ${iso(s.ts)} · price ${fmtPrice(s.price, d)} (${what}) · grid ${fmtPrice(s.priceMin, d)} – ${fmtPrice(s.priceMax, d)}, step ${s.step}, ${int(s.buckets)} buckets`,
  );
  lines.push(`  long  ${sparkline(u8(s.long), 60)}`);
  lines.push(`  short ${sparkline(u8(s.short), 60)}`);
  lines.push(`        ${fmtPrice(s.priceMin, d)} → ${fmtPrice(s.priceMax, d)}`);
  if (s.norm) lines.push(`  V1 stretch p50 ${s.norm.p50} · p95 ${s.norm.p95}`);
  if (s.kind === 'v2') {
    for (const [side, pools] of [
      ['long', s.longPools],
      ['short', s.shortPools],
    ] as const) {
      lines.push(`  ${side} pools: ${pools.length}`);
      if (pools.length === 0) continue;
      const rows: string[][] = [['price', 'dist', 'range', 'notional', 'tiers']];
      for (const p of pools) {
        const tiers = Object.entries(p.tier_notional_usd ?? {})
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([t, v]) => `${t}x ${usdShort(v)}`)
          .join(', ');
        rows.push([fmtPrice(p.price, d), signedPct((p.price - s.price) / s.price), `${fmtPrice(p.price_low, d)}–${fmtPrice(p.price_high, d)}`, usdShort(p.notional_usd), tiers || '—']);
      }
      lines.push(...table(rows, ['right', 'right', 'right', 'right', 'left'], '    '));
    }
    const st = s.stats as { total_force_orders?: number; total_inferences?: number; zone_manager?: Record<string, number> } | undefined;
    if (st) {
      const z = st.zone_manager ?? {};
      lines.push(`  stats: ${int(st.total_force_orders ?? 0)} liquidations on the tape, ${int(st.total_inferences ?? 0)} inferred positions, zones ${z.active_zones_long ?? 0} long / ${z.active_zones_short ?? 0} short`);
    }
  } else {
    const zones = (list: SnapshotSummary['topLongZones']) => (list.length === 0 ? '—' : list.map((z) => `${fmtPrice(z.price, d)} (${z.strength}, ${z.age_min}m)`).join(', '));
    lines.push(`  top long zones: ${zones(s.topLongZones)}`);
    lines.push(`  top short zones: ${zones(s.topShortZones)}`);
  }
  return lines.join('\n');
}

export function snapshotJson(s: SnapshotSummary): Record<string, unknown> {
  const peak = (values: readonly number[]) => {
    let best = -1;
    values.forEach((v, i) => {
      if (v > 0 && (best < 0 || v > values[best]!)) best = i;
    });
    return best < 0 ? null : Math.round((s.priceMin + best * s.step) * 1e8) / 1e8;
  };
  return {
    file: s.file,
    kind: s.kind,
    symbol: s.symbol,
    ts: s.ts,
    time: iso(s.ts),
    price: s.price,
    step: s.step,
    price_min: s.priceMin,
    price_max: s.priceMax,
    buckets: s.buckets,
    nonzero_long: s.long.filter((v) => v > 0).length,
    nonzero_short: s.short.filter((v) => v > 0).length,
    peak_long_price: peak(s.long),
    peak_short_price: peak(s.short),
    ...(s.kind === 'v2' ? { long_levels: s.longPools, short_levels: s.shortPools, stats: s.stats ?? null } : { norm: s.norm ?? null, top_long_zones: s.topLongZones, top_short_zones: s.topShortZones }),
  };
}
