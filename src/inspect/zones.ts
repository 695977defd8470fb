/**
 * `inspect zones`: the active liquidation zones file (`zones/{SYM}.json`, POC-FACTS 2.2
 * plus our additions), by side, nearest to price first, with weight, state, age and the
 * tiers behind each zone. The PoC's `liq_active_zones_{SYM}.json` reads the same way.
 */

import { MoonstreamError } from '../errors.js';
import { bar, minutes, price as fmtPrice, priceDecimals, signedPct, table, iso } from '../cli/format.js';

export interface ZoneRow {
  readonly price: number;
  readonly side: 'long' | 'short';
  readonly weight: number;
  /** Epoch seconds, as in the file. */
  readonly created_at: number;
  readonly last_reinforced_at: number;
  readonly reinforcement_count: number;
  readonly source: string;
  readonly tier_contributions: Record<string, number>;
  readonly state: string;
  readonly untiered_contribution: number;
  readonly tracked_notional_usd?: number;
}

export interface ZonesView {
  readonly file: string;
  readonly symbol: string;
  /** Epoch seconds (event time of the save). */
  readonly savedAt: number;
  readonly zones: readonly ZoneRow[];
  readonly totals: Record<string, number> | undefined;
  /** Current price from the V2 snapshot beside it, when there is one. */
  readonly price: number | undefined;
  readonly step: number | undefined;
}

export function zonesView(file: string, parsed: unknown, reference?: { readonly price: number; readonly step: number }): ZonesView {
  const bad = (why: string) => new MoonstreamError('STATE_CORRUPT', `${file}: not a zones file (${why})`);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw bad('not a JSON object');
  const f = parsed as Record<string, unknown>;
  if (typeof f.symbol !== 'string') throw bad('no symbol');
  if (!Array.isArray(f.zones)) throw bad('no zones array');
  const zones: ZoneRow[] = [];
  f.zones.forEach((z, i) => {
    const r = z as Record<string, unknown> | null;
    const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
    if (!r || typeof r !== 'object' || !num(r.price) || (r.side !== 'long' && r.side !== 'short') || !num(r.weight)) throw bad(`zone ${i} lacks price, side or weight`);
    const count = num(r.reinforcement_count) ? (r.reinforcement_count as number) : 0;
    zones.push({
      price: r.price as number,
      side: r.side,
      weight: r.weight as number,
      created_at: num(r.created_at) ? (r.created_at as number) : NaN,
      last_reinforced_at: num(r.last_reinforced_at) ? (r.last_reinforced_at as number) : NaN,
      reinforcement_count: count,
      source: typeof r.source === 'string' ? r.source : '?',
      tier_contributions: r.tier_contributions && typeof r.tier_contributions === 'object' ? (r.tier_contributions as Record<string, number>) : {},
      state: typeof r.state === 'string' ? r.state : count > 0 ? 'reinforced' : 'created',
      untiered_contribution: num(r.untiered_contribution) ? (r.untiered_contribution as number) : 0,
      ...(num(r.tracked_notional_usd) ? { tracked_notional_usd: r.tracked_notional_usd as number } : {}),
    });
  });
  const totals = f.totals && typeof f.totals === 'object' ? (f.totals as Record<string, number>) : undefined;
  return {
    file,
    symbol: f.symbol,
    savedAt: typeof f.saved_at === 'number' ? f.saved_at : NaN,
    zones,
    totals,
    price: reference?.price,
    step: reference?.step,
  };
}

/** Zones of a side, nearest to price first (long: highest first, short: lowest first). */
export function zonesBySide(zones: readonly ZoneRow[], side: 'long' | 'short'): ZoneRow[] {
  return zones.filter((z) => z.side === side).sort((a, b) => (side === 'long' ? b.price - a.price : a.price - b.price));
}

/** `100x 52%, 125x 30%, tape 18%`: the largest shares of the weight first. */
export function tierMix(z: ZoneRow): string {
  const parts: [string, number][] = Object.entries(z.tier_contributions).map(([t, w]) => [`${t}x`, w]);
  if (z.untiered_contribution > 0) parts.push(['tape', z.untiered_contribution]);
  const total = parts.reduce((s, [, w]) => s + w, 0);
  if (!(total > 0)) return '—';
  return parts
    .filter(([, w]) => w / total >= 0.005) // what rounds to 0 % says nothing
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([name, w]) => `${name} ${Math.round((100 * w) / total)}%`)
    .join(', ');
}

export function renderZones(view: ZonesView): string {
  const lines: string[] = [];
  const long = zonesBySide(view.zones, 'long');
  const short = zonesBySide(view.zones, 'short');
  const t = view.totals;
  const lifetime = t ? ` · lifetime ${t.created ?? 0} created, ${t.reinforced ?? 0} reinforcements, ${t.swept ?? 0} swept, ${t.expired ?? 0} expired` : '';
  lines.push(`${view.symbol} · ${view.file} · saved ${iso(view.savedAt * 1000)} · ${view.zones.length} active (${long.length} long, ${short.length} short)${lifetime}`);
  const decimals = priceDecimals(view.step ?? guessStep(view.zones));
  if (view.price !== undefined) lines.push(`  price ${fmtPrice(view.price, decimals)} (latest V2 snapshot)`);
  const maxWeight = Math.max(0, ...view.zones.map((z) => z.weight));
  for (const [side, zones, where] of [
    ['short', short, 'above price'],
    ['long', long, 'below price'],
  ] as const) {
    lines.push('', `  ${side} zones (${where}), nearest first: ${zones.length}`);
    if (zones.length === 0) continue;
    const rows: string[][] = [['price', ...(view.price !== undefined ? ['dist'] : []), 'weight', '', 'state', 'source', 'age', 'last reinf.', 'reinf.', 'tiers']];
    for (const z of zones) {
      rows.push([
        fmtPrice(z.price, decimals),
        ...(view.price !== undefined ? [signedPct((z.price - view.price) / view.price)] : []),
        z.weight.toFixed(4),
        bar(z.weight, maxWeight, 12),
        z.state,
        z.source,
        minutes((view.savedAt - z.created_at) / 60),
        `${minutes((view.savedAt - z.last_reinforced_at) / 60)} ago`,
        String(z.reinforcement_count),
        tierMix(z),
      ]);
    }
    const align = rows[0]!.map((h) => (['price', 'dist', 'weight', 'age', 'last reinf.', 'reinf.'].includes(h) ? 'right' : 'left') as 'left' | 'right');
    lines.push(...table(rows, align, '    '));
  }
  return lines.join('\n');
}

function guessStep(zones: readonly ZoneRow[]): number {
  const p = zones[0]?.price ?? 0;
  return p >= 10_000 ? 20 : p >= 1_000 ? 1 : 0.1;
}

/** The JSON form: the file's zones with ages and distance computed, sides nearest first. */
export function zonesJson(view: ZonesView): Record<string, unknown> {
  const row = (z: ZoneRow) => ({
    ...z,
    age_min: round1((view.savedAt - z.created_at) / 60),
    since_reinforced_min: round1((view.savedAt - z.last_reinforced_at) / 60),
    ...(view.price !== undefined ? { distance_pct: Math.round(((z.price - view.price) / view.price) * 1e6) / 1e6 } : {}),
  });
  return {
    file: view.file,
    symbol: view.symbol,
    saved_at: view.savedAt,
    price: view.price ?? null,
    zone_count: view.zones.length,
    totals: view.totals ?? null,
    long: zonesBySide(view.zones, 'long').map(row),
    short: zonesBySide(view.zones, 'short').map(row),
  };
}

function round1(v: number): number | null {
  return Number.isFinite(v) ? Math.round(v * 10) / 10 : null;
}
