/**
 * The real Binance capture beside the project (../shared/data, 8 minutes of BTCUSDT
 * depth@0ms, bookTicker and trades with one REST snapshot): through the venue
 * normalizers into the order-book engine. Skips when the directory is absent.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../capture/reader.js';
import type { NormalizedEvent } from '../../events.js';
import { createNormalizers } from '../../venues/index.js';
import type { OrderBookFrame } from './accumulator.js';
import type { ResyncRequest } from './reconstructor.js';
import { SymbolOrderBook } from './symbol-order-book.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CAPTURE_DIR = path.resolve(REPO, '..', 'shared', 'data', 'binance-usdm-btcusdt-2024-07-18');
const FILES = ['btcusdt_20240718.gz', 'btcusdt_20240719.gz'].map((name) => path.join(CAPTURE_DIR, name));

describe.skipIf(!FILES.every((file) => fs.existsSync(file)))('order book on the real Binance capture (../shared/data)', () => {
  it('syncs from the REST snapshot, applies every diff with no gap, and matches bookTicker at the same update id', async () => {
    const normalizers = createNormalizers();
    const frames: OrderBookFrame[] = [];
    const requests: ResyncRequest[] = [];
    const ob = new SymbolOrderBook({ symbol: 'BTC', onFrame: (f) => frames.push(f), onResync: (r) => requests.push(r) });
    const out: NormalizedEvent[] = [];
    let diffs = 0;
    let firstTs = 0;
    let lastTs = 0;
    for (const file of FILES) {
      for await (const batch of openCapture(file)) {
        for (const envelope of batch) {
          out.length = 0;
          normalizers.normalize(envelope, out);
          for (const event of out) {
            if (event.type === 'depthDiff') diffs++;
            if (event.type === 'depthDiff' || event.type === 'depthSnapshot' || event.type === 'bookTicker') {
              if (firstTs === 0) firstTs = event.ts;
              lastTs = Math.max(lastTs, event.ts);
              ob.apply(event);
            }
          }
        }
      }
    }
    const book = ob.stats().books.binance!;
    // The capture opens with diffs, then the REST body: one request, one snapshot.
    expect(requests.map((r) => r.reason)).toEqual(['initial']);
    expect(book.snapshots).toBe(1);
    expect(book.state).toBe('synced');
    // Every diff is either older than the snapshot (dropped, as the rules say) or applied.
    expect(book.stale + book.applied).toBe(diffs);
    expect(book.stale).toBeGreaterThan(0);
    expect(book.applied).toBeGreaterThan(9000);
    expect(book).toMatchObject({ gaps: 0, resyncs: 0, bridgeFailures: 0, bufferOverflow: 0, rejectedLevels: 0 });
    expect(book.firstDiffFirstId).toBeLessThanOrEqual(book.snapshotLastUpdateId);
    expect(book.firstDiffLastId).toBeGreaterThanOrEqual(book.snapshotLastUpdateId);
    // Best bid and ask (price and quantity) equal bookTicker's at every shared update id.
    expect(book.tickerChecks).toBeGreaterThan(100);
    expect(book.tickerMismatches, book.lastTickerMismatch).toBe(0);
    const b = ob.book('binance')!;
    expect(b.bestBid()).toBeLessThan(b.bestAsk());
    // One frame per 30 s slot from the sync to the end, on the slot grid, none missing.
    const slots = frames.map((f) => f.record.ts);
    expect(slots.length).toBeGreaterThanOrEqual(Math.floor((lastTs - firstTs) / 30_000) - 1);
    slots.forEach((ts, i) => {
      expect(ts % 30_000).toBe(0);
      if (i > 0) expect(ts - slots[i - 1]!).toBe(30_000);
    });
    for (const f of frames.slice(1)) {
      expect(f.ext.coverage).toBe(1);
      expect(f.ext.totalBidNotional).toBeGreaterThan(1e6);
      expect(f.record.nBuckets).toBeGreaterThan(600);
    }
  }, 60_000);
});
