/**
 * The venue registry: one per pipeline. `normalize(envelope, out)` dispatches on the
 * envelope's venue `v` to that venue's normalizer; the normalizers are stateful (Bybit
 * ticker merge, OKX backlog memory and contract sizes), so every pipeline — a live run,
 * each replay — creates its own with {@link createNormalizers}.
 *
 * Adding a venue: a folder `src/venues/<venue>/` with its connection facts and a
 * `VenueNormalizer`, sample messages under `fixtures/venues/<venue>/`, and one line in
 * the switch below.
 */

import { MOONSTREAM_SOURCE, type Envelope } from '../capture/envelope.js';
import { assertNever, isVenue, type NormalizedEvent, type Venue } from '../events.js';
import { BinanceNormalizer } from './binance/normalizer.js';
import { BybitNormalizer } from './bybit/normalizer.js';
import { OkxNormalizer, type OkxNormalizerOptions } from './okx/normalizer.js';
import { isObject } from './parse.js';
import { NormalizerCounters, type CounterSnapshot, type VenueNormalizer } from './types.js';

export interface NormalizersOptions {
  /** OKX backlog filter, de-duplication memory and contract sizes (defaults in OKX_DEFAULTS). */
  readonly okx?: OkxNormalizerOptions;
  /** Counters to share with another component (default: a new set). */
  readonly counters?: NormalizerCounters;
}

export interface Normalizers {
  /** Append the events of one envelope to `out`. Never throws; whatever yields no event is counted. */
  normalize(envelope: Envelope, out: NormalizedEvent[]): void;
  readonly counters: NormalizerCounters;
  /** Plain-object snapshot of the counters: `dropped` and `control`, keyed `"<venue>.<reason>"`. */
  snapshot(): CounterSnapshot;
  /** The normalizer of one venue (live connectors call it directly with their own meta). */
  venue(venue: Venue): VenueNormalizer;
  readonly binance: BinanceNormalizer;
  readonly bybit: BybitNormalizer;
  readonly okx: OkxNormalizer;
}

/** Pipeline-made envelope channels (`v: "moonstream"`). */
export const MOONSTREAM_CHANNEL = {
  /** `{"t":…,"v":"moonstream","c":"tick","d":{}}` → Tick{ts: t}. */
  tick: 'tick',
  /** `{"t":…,"v":"moonstream","c":"disconnect","d":{"venue":"okx","reason":"…","symbols":["BTC"]}}` → Disconnect. */
  disconnect: 'disconnect',
} as const;

/** The envelope that tells the pipeline a venue connection dropped (its books must resync). */
export function disconnectEnvelope(t: number, venue: Venue, reason: string, symbols?: readonly string[]): Envelope {
  const d = symbols === undefined ? { venue, reason } : { venue, reason, symbols: [...symbols] };
  return { t, v: MOONSTREAM_SOURCE, c: MOONSTREAM_CHANNEL.disconnect, d };
}

export function createNormalizers(options: NormalizersOptions = {}): Normalizers {
  const counters = options.counters ?? new NormalizerCounters();
  const binance = new BinanceNormalizer(counters);
  const bybit = new BybitNormalizer(counters);
  const okx = new OkxNormalizer(counters, options.okx);

  function pipelineEnvelope(envelope: Envelope, out: NormalizedEvent[]): void {
    if (envelope.c === MOONSTREAM_CHANNEL.tick) {
      out.push({ type: 'tick', ts: envelope.t });
      return;
    }
    if (envelope.c === MOONSTREAM_CHANNEL.disconnect) {
      const d = envelope.d;
      if (isObject(d) && isVenue(d.venue) && (d.symbols === undefined || (Array.isArray(d.symbols) && d.symbols.every((s) => typeof s === 'string')))) {
        out.push({
          type: 'disconnect',
          venue: d.venue,
          ts: envelope.t,
          reason: typeof d.reason === 'string' ? d.reason : 'disconnected',
          symbols: d.symbols as string[] | undefined,
        });
      } else {
        counters.drop('moonstream', 'malformed_payload');
      }
      return;
    }
    counters.drop('moonstream', 'unknown_channel');
  }

  return {
    counters,
    binance,
    bybit,
    okx,
    normalize(envelope: Envelope, out: NormalizedEvent[]): void {
      switch (envelope.v) {
        case 'binance':
          binance.normalize(envelope.c, envelope.d, envelope, out);
          return;
        case 'bybit':
          bybit.normalize(envelope.c, envelope.d, envelope, out);
          return;
        case 'okx':
          okx.normalize(envelope.c, envelope.d, envelope, out);
          return;
        case MOONSTREAM_SOURCE:
          pipelineEnvelope(envelope, out);
          return;
        default:
          counters.drop('moonstream', 'unknown_venue');
      }
    },
    snapshot: () => counters.snapshot(),
    venue(venue: Venue): VenueNormalizer {
      switch (venue) {
        case 'binance':
          return binance;
        case 'bybit':
          return bybit;
        case 'okx':
          return okx;
        default:
          return assertNever(venue, 'venue');
      }
    },
  };
}

export { BinanceNormalizer } from './binance/normalizer.js';
export { BybitNormalizer } from './bybit/normalizer.js';
export { OkxNormalizer, OKX_DEFAULTS, type OkxNormalizerOptions } from './okx/normalizer.js';
export { OKX_CONTRACT_SIZES, ContractSizeTable } from './okx/contract-sizes.js';
export { LIQUIDATED_POSITION, liquidatedPosition } from './liquidation-side.js';
export { REST_CHANNEL } from './rest-channels.js';
export * from './types.js';
export * as binanceConnection from './binance/connection.js';
export * as bybitConnection from './bybit/connection.js';
export * as okxConnection from './okx/connection.js';
