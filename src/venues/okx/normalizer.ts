/**
 * OKX v5 public frames → normalized events (../shared/VENUES.md section 3, DESIGN.md
 * section 3). Data frames are `{arg:{channel, instId|instType}, data:[…], action?}`;
 * the keepalive answer is the text `pong`.
 *
 * Sizes are contracts: every quantity goes through the contract-size table, and an
 * instrument without a known size is counted (`okx.unknown_contract_size`), never guessed.
 *
 * Event time (`ts`): each data row's `ts`; the envelope's receive time `t` when a row has
 * none (older `funding-rate` pushes, REST bodies).
 *
 * State (per instance): the contract sizes learnt from `rest.instruments`, and a bounded
 * memory of recent liquidations, because "the first push after subscribing is a backlog"
 * of recent orders that a reconnect would otherwise count twice.
 */

import { ChannelNormalizer, type ChannelHandler } from '../channel-normalizer.js';
import type { DepthDiff, DepthSnapshot, Liquidation, NormalizedEvent, OpenInterest } from '../../events.js';
import { toSymbol } from '../../events.js';
import { liquidatedPosition } from '../liquidation-side.js';
import { finite, flatLevels, isObject, num, positive, scaleQty, sequenceId, timestamp, type RawObject } from '../parse.js';
import { REST_CHANNEL } from '../rest-channels.js';
import { CONTROL_CHANNEL, type DropReason, type EnvelopeMeta, type NormalizerCounters } from '../types.js';
import { recognizeOkxControl } from './connection.js';
import { ContractSizeTable, OKX_CONTRACT_SIZES, type ContractSize } from './contract-sizes.js';

type Handler = ChannelHandler;

export interface OkxNormalizerOptions {
  /**
   * A liquidation older than this, measured against the envelope's receive time `t`, is
   * stale backlog and dropped (default 60 000 ms; OKX backlogs reach hours back).
   */
  readonly backlogMaxAgeMs?: number;
  /** Liquidations remembered for de-duplication, oldest forgotten first (default 10 000). */
  readonly dedupCapacity?: number;
  /** Base units per contract by short symbol (default {@link OKX_CONTRACT_SIZES}). */
  readonly contractSizes?: Readonly<Record<string, number>>;
}

export const OKX_DEFAULTS = {
  backlogMaxAgeMs: 60_000,
  dedupCapacity: 10_000,
} as const;

/** A book channel: `top` levels per push (`undefined`: full book with snapshot/update actions). */
const BOOK_CHANNELS: Readonly<Record<string, number | undefined>> = {
  books: undefined,
  'books-l2-tbt': undefined,
  'books50-l2-tbt': undefined,
  books5: 5,
  'bbo-tbt': 1,
};

/**
 * Sort `events[start…]` by `ts`, in place and stable: an insertion sort for the handful of
 * liquidations of a usual push, the built-in (stable) sort for a large reconnect backlog.
 */
function sortByTs(events: NormalizedEvent[], start: number): void {
  if (events.length - start > 32) {
    const sorted = events.slice(start).sort((a, b) => a.ts - b.ts);
    for (let i = 0; i < sorted.length; i++) events[start + i] = sorted[i]!;
    return;
  }
  for (let i = start + 1; i < events.length; i++) {
    const event = events[i]!;
    let j = i - 1;
    while (j >= start && events[j]!.ts > event.ts) {
      events[j + 1] = events[j]!;
      j--;
    }
    events[j + 1] = event;
  }
}

export class OkxNormalizer extends ChannelNormalizer {
  readonly venue = 'okx' as const;
  readonly contractSizes: ContractSizeTable;
  private readonly backlogMaxAgeMs: number;
  private readonly dedupCapacity: number;
  /** Keys of recent liquidations, and the same keys in a ring (oldest at `ringNext`) to forget them in order. */
  private readonly seen = new Set<string>();
  private readonly ring: string[] = [];
  private ringNext = 0;

  constructor(counters: NormalizerCounters, options: OkxNormalizerOptions = {}) {
    super(counters);
    this.backlogMaxAgeMs = options.backlogMaxAgeMs ?? OKX_DEFAULTS.backlogMaxAgeMs;
    this.dedupCapacity = Math.max(1, options.dedupCapacity ?? OKX_DEFAULTS.dedupCapacity);
    this.contractSizes = new ContractSizeTable(options.contractSizes ?? OKX_CONTRACT_SIZES);
  }

  protected handlerFor(channel: string): Handler | undefined {
    switch (channel) {
      case 'liquidation-orders':
        return this.liquidations;
      case 'trades':
        return this.trades;
      case 'funding-rate':
        return this.fundingRate;
      case 'open-interest':
        return (payload, meta, out) => this.openInterest(payload, meta, out, 'stream');
      case 'mark-price':
        return this.markPrice;
      case REST_CHANNEL.openInterest:
        return (payload, meta, out) => this.openInterest(payload, meta, out, 'rest');
      case REST_CHANNEL.instruments:
        return this.instruments;
      default: {
        if (!Object.hasOwn(BOOK_CHANNELS, channel)) return undefined;
        const top = BOOK_CHANNELS[channel];
        return (payload, _meta, out) => this.book(payload, top, out);
      }
    }
  }

  /**
   * `liquidation-orders` (instType SWAP): several instruments per push, several `details`
   * each, "not necessarily in chronological order" (sorted here by `ts` within the push).
   * `sz` is in contracts; `bkPx` is the price of the trade with the liquidation account.
   */
  private readonly liquidations: Handler = (payload, meta, out) => {
    const frame = this.dataFrame(payload);
    if (frame === undefined) return;
    const start = out.length;
    for (const item of frame.data as unknown[]) {
      if (!isObject(item) || !Array.isArray(item.details)) {
        this.drop('malformed_payload');
        continue;
      }
      const details = item.details as unknown[];
      if (typeof item.instId !== 'string') {
        this.drop('malformed_payload', details.length);
        continue;
      }
      const symbol = toSymbol(item.instId);
      if (symbol === undefined) {
        this.drop('unsupported_instrument', details.length); // inverse, USDC, FUTURES, MARGIN
        continue;
      }
      const size = this.contractSizes.get(symbol);
      if (size === undefined) {
        this.drop('unknown_contract_size', details.length); // reported, never guessed
        continue;
      }
      for (const detail of details) {
        const event = this.liquidation(item.instId, symbol, size, detail, meta.t);
        if (event !== undefined) out.push(event);
      }
    }
    sortByTs(out, start);
  };

  private liquidation(instId: string, symbol: string, size: ContractSize, detail: unknown, receivedAt: number): Liquidation | undefined {
    if (!isObject(detail)) return this.dropped('malformed_payload');
    // posSide long/short is the position (hedge mode); `net` (net mode) → the order side decides
    const side =
      detail.posSide === 'long' || detail.posSide === 'short'
        ? liquidatedPosition('okx.posSide', detail.posSide)
        : liquidatedPosition('okx.side', detail.side);
    if (side === undefined) return this.dropped('unknown_side');
    const price = finite(detail.bkPx);
    const contracts = finite(detail.sz);
    const ts = timestamp(detail.ts);
    if (price !== price || contracts !== contracts || ts !== ts) return this.dropped('malformed_payload');
    if (price <= 0 || contracts <= 0) return this.dropped('non_positive_value');
    if (receivedAt - ts > this.backlogMaxAgeMs) return this.dropped('backlog_stale');
    const key = `${instId}|${String(detail.ts)}|${String(detail.side)}|${String(detail.sz)}|${String(detail.bkPx)}`;
    if (this.seen.has(key)) return this.dropped('backlog_duplicate');
    this.remember(key);
    const qty = scaleQty(contracts, size.mul, size.div);
    return { type: 'liquidation', venue: 'okx', symbol, ts, side, price, qty, notional: price * qty };
  }

  private remember(key: string): void {
    if (this.ring.length < this.dedupCapacity) {
      this.ring.push(key);
    } else {
      this.seen.delete(this.ring[this.ringNext]!);
      this.ring[this.ringNext] = key;
      this.ringNext = (this.ringNext + 1) % this.dedupCapacity;
    }
    this.seen.add(key);
  }

  /**
   * Book channels. `books` (and the tbt variants): `action` `snapshot` → DepthSnapshot with
   * `seqId` as its id, `update` → DepthDiff chained by `prevSeqId` (an empty update with
   * `seqId == prevSeqId` is OKX's heartbeat and is passed on for the book to check).
   * `books5`/`bbo-tbt`: every push replaces the top 5/1 levels. `checksum` is passed on
   * as published (deprecated, fixed to 0 since 2026). Sizes are contracts.
   */
  private book(payload: unknown, top: number | undefined, out: NormalizedEvent[]): void {
    const frame = this.dataFrame(payload);
    if (frame === undefined) return;
    const action = frame.action;
    if (top === undefined && action !== 'snapshot' && action !== 'update') return this.drop('malformed_payload');
    const arg = frame.arg as RawObject;
    for (const item of frame.data as unknown[]) {
      if (!isObject(item)) {
        this.drop('malformed_payload');
        continue;
      }
      const symbol = this.symbolOf(typeof arg.instId === 'string' ? arg.instId : item.instId);
      if (symbol === undefined) continue;
      const size = this.sizeOf(symbol);
      if (size === undefined) continue;
      const seqId = sequenceId(item.seqId);
      const ts = timestamp(item.ts);
      const bids = flatLevels(item.bids, size.mul, size.div);
      const asks = flatLevels(item.asks, size.mul, size.div);
      if (seqId !== seqId || ts !== ts || bids === undefined || asks === undefined) {
        this.drop('malformed_payload');
        continue;
      }
      const checksum = typeof item.checksum === 'number' ? item.checksum : undefined;
      if (top !== undefined || action === 'snapshot') {
        const event: DepthSnapshot = { type: 'depthSnapshot', venue: 'okx', symbol, ts, lastUpdateId: seqId, bids, asks, top, checksum };
        out.push(event);
        continue;
      }
      const prevSeqId = sequenceId(item.prevSeqId);
      if (prevSeqId !== prevSeqId) {
        this.drop('malformed_payload');
        continue;
      }
      const event: DepthDiff = { type: 'depthDiff', venue: 'okx', symbol, ts, firstId: seqId, lastId: seqId, prevLastId: prevSeqId, bids, asks, checksum };
      out.push(event);
    }
  }

  /** `trades`: `side` is the taker side; `sz` is contracts; one row may aggregate several fills. */
  private readonly trades: Handler = (payload, _meta, out) => {
    const frame = this.dataFrame(payload);
    if (frame === undefined) return;
    for (const row of frame.data as unknown[]) {
      if (!isObject(row)) {
        this.drop('malformed_payload');
        continue;
      }
      const symbol = this.symbolOf(row.instId);
      if (symbol === undefined) continue;
      const size = this.sizeOf(symbol);
      if (size === undefined) continue;
      const price = finite(row.px);
      const contracts = finite(row.sz);
      const ts = timestamp(row.ts);
      const taker = row.side;
      if (price !== price || contracts !== contracts || ts !== ts || (taker !== 'buy' && taker !== 'sell')) {
        this.drop('malformed_payload');
        continue;
      }
      if (price <= 0 || contracts <= 0) {
        this.drop('non_positive_value');
        continue;
      }
      out.push({ type: 'trade', venue: 'okx', symbol, ts, price, qty: scaleQty(contracts, size.mul, size.div), takerSide: taker });
    }
  };

  /**
   * `funding-rate`: `fundingRate` settles at `fundingTime`, which is therefore the next
   * funding time in the sense of Binance's markPrice `T` (`nextFundingTime` is the one after).
   */
  private readonly fundingRate: Handler = (payload, meta, out) => {
    const frame = this.dataFrame(payload);
    if (frame === undefined) return;
    for (const row of frame.data as unknown[]) {
      if (!isObject(row)) {
        this.drop('malformed_payload');
        continue;
      }
      const symbol = this.symbolOf(row.instId);
      if (symbol === undefined) continue;
      const rate = finite(row.fundingRate);
      if (rate !== rate) {
        this.drop('malformed_payload');
        continue;
      }
      const next = timestamp(row.fundingTime);
      out.push({
        type: 'funding',
        venue: 'okx',
        symbol,
        ts: timestamp(row.ts) || meta.t,
        rate,
        nextFundingTs: next === next ? next : undefined,
      });
    }
  };

  /** `open-interest` push and the REST body alike: `oiCcy` is in coins; `oi` (contracts) is never used. */
  private openInterest(payload: unknown, meta: EnvelopeMeta, out: NormalizedEvent[], source: OpenInterest['source']): void {
    const rows = source === 'rest' ? this.restData(payload) : this.dataFrame(payload)?.data;
    if (rows === undefined) return;
    for (const row of rows as unknown[]) {
      if (!isObject(row)) {
        this.drop('malformed_payload');
        continue;
      }
      const symbol = this.symbolOf(row.instId);
      if (symbol === undefined) continue;
      const oiBase = finite(row.oiCcy);
      if (!(oiBase >= 0)) {
        this.drop('malformed_payload');
        continue;
      }
      out.push({ type: 'openInterest', venue: 'okx', symbol, ts: timestamp(row.ts) || meta.t, oiBase, source });
    }
  }

  private readonly markPrice: Handler = (payload, _meta, out) => {
    const frame = this.dataFrame(payload);
    if (frame === undefined) return;
    for (const row of frame.data as unknown[]) {
      if (!isObject(row)) {
        this.drop('malformed_payload');
        continue;
      }
      const symbol = this.symbolOf(row.instId);
      if (symbol === undefined) continue;
      const mark = positive(row.markPx);
      const ts = timestamp(row.ts);
      if (mark !== mark || ts !== ts) {
        this.drop('malformed_payload');
        continue;
      }
      out.push({ type: 'markPrice', venue: 'okx', symbol, ts, mark });
    }
  };

  /**
   * `GET /api/v5/public/instruments?instType=SWAP`: learn `ctVal` of every linear USDT swap
   * whose contract is denominated in its base coin. Produces no events (counted as control).
   */
  private readonly instruments: Handler = (payload) => {
    const rows = this.restData(payload);
    if (rows === undefined) return;
    for (const row of rows as unknown[]) {
      if (!isObject(row) || typeof row.instId !== 'string') continue;
      const symbol = toSymbol(row.instId);
      if (symbol === undefined) continue; // inverse and USDC swaps: not ours, nothing to learn
      if (row.ctType !== undefined && row.ctType !== 'linear') continue;
      if (row.ctValCcy !== undefined && row.ctValCcy !== symbol) continue;
      this.contractSizes.learn(symbol, num(row.ctVal));
    }
    this.counters.control('okx', 'instruments');
  };

  /** A REST body's `data` rows; `code` other than "0" is an error frame. */
  private restData(payload: unknown): unknown[] | undefined {
    if (!isObject(payload)) return this.dropped('malformed_payload');
    if (payload.code !== '0' && payload.code !== 0) return this.dropped(payload.code === undefined ? 'malformed_payload' : 'error_frame');
    if (!Array.isArray(payload.data)) return this.dropped('malformed_payload');
    return payload.data as unknown[];
  }

  /** The frame as `{arg, data:[…]}`, or undefined after counting it (control, error or malformed). */
  private dataFrame(payload: unknown): (RawObject & { data: unknown[] }) | undefined {
    if (isObject(payload) && isObject(payload.arg) && Array.isArray(payload.data)) return payload as RawObject & { data: unknown[] };
    this.notData(payload, 'malformed_payload');
    return undefined;
  }

  private notData(payload: unknown, otherwise: DropReason): void {
    const control = recognizeOkxControl(payload);
    if (control === undefined) this.drop(otherwise);
    else if (control.kind === 'error') this.drop('error_frame');
    else this.counters.control('okx', control.kind);
  }

  protected unknownChannel(channel: string, payload: unknown): void {
    this.notData(payload, channel === CONTROL_CHANNEL ? 'malformed_payload' : 'unknown_channel');
  }

  private symbolOf(instrument: unknown): string | undefined {
    if (typeof instrument !== 'string') return this.dropped('malformed_payload');
    const symbol = toSymbol(instrument);
    if (symbol === undefined) this.drop('unsupported_instrument');
    return symbol;
  }

  /** The contract size of a symbol whose quantities are contracts; counted when unknown. */
  private sizeOf(symbol: string): ContractSize | undefined {
    const size = this.contractSizes.get(symbol);
    if (size === undefined) this.drop('unknown_contract_size');
    return size;
  }


  /** Count a drop and return undefined (for early returns in value-returning helpers). */
  private dropped(reason: DropReason): undefined {
    this.counters.drop('okx', reason);
    return undefined;
  }
}
