/**
 * The replay summary as text for a terminal, and the progress line. Pure: strings in,
 * strings out, so tests pin the layout.
 */

import { int, iso, usd } from '../cli/format.js';
import type { ReplayProgress, ReplaySummary } from './replay.js';

export function formatProgress(p: ReplayProgress): string {
  const pct = `${(p.fraction * 100).toFixed(1).padStart(5)}%`;
  const file = p.files > 1 ? ` file ${p.fileIndex + 1}/${p.files}` : '';
  const eta = p.etaSeconds === undefined ? '' : ` ETA ${formatDuration(p.etaSeconds)}`;
  return `replay ${pct}${file}  ${int(p.events)} events  ${int(p.eventsPerSecond)} ev/s  at ${iso(p.reached)}${eta}`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m < 60 ? `${m}m${String(s).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function formatSummary(s: ReplaySummary): string {
  const lines: string[] = [];
  lines.push(s.interrupted ? `Interrupted: replayed part of ${s.files.join(', ')} into ${s.dataDir} (state files flushed; the counts cover what was replayed)` : `Replayed ${s.files.join(', ')} into ${s.dataDir}`);
  lines.push(`  ${int(s.envelopes)} envelopes, ${iso(s.firstEventTime)} → ${iso(s.lastEventTime)}, in ${s.wallSeconds.toFixed(1)} s (${int(s.eventsPerSecond)} events/s)`);
  if (s.malformedLines > 0) {
    lines.push(`  ${int(s.malformedLines)} malformed line(s) skipped:`);
    for (const m of s.malformedSamples.slice(0, 5)) lines.push(`    ${m.file}:${m.line}: ${m.reason}`);
  }
  for (const t of s.tornTails) lines.push(`  ${t.file}:${t.line}: ${t.reason}`);
  if (s.skippedByTime > 0) lines.push(`  ${int(s.skippedByTime)} envelopes outside --from/--to`);

  lines.push('', 'Events by venue');
  const byVenue = new Map<string, string[]>();
  for (const [key, n] of Object.entries(s.eventsByVenue)) {
    const [venue, type] = key.split('.') as [string, string];
    if (!byVenue.has(venue)) byVenue.set(venue, []);
    byVenue.get(venue)!.push(`${type} ${int(n)}`);
  }
  for (const [venue, parts] of byVenue) lines.push(`  ${venue.padEnd(8)} ${parts.join(', ')}`);
  const ticks = s.events.tick ?? 0;
  const disconnects = s.events.disconnect ?? 0;
  if (ticks + disconnects > 0) lines.push(`  pipeline ticks ${int(ticks)}, disconnects ${int(disconnects)}`);

  const dropped = Object.entries(s.dropped).filter(([, n]) => n > 0);
  if (dropped.length > 0) {
    lines.push('', 'Dropped (not normalized or not routed)');
    for (const [key, n] of dropped) lines.push(`  ${key.padEnd(36)} ${int(n)}`);
  }

  lines.push('', 'Liquidations (Binance and OKX publish at most one per symbol per second: lower bounds)');
  const symbols = Object.keys(s.liquidations).sort();
  if (symbols.length === 0) lines.push('  none');
  for (const symbol of symbols) {
    for (const [venue, sides] of Object.entries(s.liquidations[symbol]!).sort(([a], [b]) => (a < b ? -1 : 1))) {
      lines.push(
        `  ${symbol.padEnd(6)} ${venue.padEnd(8)} long ${int(sides.long.count).padStart(6)} ${usd(sides.long.notional).padStart(14)}   short ${int(sides.short.count).padStart(6)} ${usd(sides.short.notional).padStart(14)}`,
      );
    }
  }

  lines.push('', 'Engines');
  for (const symbol of Object.keys(s.zones)) {
    const z = s.zones[symbol]!;
    const c = s.calibrator[symbol];
    const cal = c ? `calibrator ${int(c.events)} events, ${int(c.calibrations)} calibrations${c.held > 0 ? `, ${int(c.held)} still held` : ''}` : '';
    lines.push(`  ${symbol.padEnd(6)} zones ${int(z.active)} active, ${int(z.created)} created, ${int(z.swept)} swept, ${int(z.expired)} expired; ${cal}`);
    for (const [venue, b] of Object.entries(s.orderbook[symbol] ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
      lines.push(`         book ${venue.padEnd(8)} ${b.synced ? 'synced' : 'not synced'}, ${int(b.applied)} applied, ${int(b.gaps)} gaps, ${int(b.resyncs)} resyncs`);
    }
  }
  return lines.join('\n');
}
