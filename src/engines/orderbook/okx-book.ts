/**
 * OKX v5 `books` (and `books5`) book (VENUES.md 3.3):
 *   - a snapshot (`prevSeqId` −1) replaces the book;
 *   - an update is accepted when its `prevSeqId` equals the previous `seqId`. Within that:
 *     `seqId` = `prevSeqId` is the ~60 s keep-alive with no levels (`heartbeats`), and
 *     `seqId` < `prevSeqId` is a sequence reset after maintenance (`sequenceResets`): the
 *     book is kept and the new `seqId` adopted. A reset is also accepted when its
 *     `prevSeqId` does not match ("subsequent messages follow the regular rule");
 *   - anything else is a gap: the book is dropped and a resubscribe requested;
 *   - the CRC32 `checksum` is deprecated and always 0 today: it is verified only when
 *     non-zero (archived data), after applying the message; a mismatch is a resync.
 * `books5` arrives as `DepthSnapshot{top: 5}`: each push replaces the five-level view and
 * is used only while no full `books` book is kept (otherwise it is counted and ignored).
 * Normalized ids: `firstId` = `lastId` = `seqId`, `prevLastId` = `prevSeqId`; snapshot
 * `lastUpdateId` = `seqId`.
 */

import type { DepthDiff, DepthSnapshot } from '../../events.js';
import { okxChecksum } from './okx-checksum.js';
import { BaseReconstructor, type ReconstructorOptions, type ResyncRequest } from './reconstructor.js';

export class OkxReconstructor extends BaseReconstructor {
  readonly venue = 'okx' as const;
  private readonly contractValue: number | undefined;
  /** The book is a top-N view (books5), not a full book. */
  private partial = false;

  constructor(options: ReconstructorOptions) {
    super('okx', options, 0);
    const cv = options.okxContractValue;
    if (cv !== undefined && !(cv > 0)) throw new RangeError(`okxContractValue must be positive, got ${cv}`);
    this.contractValue = cv;
  }

  protected resyncAction(): ResyncRequest['action'] {
    return 'resubscribe';
  }

  onSnapshot(event: DepthSnapshot): void {
    const s = this.stats;
    s.messages++;
    if (event.top !== undefined) {
      if (s.state === 'synced' && !this.partial) {
        s.snapshotsIgnored++;
        return;
      }
      this.book.replace(event.bids, event.asks);
      this.partial = true;
      s.topSnapshots++;
      this.markSynced(event.ts, event.lastUpdateId);
      return;
    }
    this.book.replace(event.bids, event.asks);
    this.partial = false;
    this.markSynced(event.ts, event.lastUpdateId);
    this.verifyChecksum(event.ts, event.checksum);
  }

  onDiff(event: DepthDiff): void {
    const s = this.stats;
    s.messages++;
    if (s.state !== 'synced' || this.partial) {
      s.noBook++;
      this.requestInitial(event.ts, 'update before any snapshot');
      return;
    }
    const seq = event.lastId;
    const prev = event.prevLastId;
    const last = s.lastUpdateId;
    if (prev === undefined || (prev !== last && !(seq < prev))) {
      s.seqGaps++;
      this.noteGap('seq_gap', event.ts, prev ?? -1, last);
      this.dropBook(event.ts, 'gap', `prevSeqId ${prev ?? 'missing'} ≠ previous seqId ${last}`);
      return;
    }
    if (seq === prev) s.heartbeats++;
    else if (seq < prev) s.sequenceResets++;
    this.applyDiff(event);
    this.verifyChecksum(event.ts, event.checksum);
  }

  protected override onDropped(): void {
    this.partial = false;
  }

  private verifyChecksum(ts: number, checksum: number | undefined): void {
    if (checksum === undefined || checksum === 0) return;
    const s = this.stats;
    if (this.contractValue === undefined) {
      s.checksumsUnverifiable++;
      return;
    }
    s.checksumsChecked++;
    const computed = okxChecksum(this.book, this.contractValue);
    if (computed === checksum) return;
    s.checksumFailures++;
    this.dropBook(ts, 'checksum', `checksum ${checksum} ≠ computed ${computed} at seqId ${s.lastUpdateId}`);
  }
}
