/**
 * The reconstructor interface shared by every venue, its stats and resync requests.
 *
 * A reconstructor keeps one venue's book for one symbol from normalized `DepthSnapshot`
 * and `DepthDiff` events (src/events.ts). It never fetches or subscribes: when it needs
 * a new snapshot it calls `onResync` and keeps going (Binance buffers diffs meanwhile).
 * Every input it does not apply is counted in its stats under a named field.
 */

import type { BookTicker, DepthDiff, DepthSnapshot, Venue } from '../../events.js';
import { PriceBook, type BookView } from './price-book.js';

/** `synced`: the book holds a valid state; `syncing`: a resync was requested; `unsynced`: nothing yet. */
export type BookState = 'unsynced' | 'syncing' | 'synced';

/**
 * Why a chain check failed. `pu_mismatch` Binance `pu` ≠ previous `u`; `u_gap` Binance
 * without `pu` (`U` > previous `u` + 1); `bridge` the first Binance diff after a snapshot
 * does not span its `lastUpdateId`; `seq_gap` OKX `prevSeqId` ≠ previous `seqId`;
 * `out_of_order` Bybit `u` not above the previous `u`.
 */
export type GapKind = 'pu_mismatch' | 'u_gap' | 'bridge' | 'seq_gap' | 'out_of_order';

export type ResyncReason =
  | 'initial' // a diff arrived and there is no snapshot yet
  | 'gap' // a chain break beyond tolerance
  | 'checksum' // OKX checksum mismatch (archived data only)
  | 'disconnect' // the venue connection dropped
  | 'stalled'; // a requested snapshot did not come within resyncRetryMs of event time

export interface ResyncRequest {
  readonly venue: Venue;
  readonly symbol: string;
  /** Event time of the request. */
  readonly ts: number;
  /**
   * What the connector should do: `snapshot` fetch a REST depth snapshot (Binance; fetch
   * it once the diff stream is flowing, the book buffers diffs until it comes);
   * `resubscribe` re-subscribe to the channel, whose first push is a snapshot (Bybit, OKX).
   */
  readonly action: 'snapshot' | 'resubscribe';
  readonly reason: ResyncReason;
  /** One line for logs, e.g. "pu 105 ≠ previous u 100 (gap 5 > tolerance 0)". */
  readonly detail: string;
}

/** Per-book counters. Every diff a book receives ends in exactly one of applied/stale/buffered/noBook, or triggered a resync. */
export interface BookStats {
  readonly venue: Venue;
  readonly symbol: string;
  state: BookState;
  /** Depth messages received: snapshots and diffs. */
  messages: number;
  /** Snapshots loaded into the book. */
  snapshots: number;
  /** Snapshots not used: older than the book, or a partial (top-N) view while a full book is kept. */
  snapshotsIgnored: number;
  /** Diffs applied to the book. */
  applied: number;
  /** Diffs dropped as older than the book (Binance `u` < `lastUpdateId`, duplicates). */
  stale: number;
  /** Diffs waiting for a snapshot right now (Binance). */
  buffered: number;
  /** Diffs ever put in the wait buffer. */
  bufferedTotal: number;
  /** Oldest buffered diffs dropped because the buffer was full (counted, then the bridge check decides). */
  bufferOverflow: number;
  /** Diffs dropped because there was no book to apply them to (Bybit, OKX before their snapshot). */
  noBook: number;
  /** Chain breaks seen, tolerated or not. */
  gaps: number;
  /** Chain breaks within the gap tolerance: the book was kept. */
  gapsTolerated: number;
  puGaps: number;
  uGaps: number;
  bridgeFailures: number;
  seqGaps: number;
  outOfOrder: number;
  /** Bybit `u` advanced by more than 1 (applied: Bybit does not document +1 steps). */
  uSkips: number;
  lastGapType: GapKind | '';
  /** The previous-id the message carried (`pu`, `U`, `prevSeqId`, `u`). */
  lastGapPrev: number;
  /** The id the book expected. */
  lastGapExpected: number;
  lastGapTs: number;
  /** Times the book was dropped and had to be rebuilt from a new snapshot. */
  resyncs: number;
  /** Resync requests made through `onResync`. */
  resyncRequests: number;
  disconnects: number;
  /** Non-zero checksums compared with the book (failures included). */
  checksumsChecked: number;
  checksumFailures: number;
  /** Non-zero checksums that could not be verified (no contract value to rebuild OKX sizes). */
  checksumsUnverifiable: number;
  /** OKX keep-alive updates (`seqId` = `prevSeqId`, no levels). */
  heartbeats: number;
  /** OKX sequence resets (`seqId` < `prevSeqId`, maintenance). */
  sequenceResets: number;
  /** Bybit `u` = 1 (service restart: the message is a snapshot). */
  serviceRestarts: number;
  /** Partial (top-N) snapshots applied, e.g. OKX books5. */
  topSnapshots: number;
  /** Levels with a non-positive price or a negative/NaN quantity, skipped. */
  rejectedLevels: number;
  /** Binance bookTicker cross-checks at an update id equal to the book's. */
  tickerChecks: number;
  tickerMismatches: number;
  /** bookTickers that could not be checked (no book update with the same id arrived). */
  tickersUnmatched: number;
  lastTickerMismatch: string;
  snapshotLastUpdateId: number;
  /** Last applied update id (Binance `u`, Bybit `u`, OKX `seqId`). */
  lastUpdateId: number;
  firstDiffFirstId: number;
  firstDiffLastId: number;
  /** Event time of the last message applied (ms, 0 before the first); readers compute the age. */
  lastUpdateTs: number;
  /** Event time the current (re)sync started, 0 when synced. */
  syncStartedTs: number;
  lastSyncDurationMs: number;
  maxSyncDurationMs: number;
  /** Diffs applied since the last (re)sync. */
  appliedInCurrentSync: number;
  /** Binance gap tolerance in update ids (0 elsewhere). */
  gapTolerance: number;
}

export interface BookReconstructor {
  readonly venue: Venue;
  readonly symbol: string;
  readonly book: BookView;
  readonly state: BookState;
  readonly stats: Readonly<BookStats>;
  /** True when the book holds a state worth showing (synced and both sides non-empty). */
  readonly hasBook: boolean;
  onSnapshot(event: DepthSnapshot): void;
  onDiff(event: DepthDiff): void;
  onTicker(event: BookTicker): void;
  /** The venue connection dropped: forget the book and ask for a resync. */
  disconnect(ts: number, reason: string): void;
  /** Event time passes (re-requests a snapshot that did not come). */
  advance(ts: number): void;
}

export interface ReconstructorOptions {
  readonly symbol: string;
  /** Called for each resync request (default: none, requests are still counted). */
  readonly onResync?: (request: ResyncRequest) => void;
  /** Binance: tolerated `pu` mismatch in update ids (default 0 = strict; the symbol engine passes symbol-config's). */
  readonly gapTolerance?: number;
  /** Binance: diffs kept while waiting for a snapshot (default 2000, oldest dropped and counted). */
  readonly maxBufferedDiffs?: number;
  /** Re-request a snapshot that has not arrived after this much event time (default 30 000 ms). */
  readonly resyncRetryMs?: number;
  /**
   * OKX: base-asset quantity per contract (`ctVal`: BTC 0.01, ETH 0.1, SOL 1). Needed to
   * rebuild the published size strings for the (deprecated) checksum; without it a
   * non-zero checksum is counted as unverifiable, never as a failure.
   */
  readonly okxContractValue?: number;
}

export const DEFAULT_MAX_BUFFERED_DIFFS = 2000;
export const DEFAULT_RESYNC_RETRY_MS = 30_000;

export function newBookStats(venue: Venue, symbol: string, gapTolerance: number): BookStats {
  return {
    venue,
    symbol,
    state: 'unsynced',
    messages: 0,
    snapshots: 0,
    snapshotsIgnored: 0,
    applied: 0,
    stale: 0,
    buffered: 0,
    bufferedTotal: 0,
    bufferOverflow: 0,
    noBook: 0,
    gaps: 0,
    gapsTolerated: 0,
    puGaps: 0,
    uGaps: 0,
    bridgeFailures: 0,
    seqGaps: 0,
    outOfOrder: 0,
    uSkips: 0,
    lastGapType: '',
    lastGapPrev: 0,
    lastGapExpected: 0,
    lastGapTs: 0,
    resyncs: 0,
    resyncRequests: 0,
    disconnects: 0,
    checksumsChecked: 0,
    checksumFailures: 0,
    checksumsUnverifiable: 0,
    heartbeats: 0,
    sequenceResets: 0,
    serviceRestarts: 0,
    topSnapshots: 0,
    rejectedLevels: 0,
    tickerChecks: 0,
    tickerMismatches: 0,
    tickersUnmatched: 0,
    lastTickerMismatch: '',
    snapshotLastUpdateId: 0,
    lastUpdateId: 0,
    firstDiffFirstId: 0,
    firstDiffLastId: 0,
    lastUpdateTs: 0,
    syncStartedTs: 0,
    lastSyncDurationMs: 0,
    maxSyncDurationMs: 0,
    appliedInCurrentSync: 0,
    gapTolerance,
  };
}

/** State, counters and resync plumbing shared by the venue reconstructors. */
export abstract class BaseReconstructor implements BookReconstructor {
  abstract readonly venue: Venue;
  readonly symbol: string;
  readonly book = new PriceBook();
  readonly stats: BookStats;
  protected readonly onResync: ((request: ResyncRequest) => void) | undefined;
  protected readonly resyncRetryMs: number;
  private lastRequestTs = -Infinity;
  private syncStart: number | undefined;

  protected constructor(venue: Venue, options: ReconstructorOptions, gapTolerance: number) {
    this.symbol = options.symbol;
    this.onResync = options.onResync;
    this.resyncRetryMs = options.resyncRetryMs ?? DEFAULT_RESYNC_RETRY_MS;
    this.stats = newBookStats(venue, options.symbol, gapTolerance);
  }

  get state(): BookState {
    return this.stats.state;
  }

  get hasBook(): boolean {
    return this.stats.state === 'synced' && this.book.bids.size > 0 && this.book.asks.size > 0;
  }

  abstract onSnapshot(event: DepthSnapshot): void;
  abstract onDiff(event: DepthDiff): void;

  /** Only Binance publishes a ticker comparable with its depth ids; elsewhere a ticker is counted as unmatched. */
  onTicker(_event: BookTicker): void {
    this.stats.tickersUnmatched++;
  }

  disconnect(ts: number, reason: string): void {
    this.stats.disconnects++;
    this.dropBook(ts, 'disconnect', `connection dropped: ${reason}`);
  }

  advance(ts: number): void {
    if (this.stats.state === 'syncing' && ts - this.lastRequestTs >= this.resyncRetryMs) {
      this.request(ts, 'stalled', `no snapshot ${Math.round((ts - this.lastRequestTs) / 1000)} s after the request`);
    }
  }

  /** Forget the book (the accumulator hears every level leave), enter `syncing` and ask for a snapshot. */
  protected dropBook(ts: number, reason: ResyncReason, detail: string): void {
    if (this.stats.state === 'synced') this.stats.resyncs++;
    this.book.clear();
    this.onDropped();
    this.stats.state = 'syncing';
    this.stats.syncStartedTs = ts;
    this.syncStart = ts;
    this.stats.appliedInCurrentSync = 0;
    this.request(ts, reason, detail);
  }

  /** Hook for venue state to reset when the book is dropped. */
  protected onDropped(): void {}

  protected request(ts: number, reason: ResyncReason, detail: string): void {
    this.lastRequestTs = ts;
    this.stats.resyncRequests++;
    this.onResync?.({ venue: this.venue, symbol: this.symbol, ts, action: this.resyncAction(), reason, detail });
  }

  protected abstract resyncAction(): ResyncRequest['action'];

  /** A snapshot has been loaded: the book is synced. */
  protected markSynced(ts: number, lastUpdateId: number): void {
    const s = this.stats;
    if (s.state !== 'synced' && this.syncStart !== undefined) {
      s.lastSyncDurationMs = Math.max(0, ts - this.syncStart);
      if (s.lastSyncDurationMs > s.maxSyncDurationMs) s.maxSyncDurationMs = s.lastSyncDurationMs;
    }
    s.state = 'synced';
    s.syncStartedTs = 0;
    this.syncStart = undefined;
    s.snapshots++;
    s.snapshotLastUpdateId = lastUpdateId;
    s.lastUpdateId = lastUpdateId;
    s.lastUpdateTs = Math.max(s.lastUpdateTs, ts);
    s.appliedInCurrentSync = 0;
    s.rejectedLevels = this.book.rejectedLevels;
  }

  protected noteGap(kind: GapKind, ts: number, prev: number, expected: number): void {
    const s = this.stats;
    s.gaps++;
    s.lastGapType = kind;
    s.lastGapPrev = prev;
    s.lastGapExpected = expected;
    s.lastGapTs = ts;
  }

  /** Apply a diff's levels and count it. */
  protected applyDiff(event: DepthDiff): void {
    this.book.apply(event.bids, event.asks);
    const s = this.stats;
    s.applied++;
    s.appliedInCurrentSync++;
    s.lastUpdateId = event.lastId;
    if (event.ts > s.lastUpdateTs) s.lastUpdateTs = event.ts;
    s.rejectedLevels = this.book.rejectedLevels;
  }

  /** Start syncing when the first message finds no book (counts the request once per attempt). */
  protected requestInitial(ts: number, detail: string): void {
    if (this.stats.state !== 'unsynced') return;
    this.stats.state = 'syncing';
    this.stats.syncStartedTs = ts;
    this.syncStart = ts;
    this.request(ts, 'initial', detail);
  }
}
