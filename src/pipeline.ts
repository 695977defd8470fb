/**
 * The one pipeline live and replay share (DESIGN.md section 3):
 *
 *   Envelope → venue normalizer → NormalizedEvent[] → EngineManager → SymbolEngines → sink
 *
 * They differ only in where envelopes come from (sockets and pollers, or a capture
 * reader) and in the clock; everything from here on is the same code, so a recorded
 * live run replays into byte-identical state files.
 */

import type { Envelope } from './capture/envelope.js';
import { EVENT_TYPES, VENUES, type EventType, type NormalizedEvent, type Venue } from './events.js';
import type { EngineManager } from './engines/manager.js';
import type { Normalizers } from './venues/index.js';

export interface LiquidationTally {
  count: number;
  notional: number;
}

export interface PipelineCounts {
  readonly envelopes: number;
  /** Normalized events per type. */
  readonly events: Readonly<Partial<Record<EventType, number>>>;
  /** Normalized market events per venue and type (`binance.trade`). */
  readonly eventsByVenue: Readonly<Record<string, number>>;
  /** Dropped inputs per `venue.reason` (the normalizers' counters). */
  readonly dropped: Readonly<Record<string, number>>;
  /** Control frames per `venue.kind` (acks, pongs): recognised, not errors. */
  readonly control: Readonly<Record<string, number>>;
  /** Liquidations per symbol → venue → side. Binance and OKX counts are lower bounds (snapshot feeds). */
  readonly liquidations: Readonly<Record<string, Record<string, Record<'long' | 'short', LiquidationTally>>>>;
  /** Event time of the newest envelope handled (receive time `t`), epoch ms. */
  readonly lastEnvelopeTime: number | undefined;
  readonly firstEnvelopeTime: number | undefined;
}

export class Pipeline {
  readonly normalizers: Normalizers;
  readonly manager: EngineManager;
  private readonly scratch: NormalizedEvent[] = [];
  private envelopes = 0;
  /** Fixed-shape counters (no string building or map lookups per event: this is the hot path). */
  private readonly eventCounts = zeroCounts();
  private readonly venueCounts: Record<Venue, Record<EventType, number>> = { binance: zeroCounts(), bybit: zeroCounts(), okx: zeroCounts() };
  private readonly liquidations: Record<string, Record<string, Record<'long' | 'short', LiquidationTally>>> = {};
  private firstT: number | undefined;
  private lastT: number | undefined;

  constructor(normalizers: Normalizers, manager: EngineManager) {
    this.normalizers = normalizers;
    this.manager = manager;
  }

  /** Normalize one envelope and dispatch its events. Returns the number of events. */
  handle(envelope: Envelope): number {
    this.envelopes++;
    if (this.firstT === undefined) this.firstT = envelope.t;
    this.lastT = envelope.t;
    const out = this.scratch;
    out.length = 0;
    this.normalizers.normalize(envelope, out);
    for (let i = 0; i < out.length; i++) {
      const event = out[i]!;
      this.count(event);
      this.manager.dispatch(event);
    }
    const n = out.length;
    out.length = 0;
    return n;
  }

  /** Handle a batch of envelopes in order. Returns the number of events. */
  handleBatch(envelopes: readonly Envelope[]): number {
    let n = 0;
    for (let i = 0; i < envelopes.length; i++) n += this.handle(envelopes[i]!);
    return n;
  }

  counts(): PipelineCounts {
    const normalizer = this.normalizers.snapshot();
    return {
      envelopes: this.envelopes,
      events: nonZero(this.eventCounts),
      eventsByVenue: Object.fromEntries(
        VENUES.flatMap((venue) => Object.entries(nonZero(this.venueCounts[venue])).map(([type, n]) => [`${venue}.${type}`, n] as const)),
      ),
      dropped: { ...normalizer.dropped, ...unrouted(this.manager) },
      control: { ...normalizer.control },
      liquidations: structuredClone(this.liquidations),
      firstEnvelopeTime: this.firstT,
      lastEnvelopeTime: this.lastT,
    };
  }

  private count(event: NormalizedEvent): void {
    this.eventCounts[event.type]++;
    if (event.type === 'tick' || event.type === 'disconnect') return;
    this.venueCounts[event.venue][event.type]++;
    if (event.type !== 'liquidation') return;
    const bySymbol = (this.liquidations[event.symbol] ??= {});
    const byVenue = (bySymbol[event.venue] ??= { long: { count: 0, notional: 0 }, short: { count: 0, notional: 0 } });
    byVenue[event.side].count++;
    byVenue[event.side].notional += event.notional;
  }
}

/** Events for symbols without an engine, as `engines.unrouted_<SYM>` drop counters. */
function unrouted(manager: EngineManager): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [symbol, n] of Object.entries(manager.counters().unrouted)) out[`engines.no_engine_for_${symbol}`] = n;
  return out;
}

function zeroCounts(): Record<EventType, number> {
  const counts = {} as Record<EventType, number>;
  for (const type of EVENT_TYPES) counts[type] = 0;
  return counts;
}

/** The non-zero counts, keys sorted. */
function nonZero(counts: Readonly<Record<EventType, number>>): Partial<Record<EventType, number>> {
  const out: Partial<Record<EventType, number>> = {};
  for (const type of [...EVENT_TYPES].sort()) if (counts[type] > 0) out[type] = counts[type];
  return out;
}
