/**
 * Bybit v5 `orderbook.50` book (VENUES.md 2.4):
 *   - a `snapshot` replaces the book ("If you receive a new snapshot message, you will
 *     have to reset your local orderbook");
 *   - a `delta` applies (size 0 deletes, new price inserts, otherwise updates);
 *   - `u` = 1 is snapshot data after a service restart: it overwrites the book, even
 *     when it arrives as a delta;
 *   - `u` not above the previous `u` is out of order: a gap, the book is dropped and a
 *     resubscribe requested. Bybit does not document that `u` steps by exactly 1, so a
 *     larger step is applied and only counted (`uSkips`).
 * Deltas before the first snapshot cannot be applied: counted (`noBook`) with one
 * resubscribe request. Normalized ids: `firstId` = `lastId` = `u`; snapshot `lastUpdateId` = `u`.
 */

import type { DepthDiff, DepthSnapshot } from '../../events.js';
import { BaseReconstructor, type ReconstructorOptions, type ResyncRequest } from './reconstructor.js';

export class BybitReconstructor extends BaseReconstructor {
  readonly venue = 'bybit' as const;

  constructor(options: ReconstructorOptions) {
    super('bybit', options, 0);
  }

  protected resyncAction(): ResyncRequest['action'] {
    return 'resubscribe';
  }

  onSnapshot(event: DepthSnapshot): void {
    this.stats.messages++;
    this.load(event.ts, event.lastUpdateId, event);
  }

  onDiff(event: DepthDiff): void {
    const s = this.stats;
    s.messages++;
    const u = event.lastId;
    if (u === 1) {
      this.load(event.ts, u, event);
      return;
    }
    if (s.state !== 'synced') {
      s.noBook++;
      this.requestInitial(event.ts, 'delta before any snapshot');
      return;
    }
    const last = s.lastUpdateId;
    if (u <= last) {
      s.outOfOrder++;
      this.noteGap('out_of_order', event.ts, u, last + 1);
      this.dropBook(event.ts, 'gap', `u ${u} not above previous u ${last}`);
      return;
    }
    if (u > last + 1) s.uSkips++;
    this.applyDiff(event);
  }

  private load(ts: number, u: number, levels: { readonly bids: number[]; readonly asks: number[] }): void {
    if (u === 1) this.stats.serviceRestarts++;
    this.book.replace(levels.bids, levels.asks);
    this.markSynced(ts, u);
  }
}
