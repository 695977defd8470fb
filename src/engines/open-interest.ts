/**
 * Open interest per venue and the per-minute ΔOI of entry inference (DESIGN.md
 * section 4, seed "Path B").
 *
 * The latest reading per venue is kept (base asset). ΔOI of a minute is the sum of
 * per-venue deltas over the venues that have a reading in both the previous and the
 * closing minute: `Σ_v (last_v(t) − last_v(t−1))`, and `OI_{t−1}` is the sum of those
 * same venues' previous readings. A venue that missed its polls is left out explicitly
 * (and counted); when it comes back, its first minute only re-establishes its baseline.
 * The PoC summed whatever answered, so a venue dropping out and recovering faked a wipe
 * and then an "opening" the size of that venue's OI (POC-FACTS 5.1 item 6), and it took
 * the ratio of an OI decrease against OI_t instead of OI_{t−1} (item 7).
 *
 * A venue may report OI from a REST poll and from a stream (Bybit tickers, OKX
 * open-interest). The two series are tracked separately and never mixed within a delta:
 * per venue the stream series is used when it has readings in both minutes, else the
 * REST series, so a venue never contributes twice.
 */

import { VENUES, type Venue } from '../events.js';

type Source = 'rest' | 'stream';

interface Series {
  /** Last reading of the previous minute, or undefined when it had none. */
  previous: number | undefined;
  /** Last reading of the open minute. */
  current: number | undefined;
  latest: number | undefined;
  latestTs: number;
}

export interface OiMinute {
  /** Σ of each venue's latest reading (any age), base asset; undefined before any reading. */
  readonly totalBase: number | undefined;
  /** Σ of per-venue deltas over the venues in both minutes; undefined when no venue qualifies. */
  readonly deltaBase: number | undefined;
  /** OI_{t−1} over the same venues as the delta. */
  readonly previousBase: number | undefined;
  readonly venuesUsed: readonly Venue[];
  /** Venues with a reading in only one of the two minutes: left out of this minute's delta. */
  readonly venuesLeftOut: readonly Venue[];
}

export interface OiView {
  /** Σ of the venues' latest readings, base asset. */
  readonly aggregatedBase: number;
  /** Latest reading per venue (the stream's when the venue has both), base asset. */
  readonly perVenue: Readonly<Partial<Record<Venue, number>>>;
  /** Time of the newest reading, epoch ms (0 before any). */
  readonly ts: number;
}

/** One series in checkpoint form: `[venue:source, previous, current, latest, latestTs]` (null: no reading). */
export type OiSeriesState = readonly [string, number | null, number | null, number | null, number];

export class OpenInterestTracker {
  private readonly series = new Map<string, Series>();

  add(venue: Venue, source: Source, oiBase: number, ts: number): void {
    const key = `${venue}:${source}`;
    let s = this.series.get(key);
    if (!s) {
      s = { previous: undefined, current: undefined, latest: undefined, latestTs: 0 };
      this.series.set(key, s);
    }
    s.current = oiBase;
    s.latest = oiBase;
    s.latestTs = ts;
  }

  /** Close the open minute: compute its ΔOI and make its readings the next baseline. */
  close(): OiMinute {
    let delta = 0;
    let previous = 0;
    let total = 0;
    let anyReading = false;
    const used: Venue[] = [];
    const leftOut: Venue[] = [];
    for (const venue of VENUES) {
      const stream = this.series.get(`${venue}:stream`);
      const rest = this.series.get(`${venue}:rest`);
      const latest = stream?.latest ?? rest?.latest;
      if (latest !== undefined) {
        total += latest;
        anyReading = true;
      }
      const pick = bothMinutes(stream) ? stream : bothMinutes(rest) ? rest : undefined;
      if (pick) {
        delta += pick.current! - pick.previous!;
        previous += pick.previous!;
        used.push(venue);
      } else if (touched(stream) || touched(rest)) {
        leftOut.push(venue);
      }
    }
    for (const s of this.series.values()) {
      s.previous = s.current;
      s.current = undefined;
    }
    return {
      totalBase: anyReading ? total : undefined,
      deltaBase: used.length > 0 ? delta : undefined,
      previousBase: used.length > 0 ? previous : undefined,
      venuesUsed: used,
      venuesLeftOut: leftOut,
    };
  }

  /** Forget every baseline (after a fast-forwarded gap): the next minute with readings starts afresh. */
  resetBaselines(): void {
    for (const s of this.series.values()) s.previous = s.current = undefined;
  }

  exportState(): OiSeriesState[] {
    return [...this.series].map(([key, s]) => [key, s.previous ?? null, s.current ?? null, s.latest ?? null, s.latestTs]);
  }

  /** Replace every series with a checkpoint's (validated by the caller). */
  importState(state: readonly OiSeriesState[]): void {
    this.series.clear();
    for (const [key, previous, current, latest, latestTs] of state) {
      this.series.set(key, { previous: previous ?? undefined, current: current ?? undefined, latest: latest ?? undefined, latestTs });
    }
  }

  view(): OiView {
    const perVenue: Partial<Record<Venue, number>> = {};
    let aggregated = 0;
    let ts = 0;
    for (const venue of VENUES) {
      const stream = this.series.get(`${venue}:stream`);
      const rest = this.series.get(`${venue}:rest`);
      const latest = stream?.latest ?? rest?.latest;
      if (latest === undefined) continue;
      perVenue[venue] = latest;
      aggregated += latest;
      ts = Math.max(ts, stream?.latestTs ?? 0, rest?.latestTs ?? 0);
    }
    return { aggregatedBase: aggregated, perVenue, ts };
  }
}

function bothMinutes(s: Series | undefined): boolean {
  return s !== undefined && s.previous !== undefined && s.current !== undefined;
}

function touched(s: Series | undefined): boolean {
  return s !== undefined && (s.previous !== undefined || s.current !== undefined);
}
