/**
 * What `live` does when a book asks for a fresh snapshot (`onBookResync(symbol, venue,
 * reason)` of the runtime, called from inside the pipeline). It never touches the
 * pipeline itself: the snapshot arrives like any other frame or REST result, recorded
 * first, so a replay of the recording sees it at the same place.
 *
 * Binance (VENUES.md 1.3: "open a stream, buffer the events, get a depth snapshot"): a
 * REST depth snapshot (limit 1000, weight 20), within the REST client's weight budget and
 * 5 s per endpoint, one request per symbol in flight (later requests coalesce). After a
 * disconnect, or while `binance.public` is down, the fetch waits for the first depth
 * frame of the (re)opened socket, so the snapshot is never older than the diffs it must
 * bridge.
 *
 * Bybit, OKX: resubscribe the book topic (unsubscribe, subscribe; the first push is a
 * snapshot), at most once per `resubscribeEveryMs` per topic (OKX allows 480 subscribe
 * requests per connection and hour); a request within the pause runs when it ends. A
 * `disconnect` needs nothing: the reconnect subscribes again and its first push is the
 * snapshot. A book whose snapshot never comes asks again (`stalled`, 30 s of event time).
 */

import type { Logger } from '../connect/logger.js';
import type { RestPoller, RestResult } from '../connect/rest.js';
import type { ReconnectingSocket } from '../connect/socket.js';
import type { BookResyncPlan } from '../connect/venues/index.js';
import type { Venue } from '../events.js';
import type { TimerHandle, WallClock } from '../wall-clock.js';

export interface BookResyncOptions {
  readonly clock: WallClock;
  readonly logger: Logger;
  readonly plans: ReadonlyMap<Venue, BookResyncPlan>;
  /** Sockets by connection name (`binance.public`). */
  readonly sockets: ReadonlyMap<string, ReconnectingSocket>;
  readonly poller: RestPoller;
  /** Minimum time between two resubscribes of one book topic, ms (default 10 000). */
  readonly resubscribeEveryMs?: number;
}

export interface BookResyncStats {
  /** Requests from the books, by `venue.reason`. */
  readonly requests: Readonly<Record<string, number>>;
  /** Binance REST snapshots asked for, answered, failed; requests answered by one in flight. */
  readonly snapshotsRequested: number;
  readonly snapshotsReceived: number;
  readonly snapshotsFailed: number;
  readonly coalesced: number;
  /** Binance requests waiting for the depth stream to flow (right now). */
  readonly waitingForStream: readonly string[];
  /** Bybit/OKX resubscribes sent, postponed by the per-topic pause, or not sent because the socket was down. */
  readonly resubscribes: number;
  readonly resubscribesPostponed: number;
  readonly resubscribesSkippedSocketDown: number;
  /** Disconnect requests of Bybit/OKX books, left to the reconnect's snapshot. */
  readonly leftToReconnect: number;
}

export class BookResyncer {
  private readonly clock: WallClock;
  private readonly log: Logger;
  private readonly plans: ReadonlyMap<Venue, BookResyncPlan>;
  private readonly sockets: ReadonlyMap<string, ReconnectingSocket>;
  private readonly poller: RestPoller;
  private readonly resubscribeEveryMs: number;
  private readonly requests = new Map<string, number>();
  /** Binance symbols whose snapshot waits for the depth stream. */
  private readonly waiting = new Set<string>();
  private readonly inFlight = new Set<string>();
  private readonly lastResubscribe = new Map<string, number>();
  private readonly postponed = new Map<string, TimerHandle>();
  private sequence = 0;
  private stopped = false;
  private readonly counts = {
    snapshotsRequested: 0,
    snapshotsReceived: 0,
    snapshotsFailed: 0,
    coalesced: 0,
    resubscribes: 0,
    resubscribesPostponed: 0,
    resubscribesSkippedSocketDown: 0,
    leftToReconnect: 0,
  };

  constructor(options: BookResyncOptions) {
    this.clock = options.clock;
    this.log = options.logger;
    this.plans = options.plans;
    this.sockets = options.sockets;
    this.poller = options.poller;
    this.resubscribeEveryMs = options.resubscribeEveryMs ?? 10_000;
  }

  /** A book of `venue` for `symbol` needs a snapshot (`reason`: initial, gap, checksum, disconnect, stalled). */
  request(symbol: string, venue: Venue, reason: string): void {
    const key = `${venue}.${reason}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    if (this.stopped) return;
    const plan = this.plans.get(venue);
    if (plan === undefined) return;
    if (plan.kind === 'snapshot') {
      const socket = this.sockets.get(plan.socket);
      // after a drop the new connection's diffs must flow before the snapshot is taken
      if (reason === 'disconnect' || socket === undefined || socket.state !== 'open') this.waiting.add(symbol);
      else this.fetch(venue, plan, symbol);
      return;
    }
    if (reason === 'disconnect') {
      this.counts.leftToReconnect++;
      return;
    }
    this.resubscribe(venue, plan, symbol);
  }

  /** A depth frame arrived on Binance's book socket: fetch the snapshots that waited for it. */
  depthFlowing(): void {
    if (this.waiting.size === 0 || this.stopped) return;
    const plan = this.plans.get('binance');
    if (plan?.kind !== 'snapshot') return;
    const symbols = [...this.waiting];
    this.waiting.clear();
    for (const symbol of symbols) this.fetch('binance', plan, symbol);
  }

  stats(): BookResyncStats {
    return {
      requests: Object.fromEntries([...this.requests].sort(([a], [b]) => (a < b ? -1 : 1))),
      ...this.counts,
      waitingForStream: [...this.waiting],
    };
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.postponed.values()) this.clock.clearTimeout(timer);
    this.postponed.clear();
  }

  private fetch(venue: Venue, plan: BookResyncPlan & { kind: 'snapshot' }, symbol: string): void {
    if (this.inFlight.has(symbol)) {
      this.counts.coalesced++;
      return;
    }
    this.inFlight.add(symbol);
    this.counts.snapshotsRequested++;
    void this.poller.request(venue, plan.request(symbol)).then((result: RestResult) => {
      this.inFlight.delete(symbol);
      if (result.ok) this.counts.snapshotsReceived++;
      else this.counts.snapshotsFailed++; // logged by the poller; the book asks again when it stalls
    });
  }

  private resubscribe(venue: Venue, plan: BookResyncPlan & { kind: 'resubscribe' }, symbol: string): void {
    const key = `${venue}:${symbol}`;
    if (this.postponed.has(key)) return;
    const now = this.clock.now();
    const due = (this.lastResubscribe.get(key) ?? Number.NEGATIVE_INFINITY) + this.resubscribeEveryMs;
    if (now < due) {
      this.counts.resubscribesPostponed++;
      this.postponed.set(
        key,
        this.clock.setTimeout(() => {
          this.postponed.delete(key);
          if (!this.stopped) this.resubscribe(venue, plan, symbol);
        }, due - now),
      );
      return;
    }
    const socket = this.sockets.get(plan.socket);
    if (socket === undefined || !socket.send(plan.requests(symbol, ++this.sequence))) {
      // the socket is down or rotating: its next connection subscribes (and snapshots) everything
      this.counts.resubscribesSkippedSocketDown++;
      return;
    }
    this.lastResubscribe.set(key, now);
    this.counts.resubscribes++;
    this.log.info(`${plan.socket}: resubscribing the ${symbol} book for a fresh snapshot`);
  }
}
