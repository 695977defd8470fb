/**
 * The one reconnecting WebSocket loop, used for every venue connection (STYLE.md).
 * A `SocketSpec` (src/connect/socket-spec.ts) supplies the venue's facts; this file
 * supplies the mechanism:
 *
 * - connect with a timeout; send the subscribe messages within the venue's client
 *   message rate; check every acknowledgement (a rejected subscription is an error
 *   naming its streams; error frames are logged with their text);
 * - keepalive (interval or idle pings, expecting a reply within a deadline; the `ws`
 *   library answers server pings);
 * - a per-channel watchdog: an open connection whose high-rate channels fall silent
 *   (Binance's retired `/ws` path accepts the handshake and then sends nothing) or whose
 *   keepalive goes unanswered is terminated and reconnected;
 * - reconnect with capped exponential backoff (1 s → 32 s, jitter), reset after the
 *   first good frame, and a disconnect notice to the caller on every drop so the books
 *   of that venue resync;
 * - planned rotation (Binance closes every connection at 24 h): the replacement opens
 *   before the old connection closes, and during the overlap each frame is forwarded
 *   once, in order, by its ordering key (see `Rotation`);
 * - statistics for /health and the dashboard.
 *
 * The per-frame path does no allocation of its own beyond the frame's text: the
 * classifier writes into one reused `FrameInfo`, frames go to the caller in one reused
 * `InboundFrame`, and the watchdog and keepalive run on a once-a-second check instead of
 * per-frame timers.
 */

import WebSocket from 'ws';
import { MoonstreamError, messageOf } from '../errors.js';
import { assertNever } from '../events.js';
import type { TimerHandle, WallClock } from '../wall-clock.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { silentLogger, type Logger } from './logger.js';
import { RateMeter } from './rate-meter.js';
import { newFrameInfo, type FrameInfo, type FrameKind, type SocketSpec, type SubscribeRequest } from './socket-spec.js';

/**
 * A data frame handed to the caller. ONE object per connection is reused for every
 * frame: read it during the callback, copy what you keep.
 */
export interface InboundFrame {
  /** The connection's name (`binance.public`). */
  readonly connection: string;
  readonly venue: string;
  /** The frame exactly as received (record it with `CaptureWriter.writeRaw`). */
  readonly text: string;
  /** Local receive time from the clock, epoch ms (the envelope's `t`). */
  readonly receivedAt: number;
  /** The envelope channel the classifier named (`depth@100ms`). */
  readonly channel: string;
  /** The parsed JSON if the classifier parsed it, else undefined. */
  readonly parsed: unknown;
}

/** Sent on every drop of an open connection: the pipeline turns it into a `Disconnect` event. */
export interface DisconnectNotice {
  readonly connection: string;
  readonly venue: string;
  /** The symbols the connection carried (from the spec), when known. */
  readonly symbols: readonly string[] | undefined;
  /** Clock time of the drop, epoch ms. */
  readonly at: number;
  readonly reason: string;
}

/** The non-data frame kinds `onControl` reports. */
export type ControlFrameKind = Exclude<FrameKind, 'data' | 'garbage'>;

export type SocketFactory = (url: string) => WebSocket;

/** Default factory: no per-message compression (saves CPU on the hot path). */
export const defaultSocketFactory: SocketFactory = (url) => new WebSocket(url, { perMessageDeflate: false });

export interface ReconnectingSocketOptions {
  readonly clock: WallClock;
  /** Every data frame, in order, once. */
  readonly onFrame: (frame: InboundFrame) => void;
  /** Every drop of an open connection (not planned handovers that lost nothing). */
  readonly onDisconnect?: (notice: DisconnectNotice) => void;
  /**
   * Every recognised frame that is not data (acks, pongs, error frames, ignored notices,
   * rotation notices), from every link, so a recorder can keep them. `frame.channel` is
   * empty; `frame.parsed` holds what the classifier parsed (the text `pong` of OKX as
   * the string). Garbage is never handed on (counted and described in the stats).
   */
  readonly onControl?: (frame: InboundFrame, kind: ControlFrameKind) => void;
  /** Default: silent. */
  readonly logger?: Logger;
  /** Default: `ws` without compression. */
  readonly socketFactory?: SocketFactory;
  /** Reconnect backoff (default 1 s → 32 s, jitter 0.25, Math.random). */
  readonly backoff?: BackoffOptions;
  /** Handshake deadline, ms (default 10 000). */
  readonly connectTimeoutMs?: number;
  /** An unacknowledged subscription is reported after this, ms (default 10 000). */
  readonly ackTimeoutMs?: number;
  /** Overrides the spec's `rotateEveryMs` (tests accelerate the 24-hour rotation). */
  readonly rotateEveryMs?: number;
  /** Longest overlap of old and replacement connection before the handover is forced, ms (default 30 000). */
  readonly maxOverlapMs?: number;
  /** Wait before retrying a failed rotation, ms (default 60 000). */
  readonly rotationRetryMs?: number;
  /** Period of the watchdog / keepalive / ack check, ms (default 1 000). */
  readonly checkEveryMs?: number;
  /** Wait for a graceful close before terminating, ms (default 5 000). */
  readonly closeTimeoutMs?: number;
  /** Window of the messages-per-second figure, s (default 10). */
  readonly rateWindowSeconds?: number;
}

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ChannelStats {
  /** Data frames of the channel forwarded. */
  readonly messages: number;
  readonly lastSeenAt: number;
  readonly ageMs: number;
}

export interface FrameCounts {
  readonly data: number;
  readonly ack: number;
  readonly pong: number;
  readonly error: number;
  readonly control: number;
  readonly rotate: number;
  readonly garbage: number;
}

export interface ConnectionStats {
  readonly connection: string;
  readonly venue: string;
  readonly url: string;
  readonly state: ConnectionState;
  /** When the current connection opened (undefined when not open). */
  readonly connectedSince: number | undefined;
  /** Frames received on every socket of this connection, including overlap duplicates. */
  readonly messages: number;
  readonly bytes: number;
  readonly messagesPerSecond: number;
  readonly lastMessageAt: number | undefined;
  readonly lastMessageAgeMs: number | undefined;
  /** Received frames by kind. */
  readonly frames: FrameCounts;
  /** Data frames handed to the caller. */
  readonly forwarded: number;
  /**
   * Frames not forwarded during a rotation because the other connection delivers them
   * (duplicates, and frames of the replacement the old connection still owes).
   */
  readonly duplicatesDropped: number;
  readonly serverPings: number;
  readonly keepalivePings: number;
  /** Replies to our keepalive pings (pong frames and pong control frames). */
  readonly keepaliveReplies: number;
  /** Connections that reached open. */
  readonly connects: number;
  /** Connection attempts after a drop or failed attempt. */
  readonly reconnects: number;
  /** Disconnect notices sent. */
  readonly disconnects: number;
  readonly rotations: number;
  readonly rotationFailures: number;
  readonly rotating: boolean;
  readonly watchdogTrips: number;
  readonly keepaliveTimeouts: number;
  readonly connectTimeouts: number;
  readonly ackTimeouts: number;
  readonly subscriptions: {
    /** Subscribe messages sent. */
    readonly sent: number;
    readonly acked: number;
    /** Streams the venue rejected (on the current connection). */
    readonly rejected: readonly string[];
  };
  /** Exceptions thrown by the caller's `onFrame` / `onDisconnect` (caught: the loop carries on). */
  readonly callbackErrors: number;
  readonly lastError: { readonly at: number; readonly message: string } | undefined;
  readonly lastGarbage: { readonly at: number; readonly reason: string; readonly excerpt: string } | undefined;
  readonly channels: Readonly<Record<string, ChannelStats>>;
  /** When the next reconnect attempt is due (while reconnecting). */
  readonly nextReconnectAt: number | undefined;
}

interface Counters {
  messages: number;
  bytes: number;
  data: number;
  ack: number;
  pong: number;
  error: number;
  control: number;
  rotate: number;
  garbage: number;
  forwarded: number;
  duplicatesDropped: number;
  serverPings: number;
  keepalivePings: number;
  keepaliveReplies: number;
  connects: number;
  reconnects: number;
  disconnects: number;
  rotations: number;
  rotationFailures: number;
  watchdogTrips: number;
  keepaliveTimeouts: number;
  connectTimeouts: number;
  ackTimeouts: number;
  subscriptionsSent: number;
  subscriptionsAcked: number;
  callbackErrors: number;
}

function zeroCounters(): Counters {
  return {
    messages: 0,
    bytes: 0,
    data: 0,
    ack: 0,
    pong: 0,
    error: 0,
    control: 0,
    rotate: 0,
    garbage: 0,
    forwarded: 0,
    duplicatesDropped: 0,
    serverPings: 0,
    keepalivePings: 0,
    keepaliveReplies: 0,
    connects: 0,
    reconnects: 0,
    disconnects: 0,
    rotations: 0,
    rotationFailures: 0,
    watchdogTrips: 0,
    keepaliveTimeouts: 0,
    connectTimeouts: 0,
    ackTimeouts: 0,
    subscriptionsSent: 0,
    subscriptionsAcked: 0,
    callbackErrors: 0,
  };
}

interface MutableChannelStats {
  messages: number;
  lastSeenAt: number;
}

/** Why a link was faulted: counted separately. */
type FaultKind = 'watchdog' | 'keepalive' | 'connect-timeout';

/**
 * A planned rotation. Phase 'overlap': the old connection is still the primary and the
 * replacement is connecting or open. Rule per keyed stream: a frame is forwarded only
 * when its key is above the last forwarded key of its stream; frames of the old
 * connection always may be (it has delivered every earlier frame), frames of the
 * replacement only once its previous frame of that stream is at or below the last
 * forwarded key (so nothing between them can be missing). The handover happens when
 * the replacement is "caught up": every subscription acknowledged, data delivered, and
 * for every stream either connection delivered since the rotation began, the
 * replacement has delivered it and stands at or below the last forwarded key. From then
 * on the replacement alone covers everything after the last forwarded keys. Phase
 * 'settle': the old connection is closed; the replacement's frames at or below a
 * stream's last forwarded key are duplicates and dropped until it passes that key (or
 * `maxOverlapMs` ends it). Unkeyed frames come from the primary only. A stream that
 * stays silent on the replacement (a sparse one) holds the handover until `maxOverlapMs`.
 */
interface Rotation {
  readonly reason: string;
  readonly old: Link;
  readonly next: Link;
  readonly startedAt: number;
  phase: 'overlap' | 'settle';
  /** Last forwarded key per stream since the rotation began. */
  readonly last: Map<string, number>;
  /** The replacement's latest key per stream (overlap). */
  readonly latestNext: Map<string, number>;
  nextFirstDataAt: number;
  /** Data frames the old connection forwarded since the replacement opened. */
  oldForwardedSinceNextOpen: number;
  duplicates: number;
  timer: TimerHandle | undefined;
}

interface OutboundMessage {
  /** Text to send, or undefined for a WebSocket ping control frame. */
  readonly text: string | undefined;
  /** The subscription whose ack timer starts when it is sent. */
  readonly subscription: SubscribeRequest | undefined;
}

interface PendingAck {
  readonly request: SubscribeRequest;
  sentAt: number;
}

/** What a link needs from its connection (kept off the connection's public surface). */
interface LinkHost {
  readonly spec: SocketSpec;
  readonly clock: WallClock;
  readonly socketFactory: SocketFactory;
  readonly connectTimeoutMs: number;
  readonly ackTimeoutMs: number;
  readonly checkEveryMs: number;
  readonly closeTimeoutMs: number;
  readonly maxClientMessagesPerSecond: number;
  readonly watchdog: ReadonlyArray<readonly [string, number]>;
  readonly counters: Counters;
  opened(link: Link): void;
  message(link: Link, data: WebSocket.RawData, isBinary: boolean): void;
  down(link: Link, reason: string): void;
  noteError(line: string): void;
}

/** One physical WebSocket of a connection (two during a rotation overlap). */
class Link {
  state: 'new' | 'connecting' | 'open' | 'ended' = 'new';
  openedAt = Number.NaN;
  lastActivityAt = Number.NaN;
  awaitingReplySince = Number.NaN;
  lastPingAt = Number.NaN;
  goodFrames = 0;
  readonly channelSeen = new Map<string, number>();
  readonly pendingAcks = new Map<string, PendingAck>();
  readonly rejected: string[] = [];
  private ws: WebSocket | undefined;
  private lastErrorText = '';
  private connectTimer: TimerHandle | undefined;
  private checkTimer: TimerHandle | undefined;
  private flushTimer: TimerHandle | undefined;
  private readonly outbox: OutboundMessage[] = [];
  /** Send times of the last `maxPerSecond` client messages (ring). */
  private readonly sendTimes: Float64Array;
  private sendIndex = 0;
  private closed: Promise<void> | undefined;

  constructor(private readonly host: LinkHost) {
    this.sendTimes = new Float64Array(host.maxClientMessagesPerSecond).fill(Number.NaN);
  }

  connect(): void {
    const { clock } = this.host;
    this.state = 'connecting';
    this.connectTimer = clock.setTimeout(() => {
      this.connectTimer = undefined;
      if (this.state === 'connecting') this.fault('connect-timeout', `no connection within ${seconds(this.host.connectTimeoutMs)}`);
    }, this.host.connectTimeoutMs);
    let ws: WebSocket;
    try {
      ws = this.host.socketFactory(this.host.spec.url);
    } catch (error) {
      this.down(`could not open a socket: ${messageOf(error)}`);
      return;
    }
    this.ws = ws;
    ws.on('open', this.onOpen);
    ws.on('message', this.onMessage);
    ws.on('ping', this.onPing);
    ws.on('pong', this.onPong);
    ws.on('error', this.onError);
    ws.on('close', this.onClose);
  }

  /** Stop using this socket: `terminate` drops it at once, `close` says goodbye first. */
  end(mode: 'terminate' | 'close', reason = ''): Promise<void> {
    if (this.closed) return this.closed;
    this.state = 'ended';
    this.clearTimers();
    const ws = this.ws;
    if (ws === undefined) {
      this.closed = Promise.resolve();
      return this.closed;
    }
    ws.removeAllListeners();
    ws.on('error', () => {}); // late errors of a socket we no longer use are expected
    this.closed = new Promise<void>((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) return resolve();
      const { clock } = this.host;
      let timer: TimerHandle | undefined;
      ws.once('close', () => {
        clock.clearTimeout(timer);
        resolve();
      });
      if (mode === 'terminate' || ws.readyState !== WebSocket.OPEN) {
        ws.terminate();
        return;
      }
      ws.close(1000, reason);
      timer = clock.setTimeout(() => ws.terminate(), this.host.closeTimeoutMs);
    });
    return this.closed;
  }

  /** Extra requests on an open link: acks tracked like the subscriptions sent on open. */
  request(requests: readonly SubscribeRequest[]): void {
    for (const request of requests) this.pendingAcks.set(request.id, { request, sentAt: Number.NaN });
    for (const request of requests) this.send({ text: request.message, subscription: request });
  }

  /** Queue a client message; sent within the venue's per-connection message rate. */
  send(message: OutboundMessage): void {
    this.outbox.push(message);
    this.flush();
  }

  private flush(): void {
    if (this.flushTimer !== undefined) return;
    const { clock } = this.host;
    const ring = this.sendTimes;
    while (this.outbox.length > 0 && this.state === 'open') {
      const now = clock.now();
      const nthPrevious = ring[this.sendIndex]!;
      if (now - nthPrevious < 1000) {
        this.flushTimer = clock.setTimeout(() => {
          this.flushTimer = undefined;
          this.flush();
        }, nthPrevious + 1000 - now);
        return;
      }
      const message = this.outbox.shift()!;
      ring[this.sendIndex] = now;
      this.sendIndex = (this.sendIndex + 1) % ring.length;
      if (message.text === undefined) this.ws!.ping();
      else this.ws!.send(message.text);
      if (message.subscription !== undefined) {
        const pending = this.pendingAcks.get(message.subscription.id);
        if (pending) pending.sentAt = now;
        this.host.counters.subscriptionsSent++;
      }
    }
  }

  private readonly onOpen = (): void => {
    if (this.state !== 'connecting') return;
    const { clock, spec } = this.host;
    const now = clock.now();
    this.state = 'open';
    this.openedAt = now;
    this.lastActivityAt = now;
    clock.clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.checkTimer = clock.setInterval(this.check, this.host.checkEveryMs);
    let requests: readonly SubscribeRequest[];
    try {
      requests = spec.subscribe?.() ?? [];
    } catch (error) {
      this.down(`could not build the subscribe messages: ${messageOf(error)}`);
      return;
    }
    for (const request of requests) this.pendingAcks.set(request.id, { request, sentAt: Number.NaN });
    for (const request of requests) this.send({ text: request.message, subscription: request });
    this.host.opened(this);
  };

  private readonly onMessage = (data: WebSocket.RawData, isBinary: boolean): void => {
    if (this.state !== 'open') return;
    this.host.message(this, data, isBinary);
  };

  private readonly onPing = (): void => {
    this.lastActivityAt = this.host.clock.now();
    this.host.counters.serverPings++;
  };

  private readonly onPong = (): void => {
    this.lastActivityAt = this.host.clock.now();
    this.awaitingReplySince = Number.NaN;
    this.host.counters.keepaliveReplies++;
  };

  private readonly onError = (error: Error): void => {
    this.lastErrorText = messageOf(error);
  };

  private readonly onClose = (code: number, reason: Buffer): void => {
    if (this.state === 'ended') return;
    const wasOpen = this.state === 'open';
    const text = reason.length > 0 ? `: ${reason.toString()}` : '';
    if (!wasOpen) this.down(`could not connect: ${this.lastErrorText || `closed with code ${code}${text}`}`);
    else if (this.lastErrorText) this.down(`connection error: ${this.lastErrorText} (code ${code}${text})`);
    else this.down(`closed by the venue (code ${code}${text})`);
  };

  /** Once a second: ack deadlines, keepalive, watchdog. */
  private readonly check = (): void => {
    if (this.state !== 'open') return;
    const { clock, spec, counters } = this.host;
    const now = clock.now();
    for (const [id, pending] of this.pendingAcks) {
      if (!(now - pending.sentAt >= this.host.ackTimeoutMs)) continue;
      this.pendingAcks.delete(id);
      counters.ackTimeouts++;
      this.host.noteError(
        `${spec.name}: no acknowledgement within ${seconds(this.host.ackTimeoutMs)} for subscription ${id} (${pending.request.streams.join(', ')})`,
      );
    }
    const keepalive = spec.keepalive;
    if (keepalive !== undefined) {
      if (now - this.awaitingReplySince >= keepalive.replyTimeoutMs) {
        this.fault('keepalive', `no reply to the keepalive ping within ${seconds(keepalive.replyTimeoutMs)}`);
        return;
      }
      if (Number.isNaN(this.awaitingReplySince)) {
        const due =
          keepalive.kind === 'interval'
            ? now - (Number.isNaN(this.lastPingAt) ? this.openedAt : this.lastPingAt) >= keepalive.everyMs
            : now - this.lastActivityAt >= keepalive.idleMs;
        if (due) {
          this.lastPingAt = now;
          this.awaitingReplySince = now;
          counters.keepalivePings++;
          this.send({ text: keepalive.message, subscription: undefined });
        }
      }
    }
    for (const [channel, maxSilenceMs] of this.host.watchdog) {
      const since = this.channelSeen.get(channel) ?? this.openedAt;
      if (now - since >= maxSilenceMs) {
        const what = this.channelSeen.has(channel) ? 'no frame' : 'no frame since the connection opened';
        this.fault('watchdog', `connected but silent: ${what} on channel "${channel}" for ${seconds(now - since)}`);
        return;
      }
    }
  };

  private fault(kind: FaultKind, reason: string): void {
    const { counters } = this.host;
    switch (kind) {
      case 'watchdog':
        counters.watchdogTrips++;
        break;
      case 'keepalive':
        counters.keepaliveTimeouts++;
        break;
      case 'connect-timeout':
        counters.connectTimeouts++;
        break;
      default:
        assertNever(kind);
    }
    void this.end('terminate');
    this.host.down(this, reason);
  }

  private down(reason: string): void {
    if (this.state === 'ended') return;
    void this.end('terminate');
    this.host.down(this, reason);
  }

  private clearTimers(): void {
    const { clock } = this.host;
    clock.clearTimeout(this.connectTimer);
    clock.clearInterval(this.checkTimer);
    clock.clearTimeout(this.flushTimer);
    this.connectTimer = this.checkTimer = this.flushTimer = undefined;
  }
}

/** `12 s`, `1.5 s`, `250 ms`. */
function seconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

function toText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function byteLength(data: WebSocket.RawData): number {
  if (Array.isArray(data)) {
    let n = 0;
    for (const part of data) n += part.length;
    return n;
  }
  return data.byteLength;
}

const GARBAGE_LOG_EVERY_MS = 60_000;

/**
 * One logical venue connection that stays up: reconnects, keeps alive, watches for
 * silence and rotates before the venue's forced disconnect.
 *
 * ```ts
 * const socket = new ReconnectingSocket(spec, { clock, onFrame, onDisconnect, logger });
 * socket.start();
 * // … socket.stats() for /health …
 * await socket.stop();
 * ```
 */
export class ReconnectingSocket {
  readonly spec: SocketSpec;
  private readonly clock: WallClock;
  private readonly counters: Counters = zeroCounters();
  private readonly log: Logger;
  private readonly host: LinkHost;
  private readonly onFrame: (frame: InboundFrame) => void;
  private readonly onDisconnect: ((notice: DisconnectNotice) => void) | undefined;
  private readonly onControl: ((frame: InboundFrame, kind: ControlFrameKind) => void) | undefined;
  private readonly backoff: Backoff;
  private readonly rotateEveryMs: number | undefined;
  private readonly maxOverlapMs: number;
  private readonly rotationRetryMs: number;
  private readonly info: FrameInfo = newFrameInfo();
  private readonly frame: {
    connection: string;
    venue: string;
    text: string;
    receivedAt: number;
    channel: string;
    parsed: unknown;
  };
  private readonly channels = new Map<string, MutableChannelStats>();
  private readonly rate: RateMeter;
  private currentState: ConnectionState = 'idle';
  private primary: Link | undefined;
  private rotation: Rotation | undefined;
  private reconnectTimer: TimerHandle | undefined;
  private rotationTimer: TimerHandle | undefined;
  private nextReconnectAt: number | undefined;
  private lastMessageAt = Number.NaN;
  private lastError: { at: number; message: string } | undefined;
  private lastGarbage: { at: number; reason: string; excerpt: string } | undefined;
  private lastGarbageLogAt = Number.NEGATIVE_INFINITY;
  private lastCallbackErrorLogAt = Number.NEGATIVE_INFINITY;
  private stopping: Promise<void> | undefined;

  constructor(spec: SocketSpec, options: ReconnectingSocketOptions) {
    validateSpec(spec);
    this.spec = spec;
    this.clock = options.clock;
    this.onFrame = options.onFrame;
    this.onDisconnect = options.onDisconnect;
    this.onControl = options.onControl;
    this.log = options.logger ?? silentLogger;
    this.backoff = new Backoff(options.backoff);
    this.host = {
      spec,
      clock: options.clock,
      socketFactory: options.socketFactory ?? defaultSocketFactory,
      connectTimeoutMs: positive(options.connectTimeoutMs ?? 10_000, 'connectTimeoutMs'),
      ackTimeoutMs: positive(options.ackTimeoutMs ?? 10_000, 'ackTimeoutMs'),
      checkEveryMs: positive(options.checkEveryMs ?? 1_000, 'checkEveryMs'),
      closeTimeoutMs: positive(options.closeTimeoutMs ?? 5_000, 'closeTimeoutMs'),
      maxClientMessagesPerSecond: Math.max(1, Math.floor(spec.maxClientMessagesPerSecond ?? 5)),
      watchdog: Object.entries(spec.watchdog ?? {}),
      counters: this.counters,
      opened: (link) => this.linkOpened(link),
      message: (link, data, isBinary) => this.linkMessage(link, data, isBinary),
      down: (link, reason) => this.linkDown(link, reason),
      noteError: (line) => this.noteError(line),
    };
    this.maxOverlapMs = positive(options.maxOverlapMs ?? 30_000, 'maxOverlapMs');
    this.rotationRetryMs = positive(options.rotationRetryMs ?? 60_000, 'rotationRetryMs');
    const rotateEveryMs = options.rotateEveryMs ?? spec.rotateEveryMs;
    this.rotateEveryMs = rotateEveryMs === undefined ? undefined : positive(rotateEveryMs, 'rotateEveryMs');
    this.rate = new RateMeter(options.rateWindowSeconds ?? 10);
    this.frame = { connection: spec.name, venue: spec.venue, text: '', receivedAt: 0, channel: '', parsed: undefined };
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** Begin connecting. Idempotent. */
  start(): void {
    if (this.currentState !== 'idle') return;
    this.openPrimary();
  }

  /**
   * Hand over to a fresh connection now (the timer does this every `rotateEveryMs`; a
   * venue's "closing soon" notice does it early). False when not open or already rotating.
   */
  rotate(reason = 'requested'): boolean {
    const primary = this.primary;
    if (this.stopping || this.rotation || primary === undefined || primary.state !== 'open') return false;
    this.clock.clearTimeout(this.rotationTimer);
    this.rotationTimer = undefined;
    const next = new Link(this.host);
    this.rotation = {
      reason,
      old: primary,
      next,
      startedAt: this.clock.now(),
      phase: 'overlap',
      last: new Map(),
      latestNext: new Map(),
      nextFirstDataAt: Number.NaN,
      oldForwardedSinceNextOpen: 0,
      duplicates: 0,
      timer: undefined,
    };
    this.log.info(`${this.spec.name}: rotating (${reason}): opening a replacement before closing the current connection`);
    next.connect();
    return true;
  }

  /**
   * Send client requests on the open connection now, within the venue's client message
   * rate, with their acknowledgements checked like the spec's subscriptions (a book
   * resubscribe: unsubscribe, then subscribe, whose first push is a fresh snapshot).
   * False when no connection is open or a rotation is under way: a new connection
   * subscribes everything anyway.
   */
  send(requests: readonly SubscribeRequest[]): boolean {
    const primary = this.primary;
    if (this.stopping || this.rotation !== undefined || primary === undefined || primary.state !== 'open') return false;
    primary.request(requests);
    return true;
  }

  /** Close everything; no reconnect afterwards. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.clock.clearTimeout(this.reconnectTimer);
    this.clock.clearTimeout(this.rotationTimer);
    this.reconnectTimer = this.rotationTimer = undefined;
    const links: Link[] = [];
    if (this.primary) links.push(this.primary);
    if (this.rotation) {
      this.clock.clearTimeout(this.rotation.timer);
      links.push(this.rotation.old, this.rotation.next);
    }
    this.primary = undefined;
    this.rotation = undefined;
    this.currentState = 'closed';
    this.nextReconnectAt = undefined;
    this.stopping = Promise.all([...new Set(links)].map((l) => l.end('close', 'shutdown'))).then(() => undefined);
    return this.stopping;
  }

  stats(): ConnectionStats {
    const now = this.clock.now();
    const c = this.counters;
    const channels: Record<string, ChannelStats> = {};
    for (const [name, ch] of this.channels) channels[name] = { messages: ch.messages, lastSeenAt: ch.lastSeenAt, ageMs: now - ch.lastSeenAt };
    const primary = this.primary;
    const hasMessage = !Number.isNaN(this.lastMessageAt);
    return {
      connection: this.spec.name,
      venue: this.spec.venue,
      url: this.spec.url,
      state: this.currentState,
      connectedSince: primary?.state === 'open' ? primary.openedAt : undefined,
      messages: c.messages,
      bytes: c.bytes,
      messagesPerSecond: this.rate.perSecond(now),
      lastMessageAt: hasMessage ? this.lastMessageAt : undefined,
      lastMessageAgeMs: hasMessage ? now - this.lastMessageAt : undefined,
      frames: { data: c.data, ack: c.ack, pong: c.pong, error: c.error, control: c.control, rotate: c.rotate, garbage: c.garbage },
      forwarded: c.forwarded,
      duplicatesDropped: c.duplicatesDropped,
      serverPings: c.serverPings,
      keepalivePings: c.keepalivePings,
      keepaliveReplies: c.keepaliveReplies,
      connects: c.connects,
      reconnects: c.reconnects,
      disconnects: c.disconnects,
      rotations: c.rotations,
      rotationFailures: c.rotationFailures,
      rotating: this.rotation !== undefined,
      watchdogTrips: c.watchdogTrips,
      keepaliveTimeouts: c.keepaliveTimeouts,
      connectTimeouts: c.connectTimeouts,
      ackTimeouts: c.ackTimeouts,
      subscriptions: {
        sent: c.subscriptionsSent,
        acked: c.subscriptionsAcked,
        rejected: primary ? [...primary.rejected] : [],
      },
      callbackErrors: c.callbackErrors,
      lastError: this.lastError ? { ...this.lastError } : undefined,
      lastGarbage: this.lastGarbage ? { ...this.lastGarbage } : undefined,
      channels,
      nextReconnectAt: this.nextReconnectAt,
    };
  }

  // ---- link callbacks ----

  private linkOpened(link: Link): void {
    this.counters.connects++;
    const rotation = this.rotation;
    if (rotation !== undefined && link === rotation.next) {
      rotation.oldForwardedSinceNextOpen = 0;
      rotation.timer = this.clock.setTimeout(() => this.overlapDeadline(), this.maxOverlapMs);
      return;
    }
    if (link !== this.primary) return;
    this.currentState = 'open';
    this.nextReconnectAt = undefined;
    this.scheduleRotation(link.openedAt + (this.rotateEveryMs ?? 0));
    this.log.info(`${this.spec.name}: connected to ${this.spec.url}`);
  }

  /** The hot path: every frame of every link. */
  private linkMessage(link: Link, data: WebSocket.RawData, isBinary: boolean): void {
    const now = this.clock.now();
    const c = this.counters;
    c.messages++;
    c.bytes += byteLength(data);
    this.rate.record(now);
    this.lastMessageAt = now;
    link.lastActivityAt = now;
    if (isBinary) {
      this.garbage(now, 'binary frame', '');
      return;
    }
    const text = toText(data);
    const info = this.info;
    info.kind = 'garbage';
    info.channel = '';
    info.id = '';
    info.text = '';
    info.parsed = undefined;
    try {
      this.spec.classify(text, info);
    } catch (error) {
      info.kind = 'garbage';
      info.text = `classifier threw: ${messageOf(error)}`;
    }
    const kind = info.kind as FrameKind; // set by the classifier
    switch (kind) {
      case 'data':
        c.data++;
        link.channelSeen.set(info.channel, now);
        this.goodFrame(link);
        if (this.rotation === undefined) this.forward(text, now);
        else this.rotationFrame(link, text, now);
        return;
      case 'ack':
        c.ack++;
        this.goodFrame(link);
        this.control(text, now, kind);
        this.ack(link, info.id);
        return;
      case 'pong':
        c.pong++;
        c.keepaliveReplies++;
        link.awaitingReplySince = Number.NaN;
        this.goodFrame(link);
        this.control(text, now, kind);
        return;
      case 'error':
        c.error++;
        this.control(text, now, kind);
        this.errorFrame(link, info.id, info.text || text.slice(0, 200));
        return;
      case 'control':
        c.control++;
        this.goodFrame(link);
        this.control(text, now, kind);
        return;
      case 'rotate':
        c.rotate++;
        this.goodFrame(link);
        this.control(text, now, kind);
        if (link === this.primary) {
          this.log.warn(`${this.spec.name}: the venue announced a disconnect (${info.text || text.slice(0, 120)}); rotating`);
          this.rotate(`venue notice: ${info.text || 'closing'}`);
        }
        return;
      case 'garbage':
        this.garbage(now, info.text || 'unrecognised frame', text);
        return;
      default:
        assertNever(kind);
    }
  }

  /** A link died (error, close, fault). */
  private linkDown(link: Link, reason: string): void {
    if (this.stopping) return;
    const rotation = this.rotation;
    if (rotation !== undefined) {
      if (link === rotation.next && rotation.phase === 'overlap') {
        this.abortRotation(`the replacement connection failed: ${reason}`);
        return;
      }
      if (link === rotation.old && rotation.phase === 'overlap') {
        const proven = rotation.next.state === 'open' && this.caughtUp(rotation);
        // Before the replacement proved continuity a gap is possible: the books must resync.
        if (!proven) this.notifyDisconnect(`${reason} (during a rotation, before the handover)`);
        if (rotation.next.state === 'open') {
          // Hand over anyway; the settle phase still drops the replacement's duplicates.
          this.completeHandover(proven ? 'the old connection closed' : 'the old connection closed early');
          return;
        }
        // The replacement is still connecting: it becomes the primary's connection attempt.
        this.clock.clearTimeout(rotation.timer);
        this.rotation = undefined;
        this.primary = rotation.next;
        this.currentState = 'connecting';
        return;
      }
      if (link === this.primary) {
        this.clock.clearTimeout(rotation.timer);
        this.rotation = undefined;
      }
    }
    if (link !== this.primary) return;
    const wasOpen = !Number.isNaN(link.openedAt);
    this.primary = undefined;
    this.clock.clearTimeout(this.rotationTimer);
    this.rotationTimer = undefined;
    if (wasOpen) this.notifyDisconnect(reason);
    else this.noteError(`${this.spec.name}: ${reason}`, 'quiet');
    this.scheduleReconnect(reason);
  }

  /** Record (and log) an error line. */
  private noteError(line: string, mode: 'log' | 'quiet' = 'log'): void {
    this.lastError = { at: this.clock.now(), message: line };
    if (mode === 'log') this.log.error(line);
  }

  // ---- internals ----

  private openPrimary(): void {
    const link = new Link(this.host);
    this.primary = link;
    this.currentState = 'connecting';
    link.connect();
  }

  private scheduleReconnect(reason: string): void {
    const delay = this.backoff.next();
    this.currentState = 'reconnecting';
    this.nextReconnectAt = this.clock.now() + delay;
    this.log.warn(`${this.spec.name}: ${reason}; reconnecting in ${seconds(delay)} (attempt ${this.backoff.attempt})`);
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stopping) return;
      this.counters.reconnects++;
      this.openPrimary();
    }, delay);
  }

  private scheduleRotation(at: number): void {
    this.clock.clearTimeout(this.rotationTimer);
    this.rotationTimer = undefined;
    if (this.rotateEveryMs === undefined || this.stopping) return;
    this.rotationTimer = this.clock.setTimeout(
      () => {
        this.rotationTimer = undefined;
        this.rotate(`planned, every ${seconds(this.rotateEveryMs!)}`);
      },
      Math.max(0, at - this.clock.now()),
    );
  }

  private notifyDisconnect(reason: string): void {
    const at = this.clock.now();
    this.counters.disconnects++;
    this.lastError = { at, message: `${this.spec.name}: ${reason}` };
    try {
      this.onDisconnect?.({ connection: this.spec.name, venue: this.spec.venue, symbols: this.spec.symbols, at, reason });
    } catch (error) {
      this.counters.callbackErrors++;
      this.log.error(`${this.spec.name}: the disconnect handler threw: ${messageOf(error)}`);
    }
  }

  private goodFrame(link: Link): void {
    if (link.goodFrames++ === 0 && link === this.primary) this.backoff.reset();
  }

  private forward(text: string, now: number): void {
    const info = this.info;
    let channel = this.channels.get(info.channel);
    if (channel === undefined) {
      channel = { messages: 0, lastSeenAt: now };
      this.channels.set(info.channel, channel);
    }
    channel.messages++;
    channel.lastSeenAt = now;
    this.counters.forwarded++;
    const frame = this.frame;
    frame.text = text;
    frame.receivedAt = now;
    frame.channel = info.channel;
    frame.parsed = info.parsed;
    try {
      this.onFrame(frame);
    } catch (error) {
      this.counters.callbackErrors++;
      if (now - this.lastCallbackErrorLogAt >= GARBAGE_LOG_EVERY_MS) {
        this.lastCallbackErrorLogAt = now;
        this.noteError(
          `${this.spec.name}: the frame handler threw on a "${info.channel}" frame: ${messageOf(error)} (${this.counters.callbackErrors} so far)`,
        );
      }
    }
  }

  /** Hand a recognised non-data frame to `onControl` (before acting on it, so a recorder sees it first). */
  private control(text: string, now: number, kind: ControlFrameKind): void {
    const onControl = this.onControl;
    if (onControl === undefined) return;
    const frame = this.frame;
    frame.text = text;
    frame.receivedAt = now;
    frame.channel = '';
    frame.parsed = this.info.parsed;
    try {
      onControl(frame, kind);
    } catch (error) {
      this.counters.callbackErrors++;
      this.noteError(`${this.spec.name}: the control-frame handler threw: ${messageOf(error)}`);
    }
  }

  private garbage(now: number, reason: string, text: string): void {
    this.counters.garbage++;
    const excerpt = text.length > 120 ? `${text.slice(0, 120)}…` : text;
    this.lastGarbage = { at: now, reason, excerpt };
    if (now - this.lastGarbageLogAt >= GARBAGE_LOG_EVERY_MS) {
      this.lastGarbageLogAt = now;
      this.log.warn(`${this.spec.name}: unusable frame (${reason}): ${JSON.stringify(excerpt)} (${this.counters.garbage} so far)`);
    }
  }

  private ack(link: Link, id: string): void {
    let key: string | undefined = id;
    if (id === '' || !link.pendingAcks.has(id)) {
      // No id echoed: acks come in order, so it answers the oldest pending subscription.
      key = id === '' ? link.pendingAcks.keys().next().value : undefined;
    }
    if (key === undefined) return;
    if (link.pendingAcks.delete(key)) this.counters.subscriptionsAcked++;
  }

  private errorFrame(link: Link, id: string, text: string): void {
    const pending = id === '' ? undefined : link.pendingAcks.get(id);
    if (pending === undefined) {
      this.noteError(`${this.spec.name}: error frame from the venue: ${text}`);
      return;
    }
    link.pendingAcks.delete(id);
    const streams = pending.request.streams;
    link.rejected.push(...streams);
    this.noteError(`${this.spec.name}: subscription rejected for ${streams.join(', ')}: ${text}`);
    const rotation = this.rotation;
    if (rotation !== undefined && link === rotation.next && rotation.phase === 'overlap') {
      const newlyRejected = streams.filter((s) => !rotation.old.rejected.includes(s));
      if (newlyRejected.length > 0) this.abortRotation(`the replacement's subscription was rejected for ${newlyRejected.join(', ')}`);
    }
  }

  // ---- rotation ----

  private rotationFrame(link: Link, text: string, now: number): void {
    const rotation = this.rotation!;
    const info = this.info;
    let keyed = false;
    if (this.spec.orderKey !== undefined) {
      info.stream = '';
      info.key = Number.NaN;
      try {
        keyed = this.spec.orderKey(text, info) && !Number.isNaN(info.key);
      } catch {
        keyed = false;
      }
    }
    if (rotation.phase === 'settle') {
      if (link !== this.primary) return;
      if (keyed) {
        const last = rotation.last.get(info.stream);
        if (last !== undefined) {
          if (info.key <= last) {
            this.duplicate(rotation);
            return;
          }
          rotation.last.delete(info.stream);
        }
      }
      this.forward(text, now);
      if (rotation.last.size === 0) this.endRotation();
      return;
    }
    if (link === rotation.old) {
      if (keyed) {
        const last = rotation.last.get(info.stream);
        if (last !== undefined && info.key <= last) {
          this.duplicate(rotation);
          return;
        }
        rotation.last.set(info.stream, info.key);
      }
      if (rotation.next.state === 'open') rotation.oldForwardedSinceNextOpen++;
      this.forward(text, now);
    } else {
      if (Number.isNaN(rotation.nextFirstDataAt)) rotation.nextFirstDataAt = now;
      if (keyed) {
        const previous = rotation.latestNext.get(info.stream);
        const last = rotation.last.get(info.stream) ?? Number.NEGATIVE_INFINITY;
        rotation.latestNext.set(info.stream, info.key);
        if (info.key > last && previous !== undefined && previous <= last) {
          rotation.last.set(info.stream, info.key);
          this.forward(text, now);
        } else {
          // At or below the last forwarded key: a duplicate. Above it without a forwarded
          // predecessor: the replacement is ahead and cannot prove nothing lies between;
          // the old connection still owes the frame and will deliver it.
          this.duplicate(rotation);
        }
      } else {
        // Unkeyed frames come from the primary (the old connection) until the handover.
        this.duplicate(rotation);
      }
    }
    if (this.rotation === rotation && rotation.phase === 'overlap' && this.caughtUp(rotation)) this.completeHandover('caught up');
  }

  private duplicate(rotation: Rotation): void {
    rotation.duplicates++;
    this.counters.duplicatesDropped++;
  }

  private caughtUp(rotation: Rotation): boolean {
    const next = rotation.next;
    if (next.state !== 'open' || Number.isNaN(rotation.nextFirstDataAt) || next.pendingAcks.size > 0) return false;
    for (const [stream, last] of rotation.last) {
      const latest = rotation.latestNext.get(stream);
      if (latest === undefined || latest > last) return false;
    }
    for (const stream of rotation.latestNext.keys()) if (!rotation.last.has(stream)) return false;
    return true;
  }

  private completeHandover(how: string): void {
    const rotation = this.rotation!;
    const now = this.clock.now();
    this.clock.clearTimeout(rotation.timer);
    void rotation.old.end('close', 'rotated');
    this.primary = rotation.next;
    this.currentState = 'open';
    rotation.phase = 'settle';
    this.counters.rotations++;
    this.log.info(
      `${this.spec.name}: handed over to the replacement connection (${how}; overlap ${seconds(now - rotation.startedAt)}, ${rotation.duplicates} duplicate frames dropped)`,
    );
    this.scheduleRotation(rotation.next.openedAt + (this.rotateEveryMs ?? 0));
    if (rotation.last.size === 0 || this.spec.orderKey === undefined) this.endRotation();
    else rotation.timer = this.clock.setTimeout(() => this.endRotation(), this.maxOverlapMs);
  }

  private endRotation(): void {
    const rotation = this.rotation;
    if (rotation === undefined) return;
    this.clock.clearTimeout(rotation.timer);
    this.rotation = undefined;
  }

  private abortRotation(reason: string): void {
    const rotation = this.rotation!;
    this.clock.clearTimeout(rotation.timer);
    this.rotation = undefined;
    void rotation.next.end('terminate');
    this.counters.rotationFailures++;
    this.noteError(`${this.spec.name}: rotation abandoned, keeping the current connection: ${reason}; retrying in ${seconds(this.rotationRetryMs)}`);
    this.scheduleRotation(this.clock.now() + this.rotationRetryMs);
  }

  /** The overlap lasted `maxOverlapMs` without proving continuity. */
  private overlapDeadline(): void {
    const rotation = this.rotation;
    if (rotation === undefined || rotation.phase !== 'overlap') return;
    rotation.timer = undefined;
    if (Number.isNaN(rotation.nextFirstDataAt) && rotation.oldForwardedSinceNextOpen > 0) {
      this.abortRotation(`the replacement delivered no data in ${seconds(this.maxOverlapMs)} while the current connection did`);
      return;
    }
    const unproven: string[] = [];
    for (const [stream, latest] of rotation.latestNext) {
      const last = rotation.last.get(stream);
      if (last === undefined || latest > last) unproven.push(stream);
    }
    const missing = [...rotation.last.keys()].filter((s) => !rotation.latestNext.has(s));
    if (missing.length > 0) {
      this.log.info(`${this.spec.name}: handing over although the replacement has not delivered ${missing.join(', ')} yet`);
    }
    if (unproven.length > 0) this.notifyDisconnect(`rotation handover without proven continuity on ${unproven.join(', ')}`);
    this.completeHandover(`overlap limit of ${seconds(this.maxOverlapMs)} reached`);
  }
}

function positive(value: number, name: string): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number of ms, got ${value}`);
  return value;
}

function validateSpec(spec: SocketSpec): void {
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    throw new MoonstreamError('USAGE', `${spec.name}: "${spec.url}" is not a valid URL`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new MoonstreamError('USAGE', `${spec.name}: "${spec.url}" is not a WebSocket URL (ws:// or wss://)`);
  }
  for (const [channel, ms] of Object.entries(spec.watchdog ?? {})) {
    if (!(ms > 0)) throw new MoonstreamError('USAGE', `${spec.name}: watchdog silence for "${channel}" must be > 0 ms, got ${ms}`);
  }
  const k = spec.keepalive;
  if (k !== undefined) {
    const period = k.kind === 'interval' ? k.everyMs : k.idleMs;
    if (!(period > 0) || !(k.replyTimeoutMs > 0)) {
      throw new MoonstreamError('USAGE', `${spec.name}: keepalive periods must be > 0 ms`);
    }
  }
}
