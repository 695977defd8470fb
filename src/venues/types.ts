/**
 * The venue layer's contract (DESIGN.md section 3): a normalizer per venue turns one raw
 * frame into normalized events, counting whatever it cannot turn into events. Nothing
 * outside src/venues/ knows a venue's raw field names.
 */

import type { NormalizedEvent, Venue } from '../events.js';

/** What a normalizer needs of the envelope besides the channel and the payload. */
export interface EnvelopeMeta {
  /** Local receive time, epoch ms (stale-backlog checks; REST bodies without a time). */
  readonly t: number;
  /** A REST request's query parameters (REST bodies often omit the symbol). */
  readonly q?: Readonly<Record<string, string | number>>;
}

export interface VenueNormalizer {
  readonly venue: Venue;
  /**
   * Append the normalized events of one raw frame to `out`. Never throws: a frame that
   * is not what its channel promises appends nothing and increments a counter.
   */
  normalize(channel: string, payload: unknown, meta: EnvelopeMeta, out: NormalizedEvent[]): void;
}

/**
 * The envelope channel under which a connector records frames that belong to no data
 * channel (subscription acks, pongs, error replies). Every normalizer also recognises
 * such frames on any other channel.
 */
export const CONTROL_CHANNEL = 'control';

/** A protocol frame that carries no market data. */
export type ControlKind =
  /** A subscription (or unsubscription) was accepted. */
  | 'ack'
  /** The answer to a keepalive ping. */
  | 'pong'
  /** The venue rejected a request (`text` says why). */
  | 'error'
  /** Information from the venue (OKX service notices: a reconnect is coming). */
  | 'notice';

export interface ControlFrame {
  readonly kind: ControlKind;
  /** Human-readable content: the venue's message, or the acknowledged request. */
  readonly text: string;
  /** The request id the venue echoed, when it echoed one. */
  readonly id?: string | number;
}

/** One REST request, described as data so that a poller needs no venue knowledge. */
export interface RestRequest {
  readonly venue: Venue;
  /** The envelope channel its result is recorded under, e.g. `rest.openInterest`. */
  readonly channel: string;
  /** e.g. `https://fapi.binance.com` (a poller may substitute a loopback base). */
  readonly baseUrl: string;
  /** e.g. `/fapi/v1/openInterest`. */
  readonly path: string;
  /** The query parameters; recorded as the envelope's `q`. */
  readonly query: Readonly<Record<string, string | number>>;
  /** Binance request weight (REQUEST_WEIGHT 2400/min); undefined for other venues. */
  readonly weight?: number;
}

/** The full URL of a REST request, optionally against another base (loopback, proxy). */
export function restUrl(request: RestRequest, baseUrl: string = request.baseUrl): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(request.query)) params.append(key, String(value));
  const query = params.toString();
  return `${baseUrl.replace(/\/+$/, '')}${request.path}${query === '' ? '' : `?${query}`}`;
}

/**
 * Why an input produced no event. Counted per `"<venue>.<reason>"`, one count per
 * dropped item: a whole frame, or one row of a batch whose other rows survive.
 */
export type DropReason =
  | 'unknown_channel'
  | 'malformed_payload'
  | 'error_frame'
  | 'unsupported_instrument'
  | 'coin_m_instrument'
  | 'unknown_side'
  | 'non_positive_value'
  | 'missing_symbol'
  | 'unknown_contract_size'
  | 'backlog_duplicate'
  | 'backlog_stale'
  | 'ticker_incomplete'
  | 'unknown_venue'
  | 'internal_error';

/** Every drop reason with what it means: the reference for `/health`, replay summaries and docs. */
export const DROP_REASONS: Readonly<Record<DropReason, string>> = {
  unknown_channel: 'the envelope channel is not one this venue normalizer handles',
  malformed_payload: 'a frame or row lacks a field its channel promises, or a field is not a number',
  error_frame: 'the venue answered with an error (WebSocket error reply, REST error body)',
  unsupported_instrument: 'not a USDT-margined perpetual (spot, inverse, USDC-margined, dated): toSymbol() rejects it',
  coin_m_instrument: 'Binance COIN-M row (st 2, e.g. BTCUSD_PERP) on !forceOrder@arr: sized in contracts, never a USDT event',
  unknown_side: 'a liquidation side value missing from the side table',
  non_positive_value: 'a liquidation or trade with price or quantity <= 0',
  missing_symbol: 'a REST body without a symbol and no symbol in the request query',
  unknown_contract_size: 'OKX instrument whose contract value (ctVal) is unknown: reported, never guessed',
  backlog_duplicate: 'OKX liquidation already seen (instId, ts, side, sz, bkPx): the backlog pushed after a (re)subscribe',
  backlog_stale: 'OKX liquidation much older than the receive time: backlog pushed after a (re)subscribe',
  ticker_incomplete: 'Bybit ticker delta that changed funding or index before any snapshot gave a mark price',
  unknown_venue: 'envelope venue `v` is none of binance, bybit, okx, moonstream',
  internal_error: 'the normalizer threw on this frame (a bug): the frame is dropped, nothing partial is emitted',
};

/** Who counted: a venue normalizer, or the registry itself (`moonstream.unknown_venue`). */
export type CounterSource = Venue | 'moonstream';

/** Plain-object views of the counters, safe to serialize and to keep. */
export interface CounterSnapshot {
  /** `"<venue>.<reason>"` → inputs dropped. */
  readonly dropped: Record<string, number>;
  /** `"<venue>.<kind>"` → control frames handled (acks, pongs, notices, instrument lists): not errors. */
  readonly control: Record<string, number>;
}

/**
 * Counters shared by the normalizers of one pipeline. Increments are on cold paths only
 * (drops and control frames), so a Map keyed by string is fine.
 */
export class NormalizerCounters {
  private readonly droppedCounts = new Map<string, number>();
  private readonly controlCounts = new Map<string, number>();
  /** `"<source>.<reason>"` strings, built once per pair rather than per drop. */
  private readonly keys = new Map<string, Map<string, string>>();
  private droppedSum = 0;

  drop(source: CounterSource, reason: DropReason, count = 1): void {
    const key = this.keyOf(source, reason);
    this.droppedCounts.set(key, (this.droppedCounts.get(key) ?? 0) + count);
    this.droppedSum += count;
  }

  control(source: CounterSource, kind: string): void {
    const key = this.keyOf(source, kind);
    this.controlCounts.set(key, (this.controlCounts.get(key) ?? 0) + 1);
  }

  private keyOf(source: string, name: string): string {
    let names = this.keys.get(source);
    if (names === undefined) this.keys.set(source, (names = new Map()));
    let key = names.get(name);
    if (key === undefined) names.set(name, (key = `${source}.${name}`));
    return key;
  }

  /** Total inputs dropped, every venue and reason. */
  get totalDropped(): number {
    return this.droppedSum;
  }

  /** Dropped count of one `"<venue>.<reason>"` key (0 when never counted). */
  droppedOf(key: string): number {
    return this.droppedCounts.get(key) ?? 0;
  }

  snapshot(): CounterSnapshot {
    return { dropped: Object.fromEntries(this.droppedCounts), control: Object.fromEntries(this.controlCounts) };
  }

  reset(): void {
    this.droppedCounts.clear();
    this.controlCounts.clear();
    this.droppedSum = 0;
  }
}
