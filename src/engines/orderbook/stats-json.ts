/**
 * The JSON shape of `orderbook/{SYM}.stats.json`, which `/orderbook_heatmap_stats`
 * serves as its `reconstructor` object. The first block is the PoC's
 * `ob_recon_stats.json` field for field (POC-FACTS 2.6; an existing frontend reads it);
 * our additional counters follow in the same snake_case.
 */

import type { Venue } from '../../events.js';
import type { AccumulatorStats } from './accumulator.js';
import type { BookView } from './price-book.js';
import type { BookStats } from './reconstructor.js';

/** A type (not an interface) so that it is assignable to `Record<string, unknown>`. */
export type ReconStatsJson = {
  // ── the PoC's fields (POC-FACTS 2.6) ──
  readonly state: BookStats['state'];
  readonly synced: boolean;
  readonly snapshot_last_update_id: number;
  readonly last_applied_u: number;
  readonly first_diff_applied_U: number;
  readonly first_diff_applied_u: number;
  readonly levels_bid: number;
  readonly levels_ask: number;
  /** 0 when the side is empty (the PoC's convention; JSON has no NaN). */
  readonly best_bid: number;
  readonly best_ask: number;
  readonly resyncs: number;
  readonly diffs_buffered: number;
  readonly diffs_applied: number;
  /** Diffs dropped as older than the book (the PoC's `diffs_discarded`). */
  readonly diffs_discarded: number;
  /** Event time of the last applied message, epoch SECONDS (PoC unit); 0 before the first. */
  readonly last_update_ts: number;
  readonly gap_tolerance: number;
  readonly last_gap_type: string;
  readonly last_gap_pu: number;
  readonly last_gap_expected: number;
  readonly pu_gap_count: number;
  readonly u_gap_count: number;
  readonly max_sync_duration_s: number;
  readonly diffs_in_current_sync: number;
  // ── ours ──
  readonly venue: Venue;
  readonly messages: number;
  readonly snapshots: number;
  readonly snapshots_ignored: number;
  readonly diffs_buffered_total: number;
  readonly diffs_buffer_overflow: number;
  readonly diffs_without_book: number;
  readonly gaps: number;
  readonly gaps_tolerated: number;
  readonly bridge_failures: number;
  readonly seq_gap_count: number;
  readonly out_of_order_count: number;
  readonly u_skip_count: number;
  readonly last_gap_ts_ms: number;
  readonly resync_requests: number;
  readonly disconnects: number;
  readonly checksums_checked: number;
  readonly checksum_failures: number;
  readonly checksums_unverifiable: number;
  readonly heartbeats: number;
  readonly sequence_resets: number;
  readonly service_restarts: number;
  readonly top_snapshots: number;
  readonly rejected_levels: number;
  readonly ticker_checks: number;
  readonly ticker_mismatches: number;
  readonly tickers_unmatched: number;
  readonly last_ticker_mismatch: string;
  readonly last_update_ts_ms: number;
  readonly last_sync_duration_s: number;
};

export type OrderBookStatsJson = Partial<ReconStatsJson> & {
  readonly symbol: string;
  readonly venues: Partial<Record<Venue, ReconStatsJson>>;
  readonly frames: readonly AccumulatorStats[];
  readonly ignored_events: number;
  /** Event time of the stats, epoch seconds (PoC `written_at`, POC-FACTS 2.6); its age is the file's staleness. */
  readonly written_at: number;
};

export function reconStatsJson(s: Readonly<BookStats>, book: BookView): ReconStatsJson {
  const bestBid = book.bestBid();
  const bestAsk = book.bestAsk();
  return {
    state: s.state,
    synced: s.state === 'synced',
    snapshot_last_update_id: s.snapshotLastUpdateId,
    last_applied_u: s.lastUpdateId,
    first_diff_applied_U: s.firstDiffFirstId,
    first_diff_applied_u: s.firstDiffLastId,
    levels_bid: book.bids.size,
    levels_ask: book.asks.size,
    best_bid: Number.isNaN(bestBid) ? 0 : bestBid,
    best_ask: Number.isNaN(bestAsk) ? 0 : bestAsk,
    resyncs: s.resyncs,
    diffs_buffered: s.buffered,
    diffs_applied: s.applied,
    diffs_discarded: s.stale,
    last_update_ts: s.lastUpdateTs / 1000,
    gap_tolerance: s.gapTolerance,
    last_gap_type: s.lastGapType,
    last_gap_pu: s.lastGapPrev,
    last_gap_expected: s.lastGapExpected,
    pu_gap_count: s.puGaps,
    u_gap_count: s.uGaps,
    max_sync_duration_s: s.maxSyncDurationMs / 1000,
    diffs_in_current_sync: s.appliedInCurrentSync,
    venue: s.venue,
    messages: s.messages,
    snapshots: s.snapshots,
    snapshots_ignored: s.snapshotsIgnored,
    diffs_buffered_total: s.bufferedTotal,
    diffs_buffer_overflow: s.bufferOverflow,
    diffs_without_book: s.noBook,
    gaps: s.gaps,
    gaps_tolerated: s.gapsTolerated,
    bridge_failures: s.bridgeFailures,
    seq_gap_count: s.seqGaps,
    out_of_order_count: s.outOfOrder,
    u_skip_count: s.uSkips,
    last_gap_ts_ms: s.lastGapTs,
    resync_requests: s.resyncRequests,
    disconnects: s.disconnects,
    checksums_checked: s.checksumsChecked,
    checksum_failures: s.checksumFailures,
    checksums_unverifiable: s.checksumsUnverifiable,
    heartbeats: s.heartbeats,
    sequence_resets: s.sequenceResets,
    service_restarts: s.serviceRestarts,
    top_snapshots: s.topSnapshots,
    rejected_levels: s.rejectedLevels,
    ticker_checks: s.tickerChecks,
    ticker_mismatches: s.tickerMismatches,
    tickers_unmatched: s.tickersUnmatched,
    last_ticker_mismatch: s.lastTickerMismatch,
    last_update_ts_ms: s.lastUpdateTs,
    last_sync_duration_s: s.lastSyncDurationMs / 1000,
  };
}
