/**
 * The audit report as markdown (`moonstream audit > report.md`). Pure: the report
 * object in, text out; every number comes from the report (`--format json` prints the
 * same object).
 */

import { iso, int, minutes as fmtMinutes, usd } from '../cli/format.js';
import type { AuditReport } from './audit.js';
import { HEADLINE_LOOKBACK, HEADLINE_TOLERANCE, TOLERANCES, cellOf, type Grid, type HitRateResult } from './hit-rate.js';
import type { AuditSymbolReport, BySource, CalibrationRow } from './report.js';

/** The PoC's published audit (POC-FACTS 4.3: BTC, 2026-02-09 … 02-16, 10,318 events): combined, 5 min, 0.50 %. */
export const POC_PUBLISHED = { hitRate: 0.401, gapRate: 0.3, events: 10_318, grid: { '0': [6.4, 13.1, 19.1, 27.6], '1': [10.4, 20.4, 28.6, 40.5], '5': [18.1, 31.5, 40.1, 52.1], '15': [28.7, 38.9, 45.2, 55.8] } } as const;
/** Calibration rows shown in the markdown before sampling (JSON has all). */
const MAX_CALIBRATION_ROWS = 48;

const p1 = (f: number | null | undefined) => (f === null || f === undefined || !Number.isFinite(f) ? '—' : `${(f * 100).toFixed(1)} %`);
const p2 = (f: number | null | undefined) => (f === null || f === undefined || !Number.isFinite(f) ? '—' : `${(f * 100).toFixed(2)} %`);
const p3 = (f: number | null | undefined) => (f === null || f === undefined || !Number.isFinite(f) ? '—' : `${(f * 100).toFixed(3)} %`);
const signed3 = (f: number | null) => (f === null ? '—' : `${f < 0 ? '−' : '+'}${Math.abs(f * 100).toFixed(3)} %`);
const tolHeader = TOLERANCES.map((t) => `${(t * 100).toFixed(2)} %`);
/** A miss in USD: cents below $100 (an ETH or SOL miss is often under a dollar). */
const usdMiss = (v: number | null) => (v === null ? '—' : Math.abs(v) < 100 ? `$${v.toFixed(2)}` : usd(v));

function mdTable(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('l' | 'r')[]): string[] {
  const a = align ?? header.map((_, i) => (i === 0 ? 'l' : 'r'));
  return [`| ${header.join(' | ')} |`, `|${a.map((x) => (x === 'r' ? '---:' : ':---')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function gridTable(grid: Grid, withGap = true): string[] {
  const rows = grid.rows.map((r) => [`${r.lookback} min`, ...r.cells.map((c) => p1(c.hitRate)), ...(withGap ? [p1(r.gapRate)] : [])]);
  return mdTable(['lookback', ...tolHeader, ...(withGap ? ['gap'] : [])], rows);
}

export function renderAuditMarkdown(report: AuditReport): string {
  const out: string[] = ['# moonstream audit', ''];
  const source = report.capture
    ? `Capture \`${report.capture.file}\`, replayed into a temporary data dir (${int(report.capture.envelopes)} envelopes, ${report.capture.malformedLines} malformed lines, ${report.capture.replayWallSeconds.toFixed(1)} s).`
    : `Data dir \`${report.dataDir}\`.`;
  out.push(`${source}${report.since !== null ? ` Events since ${iso(report.since)}.` : ''} Symbols: ${Object.keys(report.symbols).join(', ')}.`, '');
  out.push(
    'Read from the calibrator log (rotated files included), the V2 heatmap history ring and the zones and weights files only. ' +
      'Liquidations are compared at their **trigger price** — the mark price at the event when one is known within 2 s, else the venue’s price — ' +
      'because the venues publish the liquidation order’s price, near the bankruptcy price, beyond the level that triggered it.',
    '',
  );
  for (const s of Object.values(report.symbols)) out.push(...renderSymbol(s), '');
  return `${out.join('\n').trimEnd()}\n`;
}

function renderSymbol(s: AuditSymbolReport): string[] {
  const out: string[] = [`## ${s.symbol}`, ''];
  const h = cellOf(s.hitRate.grids.combined, HEADLINE_LOOKBACK, HEADLINE_TOLERANCE);
  const tq = s.topQuarter?.rows.find((r) => Math.abs(r.tolerance - HEADLINE_TOLERANCE) < 1e-12);
  const duration = s.span.firstEvent !== null && s.span.lastEvent !== null ? ` over ${fmtMinutes((s.span.lastEvent - s.span.firstEvent) / 60_000)}` : '';
  out.push(
    `${int(s.liquidations.total)} liquidations (${usd(s.liquidations.notional)})${duration}, ${iso(s.span.firstEvent ?? undefined)} → ${iso(s.span.lastEvent ?? undefined)}; ` +
      `${int(s.span.minutes)} minutes logged; ${s.liquidations.priceInsane} price-insane (> 15 % from price) left out of the accuracy figures.`,
    '',
  );
  if (s.hitRate.events === 0) {
    out.push(`No liquidation${s.since !== null ? ` since ${iso(s.since)}` : ''} to score: the accuracy sections are left out.`, '');
    for (const w of s.warnings) out.push(`- **Note:** ${w}.`);
    out.push(...renderTiers(s), ...renderCalibrations(s), ...renderVenues(s), ...renderZones(s), ...renderNotes(s));
    return out;
  }
  out.push('**Headline.**', '');
  out.push(
    `- Combined levels caught **${p1(h.hitRate)}** of ${int(h.events)} liquidations within 0.50 % at a 5-minute lookback (gap ${p1(h.gapRate)}: no level of that side at all). ` +
      `The PoC’s published audit: ${p1(POC_PUBLISHED.hitRate)} (gap ${p1(POC_PUBLISHED.gapRate)}; BTC, 7 days, ${int(POC_PUBLISHED.events)} events; its definition let a liquidation’s own tape bucket count). ` +
      'Every minute adds levels for every tier, so this grid fills easily; the next line is the stricter test.',
  );
  if (tq && s.topQuarter) {
    const lift = tq.randomBand > 0 ? ` (${(tq.model / tq.randomBand).toFixed(1)}× chance)` : '';
    out.push(
      `- The strongest quarter of predicted pools caught **${p1(tq.model)}** of the liquidated notional within 0.50 %, against **${p1(tq.randomBand)}** for as many levels placed at random in the heatmap’s band${lift} and ${p1(tq.randomReach)} for random levels within the model’s own reach.`,
    );
  }
  const applied = s.calibrations.filter((c) => c.applied).length;
  out.push(`- ${s.calibrations.length} calibration(s), ${applied} with a weight update; ${s.calibrator.events} liquidations reached the calibrator, ${s.calibrator.attributed} attributed from the inventory of inferred positions.`);
  for (const w of s.warnings) out.push(`- **Note:** ${w}.`);
  out.push('');

  out.push(...renderHitRate(s));
  out.push(...renderTopQuarter(s));
  out.push(...renderTiers(s));
  out.push(...renderCalibrations(s));
  out.push(...renderCalibrator(s));
  out.push(...renderVenues(s));
  out.push(...renderZones(s));
  out.push(...renderNotes(s));
  return out;
}

function renderHitRate(s: AuditSymbolReport): string[] {
  const r: HitRateResult = s.hitRate;
  const out: string[] = [`### ${s.symbol}: hit rate against same-side predicted levels`, ''];
  out.push(
    'As in the PoC’s audit (POC-FACTS 4.2): each liquidation in minute *m* against the levels of its side created in the minutes [*m* − L, *m*]; ' +
      'no level at all → gap; a level within τ of the price → hit; else miss; hit rate = hits / (hits + gaps + misses). ' +
      'Projection levels are the positions entry inference placed at each minute close (valid from the next minute); tape levels are the buckets of earlier liquidations, ' +
      'from the minutes [*m* − L, *m* − 1]: a liquidation does not predict itself (the PoC’s self-match filter). Combined = both.',
    '',
  );
  out.push(`**Combined levels** (${int(r.events)} liquidations):`, '', ...gridTable(r.grids.combined), '');
  out.push('**Projection levels only:**', '', ...gridTable(r.grids.projection), '');
  out.push('**Tape levels only** (own minute excluded):', '', ...gridTable(r.grids.tape), '');
  out.push(
    'Gap rates by level set:',
    '',
    ...mdTable(
      ['lookback', 'combined', 'projection', 'tape', 'tape incl. own minute'],
      r.grids.combined.rows.map((row, i) => [`${row.lookback} min`, p1(row.gapRate), p1(r.grids.projection.rows[i]!.gapRate), p1(r.grids.tape.rows[i]!.gapRate), p1(r.grids.tapeOwnMinute.rows[i]!.gapRate)]),
    ),
    '',
  );
  const h = cellOf(r.grids.combined, HEADLINE_LOOKBACK, HEADLINE_TOLERANCE);
  out.push(`At 5 min and 0.50 %, combined: ${int(h.hits)} hits, ${int(h.gaps)} gaps, ${int(h.misses)} misses.`, '');
  const sideRow = (side: 'long' | 'short') => {
    const row = r.bySide[side].rows.find((x) => x.lookback === HEADLINE_LOOKBACK)!;
    return [side, int(row.events), ...row.cells.map((c) => p1(c.hitRate)), p1(row.gapRate)];
  };
  out.push('Combined, 5 min, by side:', '', ...mdTable(['side', 'events', ...tolHeader, 'gap'], [sideRow('long'), sideRow('short')]), '');
  out.push(
    'Miss distance to the nearest combined level (5 min; signed: price − level, as a fraction of price):',
    '',
    ...mdTable(
      ['side', 'N', 'p25', 'median', 'p75', 'p95', 'median |miss|'],
      (['long', 'short'] as const).map((side) => {
        const m = r.missDistance[side];
        return [side, int(m.n), signed3(m.p25), signed3(m.median), signed3(m.p75), signed3(m.p95), p3(m.medianAbs)];
      }),
    ),
    '',
  );
  const own = cellOf(r.grids.combinedOwnMinute, HEADLINE_LOOKBACK, HEADLINE_TOLERANCE);
  out.push(
    `For comparison with the PoC’s definitions, tape levels **including** each liquidation’s own minute (its own bucket always matches; combined then: ${p1(own.hitRate)} at 5 min and 0.50 %, gap ${p1(own.gapRate)}):`,
    '',
    ...gridTable(r.grids.tapeOwnMinute),
    '',
  );
  const e = s.hitRateAtEventPrice;
  out.push('Combined levels at the **venue’s published price** instead of the trigger price (the PoC compared that one):', '', ...gridTable(e.grids.combined), '');
  out.push(
    'The PoC’s published combined grid, for reference (BTC, 7 days): ' +
      Object.entries(POC_PUBLISHED.grid)
        .map(([l, v]) => `${l} min ${v.join(' / ')} %`)
        .join('; ') +
      '.',
    '',
  );
  return out;
}

function renderTopQuarter(s: AuditSymbolReport): string[] {
  const out: string[] = [`### ${s.symbol}: do the strongest predicted levels beat chance?`, ''];
  const t = s.topQuarter;
  if (!t) {
    out.push('No V2 heatmap history ring in the data dir: not scored.', '');
    return out;
  }
  out.push(
    'For each liquidation, the pools of its side in the last heatmap snapshot before it, ranked by predicted notional; the top quarter (⌈n/4⌉) is kept. ' +
      'Share = liquidated notional within τ of one of them / all liquidated notional. Baselines place as many levels on the same side at random ' +
      `(${t.draws} seeded draws per liquidation, seed ${t.seed}): uniformly over the heatmap’s band on that side, or uniformly between the price and the model’s farthest top-quarter level (same reach).`,
    '',
  );
  out.push(
    ...mdTable(
      ['tolerance', 'top quarter (model)', 'random, band', 'random, same reach', 'model ÷ random (band)', 'all pools (model)', 'random, as many (band)'],
      t.rows.map((r) => [
        `${(r.tolerance * 100).toFixed(2)} %`,
        `**${p1(r.model)}**`,
        p1(r.randomBand),
        p1(r.randomReach),
        r.randomBand > 0 ? `${(r.model / r.randomBand).toFixed(2)}×` : '—',
        p1(r.allPools),
        p1(r.randomAllBand),
      ]),
    ),
    '',
  );
  out.push(
    `Scored ${int(t.events)} liquidations (${usd(t.notional)}); ${t.meanLevels.toFixed(2)} top-quarter levels per liquidation on average, the farthest ${p2(t.meanReachPct)} from price; ` +
      `${t.noPools} had no pool of their side; ${t.noSnapshot} came before the oldest snapshot the ring holds (not scored).`,
    '',
  );
  return out;
}

function renderTiers(s: AuditSymbolReport): string[] {
  const out: string[] = [`### ${s.symbol}: leverage tiers`, ''];
  out.push(
    'Approached = predicted levels of the tier that price came within 0.75 % of (an approach episode); hit = at least one liquidation of that side within the hit tolerance during it. ' +
      'Miss = |trigger price − the attributed tier’s nearest level| over the liquidations attributed to the tier from the inventory.',
    '',
  );
  const w = (v: number | null) => (v === null ? '—' : v.toFixed(3));
  out.push(
    ...mdTable(
      ['tier', 'weight start → end', 'approached', 'hits', 'hit rate', 'crossed', 'attributed', 'calibrator hits', 'median miss', 'p90 miss', 'median miss USD', 'p90 miss USD'],
      s.tiers.map((t) =>
        t.disabled
          ? [`${t.tier}x`, 'disabled', '—', '—', '—', '—', String(t.attributed), '—', '—', '—', '—', '—']
          : [
              `${t.tier}x`,
              `${w(t.weightStart)} → ${w(t.weightEnd)}`,
              int(t.approached),
              int(t.approachHits),
              p1(t.approachHitRate),
              int(t.reached),
              int(t.attributed),
              int(t.calibratorHits),
              p3(t.missPctMedian),
              p3(t.missPctP90),
              usdMiss(t.missUsdMedian),
              usdMiss(t.missUsdP90),
            ],
      ),
    ),
    '',
  );
  const disabled = s.disabledTiers.map((t) => `${t}x`).join(', ') || 'none';
  out.push(
    `Disabled tiers: ${disabled} (no learning, zones, hit rates or sweeps; still logged). ${int(s.calibrator.tierDisabled)} liquidation(s) had their nearest raw implied level on a disabled tier and taught nothing.`,
    '',
  );
  return out;
}

function sampleRows(rows: readonly CalibrationRow[]): { rows: CalibrationRow[]; note: string } {
  if (rows.length <= MAX_CALIBRATION_ROWS) return { rows: [...rows], note: '' };
  const picked: CalibrationRow[] = [];
  for (let i = 0; i < MAX_CALIBRATION_ROWS; i++) picked.push(rows[Math.round((i * (rows.length - 1)) / (MAX_CALIBRATION_ROWS - 1))]!);
  return { rows: picked, note: ` (${MAX_CALIBRATION_ROWS} of ${rows.length} calibrations, evenly spaced; \`--format json\` has all)` };
}

function renderCalibrations(s: AuditSymbolReport): string[] {
  const out: string[] = [`### ${s.symbol}: weight trajectory, bias and buffer`, ''];
  if (s.calibrations.length === 0) {
    out.push('No calibration in the log yet (the first comes after a full window of 15 minutes of event time).', '');
    return out;
  }
  const tiers = Object.keys(s.weightsEnd ?? s.calibrations[0]!.weights)
    .map(Number)
    .sort((a, b) => a - b)
    .filter((t) => !s.disabledTiers.includes(t));
  const { rows, note } = sampleRows(s.calibrations);
  const start = s.weightsStart ?? {};
  const end = s.weightsEnd ?? {};
  out.push(`Weights (start → end): ${tiers.map((t) => `${t}x ${(start[String(t)] ?? 0).toFixed(3)} → ${(end[String(t)] ?? 0).toFixed(3)}`).join(', ')}.`, '');
  out.push(`Per calibration${note}, weights in %:`, '');
  out.push(
    ...mdTable(
      ['#', 'window end', 'events', 'attributed', 'hit rate', 'applied', ...tiers.map((t) => `${t}x`)],
      rows.map((c) => [String(c.count), iso(c.ts), int(c.events), int(c.attributed), p1(c.hitRate), c.applied ? 'yes' : 'no', ...tiers.map((t) => ((c.weights[String(t)] ?? 0) * 100).toFixed(1))]),
    ),
    '',
  );
  out.push(
    'Bias (percent of price, per side) and maintenance buffer after each calibration:',
    '',
    ...mdTable(
      ['#', 'window end', 'bias long', 'bias short', 'bias samples (long / short)', 'buffer', 'tolerance (buckets)'],
      rows.map((c) => [String(c.count), iso(c.ts), signed3(c.biasLong), signed3(c.biasShort), `${c.biasSamplesLong} / ${c.biasSamplesShort}`, Number.isFinite(c.buffer) ? c.buffer.toFixed(5) : '—', Number.isFinite(c.tolerance) ? String(c.tolerance) : '—']),
    ),
    '',
  );
  const skipped = s.calibrations.filter((c) => !c.applied);
  if (skipped.length > 0) {
    const reasons = new Map<string, number>();
    for (const c of skipped) reasons.set(c.reason, (reasons.get(c.reason) ?? 0) + 1);
    out.push(`Weights not updated in ${skipped.length} calibration(s): ${[...reasons].map(([r, n]) => `${r} (${n}×)`).join('; ')}.`, '');
  }
  return out;
}

function renderCalibrator(s: AuditSymbolReport): string[] {
  const c = s.calibrator;
  return [
    `### ${s.symbol}: calibrator attribution`,
    '',
    ...mdTable(
      ['liquidations', 'trigger from mark', 'attributed from inventory', 'fallback (no inventory near)', 'hits (all)', 'hits (attributed)', 'price-insane', 'nearest tier disabled'],
      [[int(c.events), int(c.fromMark), int(c.attributed), int(c.fallback), `${int(c.hits)} (${p1(c.events > 0 ? c.hits / c.events : null)})`, `${int(c.attributedHits)} (${p1(c.attributed > 0 ? c.attributedHits / c.attributed : null)})`, int(c.priceInsane), int(c.tierDisabled)]],
    ),
    '',
    'A calibrator hit: the attributed tier’s nearest level within the hit tolerance (a few buckets) of the trigger price. The PoC’s equivalent binary rate ranged 35–98 % per log (POC-FACTS 4.5) over a much denser predicted set.',
    '',
  ];
}

function renderVenues(s: AuditSymbolReport): string[] {
  const rows = Object.entries(s.venues).map(([venue, v]) => [venue, int(v.long.count), usd(v.long.notional), int(v.short.count), usd(v.short.notional), int(v.long.count + v.short.count), usd(v.long.notional + v.short.notional)]);
  const total = Object.values(s.venues).reduce((t, v) => ({ lc: t.lc + v.long.count, ln: t.ln + v.long.notional, sc: t.sc + v.short.count, sn: t.sn + v.short.notional }), { lc: 0, ln: 0, sc: 0, sn: 0 });
  rows.push(['**all**', int(total.lc), usd(total.ln), int(total.sc), usd(total.sn), int(total.lc + total.sc), usd(total.ln + total.sn)]);
  return [
    `### ${s.symbol}: liquidations by venue`,
    '',
    ...mdTable(['venue', 'long', 'long USD', 'short', 'short USD', 'total', 'total USD'], rows),
    '',
    'Binance and OKX push at most one liquidation per symbol per second (a snapshot of the latest): their counts and notional are **lower bounds**. Bybit’s `allLiquidation` stream publishes every one.',
    '',
  ];
}

function renderZones(s: AuditSymbolReport): string[] {
  const z = s.zones;
  const row = (name: string, b: BySource | null) => (b === null ? [name, '—', '—', '—', '—'] : [name, int(b.total), int(b.tape), int(b.inference), int(b.combined + b.other)]);
  const out = [
    `### ${s.symbol}: zone outcomes`,
    '',
    ...mdTable(
      ['outcome', 'zones', 'tape', 'inference', 'combined'],
      [
        row('created', z.created),
        row(`swept, liquidations nearby`, z.sweptWithLiquidations),
        row('swept, no liquidation nearby', z.sweptWithoutLiquidations),
        row('expired (weight decayed)', z.expiredWeight),
        row('expired (240 min unreinforced, ≥ 2 % away)', z.expiredAge),
        row('evicted (capacity)', z.evicted),
        row('active at the last save (zones file)', z.activeNow),
      ],
    ),
    '',
    `Source at the time of the outcome (a zone reinforced by both layers becomes “combined”). Nearby: a liquidation of the zone’s side triggered within ${p2(z.nearbyPct)} of it, from the start of the minute that swept it to the end of the next. ` +
      `Reinforcements over the zones’ life (zones file): ${z.reinforcementsLifetime === null ? '—' : int(z.reinforcementsLifetime)}.`,
    '',
  ];
  return out;
}

function renderNotes(s: AuditSymbolReport): string[] {
  const out: string[] = [];
  const notes: string[] = [];
  notes.push(`Log: ${int(s.log.lines)} lines in ${s.log.files.length} file(s) (${s.log.files.map((f) => `\`${f}\``).join(', ')}); ${int(s.log.skipped)} skipped.`);
  for (const k of s.log.skippedSamples) notes.push(`Skipped \`${k.file}\`:${k.line}: ${k.reason}.`);
  if (s.log.minutesWithoutLevels > 0) notes.push(`${int(s.log.minutesWithoutLevels)} minute line(s) carry no levels (written before the engine logged them): their minutes have no projection or tape levels here.`);
  out.push(`### ${s.symbol}: data notes`, '', ...notes.map((n) => `- ${n}`), '');
  return out;
}
