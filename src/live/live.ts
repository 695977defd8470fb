/**
 * The live runtime (DESIGN.md sections 1 and 3): venue sockets, REST pollers, the one
 * pipeline `replay` uses, the data-dir writers and an optional recorder, in one process.
 *
 *   const live = LiveRunner.start({ clock, dataDir, symbols, venues, endpoints, record });
 *   live.status();          // every connection, poll, book and counter (for /health)
 *   await live.stop();      // sockets and pollers stopped, state flushed, recording closed
 *
 * One rule makes a recording replay into the same state files: every envelope the
 * pipeline handles is first written to the recording, with the same receive time `t`,
 * in the same order, and nothing else reaches the pipeline:
 *   - every data frame (`c` = its channel) and every control frame (acks, pongs, error
 *     replies, notices: `c: "control"`, counted by the normalizers);
 *   - every REST result that succeeded, as `rest.<name>` with its query `q` (a failed
 *     poll yields nothing: that venue simply has no reading, and the engines leave it out
 *     of the minute's ΔOI explicitly);
 *   - a `tick` every second, so minutes roll over in a quiet market;
 *   - a `disconnect` for every dropped connection, so the books resync in the replay too.
 * Wall time reaches the engines only through these envelopes' `t`.
 *
 * Book resyncs (src/live/book-resync.ts) fetch or resubscribe; their answers come back
 * through the same two doors.
 */

import { CaptureWriter } from '../capture/writer.js';
import { tickEnvelope, type Envelope } from '../capture/envelope.js';
import type { BackoffOptions } from '../connect/backoff.js';
import { silentLogger, type Logger } from '../connect/logger.js';
import { RestClient, RestPoller, type HttpTransport, type RestPollerStats, type RestResult } from '../connect/rest.js';
import { ReconnectingSocket, type ConnectionStats, type ControlFrameKind, type DisconnectNotice, type InboundFrame, type SocketFactory } from '../connect/socket.js';
import { restChannelOf, venueConnections, type BookResyncPlan, type Endpoints, type PollIntervals } from '../connect/venues/index.js';
import { messageOf } from '../errors.js';
import type { Venue } from '../events.js';
import type { OrderBookStatsJson } from '../engines/orderbook/stats-json.js';
import { createRuntime, type Runtime, type RuntimeOptions } from '../runtime.js';
import { DataDirSink } from '../store/data-dir-sink.js';
import type { FileQueueStats } from '../store/file-queue.js';
import type { PipelineCounts } from '../pipeline.js';
import { CONTROL_CHANNEL, disconnectEnvelope } from '../venues/index.js';
import type { TimerHandle, WallClock } from '../wall-clock.js';
import { BookResyncer, type BookResyncStats } from './book-resync.js';

export interface LiveOptions {
  readonly clock: WallClock;
  readonly dataDir: string;
  readonly symbols: readonly string[];
  readonly venues: readonly Venue[];
  readonly endpoints: Endpoints;
  /** Record every envelope to this capture (`.jsonl` or `.jsonl.gz`). */
  readonly record?: string;
  /** Extra fields for the capture header (e.g. `demo: true`). */
  readonly recordHeader?: Readonly<Record<string, unknown>>;
  /** Connection and poll logs (default: silent). */
  readonly logger?: Logger;
  /** Runtime overrides: sink options, restore, calibrator, order books. */
  readonly runtime?: Partial<Omit<RuntimeOptions, 'dataDir' | 'symbols' | 'onBookResync'>>;
  /** Tests: WebSocket factory, HTTP transport, reconnect backoff. */
  readonly socketFactory?: SocketFactory;
  readonly transport?: HttpTransport;
  readonly backoff?: BackoffOptions;
  /** Binance planned rotation (default 23.5 h); tests accelerate it. */
  readonly rotateEveryMs?: number;
  /** Poll periods (default OI 15 s, ratios 60 s, OKX instruments 1 h). */
  readonly pollEvery?: PollIntervals;
  /** REST request timeout, ms (default 10 000). */
  readonly restTimeoutMs?: number;
  /** Tick period, ms (default 1 000). */
  readonly tickEveryMs?: number;
  /** Recording flush period, ms (default 1 000: a gzip member a second). */
  readonly recordFlushEveryMs?: number;
  /** Binance bookTicker (default false). */
  readonly bookTicker?: boolean;
  /** Minimum time between two resubscribes of one Bybit/OKX book, ms (default 10 000). */
  readonly resubscribeEveryMs?: number;
}

export interface BookState {
  readonly synced: boolean;
  readonly state: string;
  readonly applied: number;
  readonly gaps: number;
  readonly resyncs: number;
  readonly resyncRequests: number;
}

export interface RecorderStatus {
  readonly file: string;
  readonly lines: number;
  readonly bytesWritten: number;
  /** Set when a write failed and recording stopped (the live run carries on). */
  readonly failed: string | undefined;
}

export interface LiveStatus {
  readonly at: number;
  readonly startedAt: number;
  readonly state: 'running' | 'stopping' | 'stopped';
  readonly symbols: readonly string[];
  readonly venues: readonly Venue[];
  readonly connections: readonly ConnectionStats[];
  readonly rest: RestPollerStats;
  readonly resync: BookResyncStats;
  /** Book state per symbol and venue. */
  readonly books: Readonly<Record<string, Readonly<Partial<Record<Venue, BookState>>>>>;
  readonly pipeline: Pick<PipelineCounts, 'envelopes' | 'events' | 'dropped' | 'control'>;
  readonly ticks: number;
  /** Disconnect envelopes sent to the pipeline. */
  readonly disconnects: number;
  /** REST failures by venue (each also reported in `rest`). */
  readonly restFailures: Readonly<Partial<Record<Venue, number>>>;
  /** Exceptions caught around the pipeline (a bug or a write failure): the run carries on. */
  readonly pipelineErrors: number;
  readonly sinkErrors: number;
  /** The data-dir writes waiting for the disk (absent when the runtime writes elsewhere). */
  readonly writeQueue: Readonly<FileQueueStats> | undefined;
  readonly recorder: RecorderStatus | undefined;
}

export class LiveRunner {
  readonly runtime: Runtime;
  readonly sockets: readonly ReconnectingSocket[];
  readonly poller: RestPoller;
  readonly resyncer: BookResyncer;
  private readonly options: LiveOptions;
  private readonly clock: WallClock;
  private readonly log: Logger;
  private readonly startedAt: number;
  private recorder: CaptureWriter | undefined;
  private recorderFailed: string | undefined;
  private tickTimer: TimerHandle | undefined;
  private flushTimer: TimerHandle | undefined;
  private pendingFlush: Promise<void> | undefined;
  private state: LiveStatus['state'] = 'running';
  private stopping: Promise<LiveStatus> | undefined;
  private ticks = 0;
  private disconnects = 0;
  private pipelineErrors = 0;
  private sinkErrors = 0;
  private lastPipelineErrorLog = Number.NEGATIVE_INFINITY;
  private readonly restFailures: Partial<Record<Venue, number>> = {};

  private constructor(options: LiveOptions) {
    this.options = options;
    this.clock = options.clock;
    this.log = options.logger ?? silentLogger;
    this.startedAt = options.clock.now();
    if (options.record !== undefined) {
      this.recorder = new CaptureWriter(options.record, {
        header: { started: this.startedAt, symbols: options.symbols, venues: options.venues, source: 'moonstream live', ...options.recordHeader },
        // flushed by the timer (gzip compressed off the event loop), not per line
        flushBytes: 64 * 1024 * 1024,
      });
    }
    const plans = new Map<Venue, BookResyncPlan>();
    const sockets: ReconnectingSocket[] = [];
    const clients: RestClient[] = [];
    const connections = options.venues.map((venue) =>
      venueConnections(venue, {
        symbols: options.symbols,
        endpoints: options.endpoints,
        ...(options.bookTicker !== undefined ? { bookTicker: options.bookTicker } : {}),
        ...(options.pollEvery !== undefined ? { pollEvery: options.pollEvery } : {}),
        ...(options.rotateEveryMs !== undefined ? { rotateEveryMs: options.rotateEveryMs } : {}),
      }),
    );
    for (const c of connections) {
      plans.set(c.venue, c.bookResync);
      for (const spec of c.sockets) {
        const depthSocket = c.bookResync.kind === 'snapshot' && c.bookResync.socket === spec.name;
        sockets.push(
          new ReconnectingSocket(spec, {
            clock: this.clock,
            logger: this.log,
            onFrame: depthSocket ? (frame) => this.onDepthSocketFrame(frame) : (frame) => this.onFrame(frame),
            onControl: (frame, kind) => this.onControl(frame, kind),
            onDisconnect: (notice) => this.onDisconnect(notice),
            ...(options.socketFactory ? { socketFactory: options.socketFactory } : {}),
            ...(options.backoff ? { backoff: options.backoff } : {}),
          }),
        );
      }
      clients.push(
        new RestClient(c.rest, {
          clock: this.clock,
          logger: this.log,
          ...(options.transport ? { transport: options.transport } : {}),
          ...(options.restTimeoutMs !== undefined ? { timeoutMs: options.restTimeoutMs } : {}),
        }),
      );
    }
    this.sockets = sockets;
    this.poller = new RestPoller({ clock: this.clock, clients, onResult: (result) => this.onRest(result), logger: this.log });
    for (const c of connections) for (const poll of c.polls) this.poller.add(poll);
    this.resyncer = new BookResyncer({
      clock: this.clock,
      logger: this.log,
      plans,
      sockets: new Map(sockets.map((s) => [s.spec.name, s])),
      poller: this.poller,
      ...(options.resubscribeEveryMs !== undefined ? { resubscribeEveryMs: options.resubscribeEveryMs } : {}),
    });
    const warn = options.runtime?.onWarning ?? ((message: string) => this.log.warn(message));
    this.runtime = createRuntime({
      ...options.runtime,
      dataDir: options.dataDir,
      symbols: options.symbols,
      onWarning: warn,
      sink: {
        // the event loop never waits for the disk: a rename or an fsync stalled behind a
        // busy disk would otherwise hold every socket's messages
        queued: true,
        onError: (error, file) => {
          this.sinkErrors++;
          if (this.sinkErrors === 1 || this.sinkErrors % 100 === 0) this.log.error(`writing ${file} failed: ${messageOf(error)} (${this.sinkErrors} write failures so far)`);
        },
        ...options.runtime?.sink,
      },
      onBookResync: (symbol, venue, reason) => this.resyncer.request(symbol, venue, reason),
    });
  }

  /** Build everything and start connecting, polling and ticking. */
  static start(options: LiveOptions): LiveRunner {
    const live = new LiveRunner(options);
    for (const socket of live.sockets) socket.start();
    live.poller.start();
    live.tickTimer = live.clock.setInterval(() => live.tick(), options.tickEveryMs ?? 1_000);
    if (live.recorder !== undefined) live.flushTimer = live.clock.setInterval(() => live.flushRecording(), options.recordFlushEveryMs ?? 1_000);
    return live;
  }

  /** Stop sockets and pollers, flush the engines' state and close the recording. Idempotent. */
  stop(): Promise<LiveStatus> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  status(): LiveStatus {
    const counts = this.runtime.pipeline.counts();
    const rec = this.recorder;
    return {
      at: this.clock.now(),
      startedAt: this.startedAt,
      state: this.state,
      symbols: this.options.symbols,
      venues: this.options.venues,
      connections: this.sockets.map((s) => s.stats()),
      rest: this.poller.stats(),
      resync: this.resyncer.stats(),
      books: this.books(),
      pipeline: { envelopes: counts.envelopes, events: counts.events, dropped: counts.dropped, control: counts.control },
      ticks: this.ticks,
      disconnects: this.disconnects,
      restFailures: { ...this.restFailures },
      pipelineErrors: this.pipelineErrors,
      sinkErrors: this.sinkErrors,
      writeQueue: this.runtime.sink instanceof DataDirSink && this.runtime.sink.stats.queue ? { ...this.runtime.sink.stats.queue } : undefined,
      recorder:
        this.options.record === undefined
          ? undefined
          : { file: this.options.record, lines: rec?.stats.lines ?? 0, bytesWritten: rec?.stats.bytesWritten ?? 0, failed: this.recorderFailed },
    };
  }

  // ---- the two doors: record, then handle ----

  private onFrame(frame: InboundFrame): void {
    this.record(frame.receivedAt, frame.venue, frame.channel, frame.text, frame.parsed, undefined);
    this.handle({ t: frame.receivedAt, v: frame.venue, c: frame.channel, d: frame.parsed });
  }

  private onDepthSocketFrame(frame: InboundFrame): void {
    this.onFrame(frame);
    if (frame.channel.startsWith('depth')) this.resyncer.depthFlowing();
  }

  private onControl(frame: InboundFrame, _kind: ControlFrameKind): void {
    this.record(frame.receivedAt, frame.venue, CONTROL_CHANNEL, frame.text, frame.parsed, undefined);
    this.handle({ t: frame.receivedAt, v: frame.venue, c: CONTROL_CHANNEL, d: frame.parsed });
  }

  private onDisconnect(notice: DisconnectNotice): void {
    this.disconnects++;
    const envelope = disconnectEnvelope(notice.at, notice.venue as Venue, `${notice.connection}: ${notice.reason}`, notice.symbols);
    this.recordEnvelope(envelope);
    this.handle(envelope);
  }

  private onRest(result: RestResult): void {
    if (!result.ok) {
      const venue = result.venue as Venue;
      this.restFailures[venue] = (this.restFailures[venue] ?? 0) + 1;
      return;
    }
    const channel = restChannelOf(result.name);
    this.record(result.receivedAt, result.venue, channel, result.text, result.body, result.query);
    this.handle({ t: result.receivedAt, v: result.venue, c: channel, d: result.body, q: result.query });
  }

  private tick(): void {
    if (this.state !== 'running') return;
    this.ticks++;
    const envelope = tickEnvelope(this.clock.now());
    this.recordEnvelope(envelope);
    this.handle(envelope);
  }

  private handle(envelope: Envelope): void {
    try {
      this.runtime.pipeline.handle(envelope);
    } catch (error) {
      this.pipelineErrors++;
      const now = this.clock.now();
      if (now - this.lastPipelineErrorLog >= 60_000) {
        this.lastPipelineErrorLog = now;
        this.log.error(`the pipeline threw on a ${envelope.v} ${envelope.c} envelope: ${messageOf(error)} (${this.pipelineErrors} so far)`);
      }
    }
  }

  // ---- recording ----

  /** A frame's own text when it is one line of JSON; re-serialized otherwise (OKX's text `pong`, pretty-printed bodies). */
  private record(t: number, v: string, c: string, text: string, parsed: unknown, q: Readonly<Record<string, string | number>> | undefined): void {
    const rec = this.recorder;
    if (rec === undefined) return;
    try {
      const oneLine = typeof parsed !== 'string' && text.indexOf('\n') === -1 && text.indexOf('\r') === -1;
      rec.writeRaw(t, v, c, oneLine ? text : JSON.stringify(parsed), q);
    } catch (error) {
      this.recordingFailed(error);
    }
  }

  private recordEnvelope(envelope: Envelope): void {
    const rec = this.recorder;
    if (rec === undefined) return;
    try {
      rec.write(envelope);
    } catch (error) {
      this.recordingFailed(error);
    }
  }

  private flushRecording(): void {
    const rec = this.recorder;
    if (rec === undefined || this.pendingFlush !== undefined) return;
    this.pendingFlush = rec
      .flushAsync()
      .catch((error: unknown) => this.recordingFailed(error))
      .finally(() => {
        this.pendingFlush = undefined;
      });
  }

  private recordingFailed(error: unknown): void {
    if (this.recorderFailed !== undefined) return;
    this.recorderFailed = messageOf(error);
    this.log.error(`recording to ${this.options.record} failed, recording stopped (the live run carries on): ${this.recorderFailed}`);
    try {
      this.recorder?.close();
    } catch {
      // the file is unusable anyway
    }
    this.recorder = undefined;
  }

  // ---- shutdown ----

  private async shutdown(): Promise<LiveStatus> {
    this.state = 'stopping';
    this.clock.clearInterval(this.tickTimer);
    this.clock.clearInterval(this.flushTimer);
    this.resyncer.stop();
    await Promise.all(this.sockets.map((s) => s.stop()));
    await this.poller.stop();
    try {
      this.runtime.close();
    } catch (error) {
      this.log.error(`flushing the state files failed: ${messageOf(error)}`);
    }
    await this.runtime.drain();
    await this.pendingFlush;
    try {
      this.recorder?.close();
    } catch (error) {
      this.recordingFailed(error);
    }
    this.state = 'stopped';
    return this.status();
  }

  private books(): Record<string, Partial<Record<Venue, BookState>>> {
    const out: Record<string, Partial<Record<Venue, BookState>>> = {};
    for (const symbol of this.runtime.manager.symbols) {
      const engine = this.runtime.manager.get(symbol)!;
      const stats = engine.orderBook.stats() as Partial<OrderBookStatsJson>;
      const perVenue: Partial<Record<Venue, BookState>> = {};
      for (const [venue, b] of Object.entries(stats.venues ?? {})) {
        if (b === undefined) continue;
        perVenue[venue as Venue] = {
          synced: b.synced,
          state: b.state,
          applied: b.diffs_applied,
          gaps: b.gaps,
          resyncs: b.resyncs,
          resyncRequests: b.resync_requests,
        };
      }
      out[symbol] = perVenue;
    }
    return out;
  }
}
