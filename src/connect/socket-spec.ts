/**
 * What a venue tells the connection layer about one WebSocket connection: the facts
 * (URL, subscribe messages, how to recognise acks, pongs and error frames, keepalive,
 * which channels must never fall silent, how to order frames during a handover). The
 * venue modules (src/venues/<venue>/) fill these; src/connect/socket.ts is the one
 * mechanism that runs them. Nothing here knows a venue.
 */

/** What a frame is, decided by the venue's classifier. */
export type FrameKind =
  /** Market data for the pipeline: forwarded to the caller, feeds the watchdog. */
  | 'data'
  /** A subscription acknowledgement; `id` names the request it answers ('' = the oldest pending). */
  | 'ack'
  /** The reply to our keepalive ping. */
  | 'pong'
  /** A venue error frame; `text` says what, `id` names the request it answers when it is one (a rejected subscription). */
  | 'error'
  /** Recognised and deliberately ignored (info notices, connection counts, list replies). */
  | 'control'
  /** The venue announces it will close this connection (e.g. a service-upgrade notice): hand over to a new one now. */
  | 'rotate'
  /** Not a frame this venue sends: unparseable, truncated, unexpected shape. Counted, never fatal. */
  | 'garbage';

/**
 * The classifier's output, one reused record per connection (no allocation per frame).
 * The mechanism resets `kind` to 'garbage' and the other fields to empty before each call.
 */
export interface FrameInfo {
  kind: FrameKind;
  /**
   * data: the channel as the capture envelope names it (DESIGN.md section 3: Binance
   * `depth@100ms`, `aggTrade`, `forceOrder`; Bybit `orderbook.50`; OKX `books`). It is
   * also the watchdog's key and the per-channel statistics key.
   */
  channel: string;
  /** ack/error: the id of the request answered, as a string ('' when the frame has none). */
  id: string;
  /** error/garbage/rotate: a one-line description (for errors, the venue's own text and code). */
  text: string;
  /** The parsed JSON when the classifier parsed the frame (handed on so nobody parses twice). */
  parsed: unknown;
  /** Set by `orderKey`: the ordering stream, e.g. `btcusdt@depth@100ms`. */
  stream: string;
  /** Set by `orderKey`: strictly increasing within `stream` (Binance depth `u`, aggTrade `a`, markPrice `E`). */
  key: number;
}

/**
 * Classifies one text frame into `info`. Called for every frame, so keep it cheap: a
 * prefix check may decide without parsing (OKX's text `pong`), and a classifier that
 * parses anyway should put the value in `info.parsed`. It may throw; a throw counts the
 * frame as garbage.
 */
export type FrameClassifier = (text: string, info: FrameInfo) => void;

/**
 * Reads a data frame's ordering key into `info.stream` / `info.key`; returns false when
 * the frame has none. Called only while a planned rotation is in progress, after the
 * classifier (so `info.parsed` and `info.channel` are available). Keys must be strictly
 * increasing within a stream, and two frames with the same stream and key are the same
 * frame: on `!forceOrder@arr`, where two symbols can share an event time, make the
 * stream per symbol (`forceOrder:BTCUSDT`).
 */
export type OrderKeyReader = (text: string, info: FrameInfo) => boolean;

/** One client message sent after every (re)connect, and the streams it asks for. */
export interface SubscribeRequest {
  /** The id the venue echoes in its ack or error (Binance `id`, Bybit `req_id`, OKX `id`). */
  readonly id: string;
  /** The exact text to send. */
  readonly message: string;
  /** The streams it subscribes, named in errors ("subscription rejected for …"). */
  readonly streams: readonly string[];
}

/**
 * Client keepalive. Protocol-level pings from the server (Binance, every 3 minutes) are
 * answered by the `ws` library and need no spec. `message` is the text to send; omit it
 * to send a WebSocket ping control frame, whose pong the library reports.
 */
export type KeepaliveSpec =
  /** Send every `everyMs` (Bybit: `{"op":"ping"}` every 20 s). */
  | {
      readonly kind: 'interval';
      readonly everyMs: number;
      readonly message?: string;
      /** A reply (`pong` frame) must arrive within this, or the socket is terminated and reconnected. */
      readonly replyTimeoutMs: number;
    }
  /** Send when nothing was received for `idleMs` (OKX: text `ping` after 25 s idle, expecting `pong`). */
  | {
      readonly kind: 'idle';
      readonly idleMs: number;
      readonly message?: string;
      readonly replyTimeoutMs: number;
    };

export interface SocketSpec {
  /** Venue id, as on envelopes (`binance`). */
  readonly venue: string;
  /** Unique connection name for logs, stats and notices (`binance.public`). */
  readonly name: string;
  /** ws:// or wss:// URL (combined-stream URLs carry their streams in the query). */
  readonly url: string;
  /** Symbols this connection carries (short, `BTC`), passed on in disconnect notices so only their books resync. */
  readonly symbols?: readonly string[];
  /** Messages to send after each open, in order (none for URL-only subscriptions). */
  readonly subscribe?: () => readonly SubscribeRequest[];
  readonly classify: FrameClassifier;
  /** Needed for a lossless, duplicate-free planned rotation; without it the handover is best-effort. */
  readonly orderKey?: OrderKeyReader;
  readonly keepalive?: KeepaliveSpec;
  /**
   * Maximum silence per high-rate channel, ms (depth, trades, mark price). A connection
   * that is open but has not delivered a frame of one of these channels for that long
   * is terminated and reconnected. Leave sparse channels (liquidations) out: they must
   * never trigger it on their own.
   */
  readonly watchdog?: Readonly<Record<string, number>>;
  /** Client messages per second the venue allows on one connection (Binance 10). Default 5. */
  readonly maxClientMessagesPerSecond?: number;
  /**
   * Planned rotation: open a replacement and hand over after this long (Binance closes
   * every connection at 24 h, so e.g. 23 h). Undefined: never.
   */
  readonly rotateEveryMs?: number;
}

/** A fresh, reset FrameInfo. */
export function newFrameInfo(): FrameInfo {
  return { kind: 'garbage', channel: '', id: '', text: '', parsed: undefined, stream: '', key: Number.NaN };
}
