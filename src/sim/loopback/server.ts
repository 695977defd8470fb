/**
 * One loopback venue: an HTTP server on 127.0.0.1 that answers the venue's REST paths and
 * upgrades its WebSocket paths, serving a `SimMarket` (src/sim/market.ts) in the venue's
 * own protocol. This file holds what every venue shares — connections, the route index
 * that fans market frames out to subscribers, keepalive and age checks on the injected
 * clock, HTTP plumbing — and the fault switches tests use:
 *
 * - `drop()` terminates connections (no close frame), `refuse(true)` answers handshakes
 *   with 503;
 * - `silence(true)`: connections stay open, answer requests, and receive no data (the
 *   retired Binance `/ws` behaviour; Binance's legacy paths are always silent);
 * - `sendGarbage('garbage' | 'truncated' | 'binary')`;
 * - `gap(route, n)`: the next n frames of a route are never sent (a sequence gap);
 * - `maxConnectionAgeMs`: the server closes connections older than this (Binance's
 *   24 hours, accelerated in tests);
 * - `failHttp({status, retryAfter, times, path, delayMs})` and `httpDelayMs`: 429 with
 *   Retry-After, 418, 5xx, slow answers.
 * Every fault injected and every frame sent is counted in `counters`.
 *
 * The venue subclasses (binance.ts, bybit.ts, okx.ts) supply the handshake rules, the
 * client-message protocol and the REST answers.
 */

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import type { Venue } from '../../events.js';
import type { TimerHandle, WallClock } from '../../wall-clock.js';
import type { SimFrame, SimMarket } from '../market.js';

/** Loopback connection ids are unique across all venues of one process (they address subscriber snapshots). */
let nextConnectionId = 1;

export class LoopbackConnection {
  readonly id = nextConnectionId++;
  readonly routes = new Set<string>();
  /** The last client messages (bounded), for tests. */
  readonly received: string[] = [];
  messagesReceived = 0;
  dataSent = 0;
  controlSent = 0;
  bytesSent = 0;
  /** No data frames for this connection (requests are still answered). */
  silent = false;
  /** Binance `/ws` paths: data without the combined-stream wrapper. */
  raw = false;
  closed = false;
  closeCode: number | undefined;
  lastPongAt: number;
  lastClientMessageAt: number;
  lastDataAt: number;
  /** Client message times within the last second (rate limits). */
  readonly recentMessages: number[] = [];
  /** Venue-specific state. */
  readonly state: Record<string, unknown> = {};

  constructor(
    readonly ws: WebSocket,
    readonly venue: Venue,
    /** Path and query of the handshake. */
    readonly url: string,
    readonly openedAt: number,
  ) {
    this.lastPongAt = openedAt;
    this.lastClientMessageAt = openedAt;
    this.lastDataAt = openedAt;
  }

  /** A market data frame (nothing while silent). */
  sendData(text: string, now: number): void {
    if (this.silent || this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(text);
    this.dataSent++;
    this.bytesSent += text.length;
    this.lastDataAt = now;
  }

  /** A reply, ack, pong or notice (sent even while silent: the handshake and requests still work). */
  sendControl(text: string | Buffer): void {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(text);
    this.controlSent++;
    this.bytesSent += text.length;
  }

  /** Drop the TCP connection without a close frame. */
  terminate(): void {
    this.ws.terminate();
  }
}

export interface HttpFault {
  /** Only requests whose path starts with this (default: every request). */
  readonly path?: string;
  readonly status: number;
  /** Retry-After header value (seconds or an HTTP date). */
  readonly retryAfter?: string;
  /** Body (default: a one-line JSON error). */
  readonly body?: string;
  /** How many requests get this answer (default 1). */
  readonly times?: number;
  /** Answer this much later, ms of the clock. */
  readonly delayMs?: number;
}

export interface RestAnswer {
  readonly status: number;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface LoopbackCounters {
  connectionsAccepted: number;
  connectionsRefused: number;
  connectionsRejected: number;
  dataFramesSent: number;
  controlFramesSent: number;
  clientMessages: number;
  subscriptionsRejected: number;
  /** Faults injected. */
  drops: number;
  garbageSent: number;
  gapFramesSkipped: number;
  ageDisconnects: number;
  pingTimeouts: number;
  rateLimitDisconnects: number;
  idleDisconnects: number;
  notices: number;
  httpRequests: number;
  httpFaultsServed: number;
  httpDelayed: number;
}

export interface LoopbackServerOptions {
  readonly clock: WallClock;
  readonly market: SimMarket;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (a free port). */
  readonly port?: number;
  /** Close connections older than this, ms (default: never; Binance uses 24 h). */
  readonly maxConnectionAgeMs?: number;
  /** Period of the connection checks, ms (default 1 000). */
  readonly checkEveryMs?: number;
}

export type Accept =
  | { readonly ok: true; readonly routes?: readonly string[]; readonly silent?: boolean; readonly raw?: boolean }
  | { readonly ok: false; readonly status: number; readonly reason: string };

export abstract class LoopbackVenueServer {
  abstract readonly venue: Venue;
  readonly connections: LoopbackConnection[] = [];
  readonly counters: LoopbackCounters = {
    connectionsAccepted: 0,
    connectionsRefused: 0,
    connectionsRejected: 0,
    dataFramesSent: 0,
    controlFramesSent: 0,
    clientMessages: 0,
    subscriptionsRejected: 0,
    drops: 0,
    garbageSent: 0,
    gapFramesSkipped: 0,
    ageDisconnects: 0,
    pingTimeouts: 0,
    rateLimitDisconnects: 0,
    idleDisconnects: 0,
    notices: 0,
    httpRequests: 0,
    httpFaultsServed: 0,
    httpDelayed: 0,
  };
  /** Handshakes answered 503 while set. */
  refusing = false;
  /** Every connection, current and new, receives no data while set. */
  silent = false;
  /** Answer every REST request this much later, ms. */
  httpDelayMs = 0;
  maxConnectionAgeMs: number;
  /** REST requests by path (tests read what was asked). */
  readonly httpPaths = new Map<string, number>();
  readonly httpLog: string[] = [];
  protected readonly clock: WallClock;
  protected readonly market: SimMarket;
  private readonly host: string;
  private readonly requestedPort: number;
  private readonly checkEveryMs: number;
  private readonly httpServer: http.Server;
  private readonly wss: WebSocketServer;
  private readonly byId = new Map<number, LoopbackConnection>();
  private readonly routeIndex = new Map<string, Set<LoopbackConnection>>();
  private readonly gaps = new Map<string, number>();
  private readonly httpFaults: { fault: HttpFault; left: number }[] = [];
  private readonly pendingHttp = new Set<TimerHandle>();
  private checkTimer: TimerHandle | undefined;
  private closed = false;

  constructor(options: LoopbackServerOptions) {
    this.clock = options.clock;
    this.market = options.market;
    this.host = options.host ?? '127.0.0.1';
    this.requestedPort = options.port ?? 0;
    this.maxConnectionAgeMs = options.maxConnectionAgeMs ?? Number.POSITIVE_INFINITY;
    this.checkEveryMs = options.checkEveryMs ?? 1_000;
    this.httpServer = http.createServer((req, res) => this.onHttp(req, res));
    this.httpServer.keepAliveTimeout = 5_000;
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    this.httpServer.on('upgrade', (req, socket, head) => {
      if (this.refusing || this.closed) {
        this.counters.connectionsRefused++;
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const url = new URL(req.url ?? '/', 'http://loopback');
      const accept = this.accept(url);
      if (!accept.ok) {
        this.counters.connectionsRejected++;
        const body = JSON.stringify({ error: accept.reason });
        socket.end(`HTTP/1.1 ${accept.status} ${http.STATUS_CODES[accept.status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.opened(ws, req.url ?? '/', accept));
    });
  }

  /** Listen on the port (0: a free one) and start the connection checks. */
  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.httpServer.once('error', reject);
      this.httpServer.listen(this.requestedPort, this.host, () => resolve());
    });
    this.checkTimer = this.clock.setInterval(() => this.checkAll(), this.checkEveryMs);
  }

  get port(): number {
    return (this.httpServer.address() as AddressInfo).port;
  }

  /** `http://127.0.0.1:<port>` */
  get httpBase(): string {
    return `http://${this.host}:${this.port}`;
  }

  /** `ws://127.0.0.1:<port>` */
  get wsBase(): string {
    return `ws://${this.host}:${this.port}`;
  }

  /** Connections still open. */
  open(): LoopbackConnection[] {
    return this.connections.filter((c) => !c.closed);
  }

  /** Data and control frames sent to clients so far. */
  get framesSent(): number {
    return this.counters.dataFramesSent + this.counters.controlFramesSent + this.counters.garbageSent;
  }

  // ---- market → clients ----

  /** A market frame of this venue: to its one subscriber, or to every subscriber of its route. */
  deliver(frame: SimFrame): void {
    this.observe(frame);
    const now = this.clock.now();
    if (frame.to !== undefined) {
      const c = this.byId.get(frame.to);
      if (c !== undefined && !c.closed && c.routes.has(frame.route)) this.sendData(c, frame, now);
      return;
    }
    const gap = this.gaps.get(frame.route);
    if (gap !== undefined && gap > 0) {
      if (gap === 1) this.gaps.delete(frame.route);
      else this.gaps.set(frame.route, gap - 1);
      this.counters.gapFramesSkipped++;
      return;
    }
    const subscribers = this.routeIndex.get(frame.route);
    if (subscribers === undefined) return;
    for (const c of subscribers) this.sendData(c, frame, now);
  }

  // ---- faults ----

  /** Terminate the matching open connections (default: all). Returns how many. */
  drop(filter: (c: LoopbackConnection) => boolean = () => true): number {
    let n = 0;
    for (const c of this.open()) {
      if (!filter(c)) continue;
      c.terminate();
      n++;
    }
    this.counters.drops += n;
    return n;
  }

  /** Open connections stay up and answer, but get no data (and new ones too) while on. */
  silence(on: boolean): void {
    this.silent = on;
    for (const c of this.open()) c.silent = on || (c.state.legacy === true);
  }

  refuse(on: boolean): void {
    this.refusing = on;
  }

  /** Send a bad frame to every open connection: not JSON, a truncated data frame, or binary. Returns how many sent. */
  sendGarbage(kind: 'garbage' | 'truncated' | 'binary', count = 1): number {
    let n = 0;
    for (let i = 0; i < count; i++) {
      for (const c of this.open()) {
        const text = kind === 'binary' ? Buffer.from([0xde, 0xad, 0xbe, 0xef]) : kind === 'garbage' ? '<html>502 Bad Gateway</html>' : this.truncatedFrame();
        if (c.ws.readyState !== WebSocket.OPEN) continue;
        c.ws.send(text);
        this.counters.garbageSent++;
        n++;
      }
    }
    return n;
  }

  /** The next `frames` frames of `route` are never sent to anyone. */
  gap(route: string, frames = 1): void {
    this.gaps.set(route, (this.gaps.get(route) ?? 0) + frames);
  }

  /** Answer the next matching REST request(s) with this status. */
  failHttp(fault: HttpFault): void {
    this.httpFaults.push({ fault, left: fault.times ?? 1 });
  }

  /** Forget the injected HTTP faults not served yet. */
  clearHttpFaults(): void {
    this.httpFaults.length = 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.clock.clearInterval(this.checkTimer);
    for (const timer of this.pendingHttp) this.clock.clearTimeout(timer);
    this.pendingHttp.clear();
    for (const c of this.connections) if (!c.closed) c.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.httpServer.closeAllConnections();
    await new Promise<void>((resolve) => this.httpServer.close(() => resolve()));
  }

  // ---- for the venue subclasses ----

  /** Decide a handshake from its URL. */
  protected abstract accept(url: URL): Accept;
  /** A client text message. */
  protected abstract onText(c: LoopbackConnection, text: string, now: number): void;
  /** A REST request (GET). */
  protected abstract rest(url: URL, now: number): RestAnswer;
  /** The text a connection receives for a market frame. */
  protected format(_c: LoopbackConnection, frame: SimFrame): string {
    return frame.json;
  }
  /** Extra per-connection checks, once a second (keepalive deadlines). */
  protected check(_c: LoopbackConnection, _now: number): void {}
  /** Every market frame of this venue passes here first (e.g. to keep a backlog). */
  protected observe(_frame: SimFrame): void {}
  /** A data frame cut short, in this venue's shape. */
  protected truncatedFrame(): string {
    return '{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":17';
  }

  protected subscribe(c: LoopbackConnection, route: string): void {
    c.routes.add(route);
    let set = this.routeIndex.get(route);
    if (set === undefined) this.routeIndex.set(route, (set = new Set()));
    set.add(c);
  }

  protected unsubscribe(c: LoopbackConnection, route: string): void {
    c.routes.delete(route);
    this.routeIndex.get(route)?.delete(c);
  }

  protected reply(c: LoopbackConnection, value: unknown): void {
    c.sendControl(typeof value === 'string' ? value : JSON.stringify(value));
    this.counters.controlFramesSent++;
  }

  /** Too many client messages in the last second? (records this one) */
  protected overRate(c: LoopbackConnection, now: number, perSecond: number): boolean {
    const recent = c.recentMessages;
    recent.push(now);
    while (recent.length > 0 && recent[0]! <= now - 1000) recent.shift();
    return recent.length > perSecond;
  }

  protected json(status: number, body: unknown, headers?: Readonly<Record<string, string>>): RestAnswer {
    return headers === undefined ? { status, body: JSON.stringify(body) } : { status, body: JSON.stringify(body), headers };
  }

  // ---- internals ----

  private sendData(c: LoopbackConnection, frame: SimFrame, now: number): void {
    const before = c.dataSent;
    c.sendData(this.format(c, frame), now);
    if (c.dataSent !== before) this.counters.dataFramesSent++;
  }

  private opened(ws: WebSocket, url: string, accept: Accept & { ok: true }): void {
    const now = this.clock.now();
    const c = new LoopbackConnection(ws, this.venue, url, now);
    c.raw = accept.raw === true;
    if (accept.silent) c.state.legacy = true;
    c.silent = this.silent || accept.silent === true;
    this.connections.push(c);
    this.byId.set(c.id, c);
    this.counters.connectionsAccepted++;
    for (const route of accept.routes ?? []) this.subscribe(c, route);
    ws.on('message', (data, isBinary) => {
      const at = this.clock.now();
      c.messagesReceived++;
      c.lastClientMessageAt = at;
      this.counters.clientMessages++;
      const text = isBinary ? '<binary>' : data.toString();
      if (c.received.length >= 200) c.received.shift();
      c.received.push(text);
      this.onText(c, text, at);
    });
    ws.on('pong', () => {
      c.lastPongAt = this.clock.now();
    });
    ws.on('error', () => {});
    ws.on('close', (code) => {
      c.closed = true;
      c.closeCode = code;
      this.byId.delete(c.id);
      for (const route of c.routes) this.routeIndex.get(route)?.delete(c);
      // keep the list bounded in long demo runs
      if (this.connections.length > 1000) {
        const i = this.connections.findIndex((x) => x.closed);
        if (i >= 0) this.connections.splice(i, 1);
      }
    });
  }

  private checkAll(): void {
    const now = this.clock.now();
    for (const c of this.connections) {
      if (c.closed) continue;
      if (now - c.openedAt >= this.maxConnectionAgeMs) {
        this.counters.ageDisconnects++;
        c.ws.close(1001, 'connection lifetime exceeded');
        c.closed = true; // no more frames, whatever the close handshake does
        continue;
      }
      this.check(c, now);
    }
  }

  private onHttp(req: http.IncomingMessage, res: http.ServerResponse): void {
    const now = this.clock.now();
    const url = new URL(req.url ?? '/', 'http://loopback');
    this.counters.httpRequests++;
    this.httpPaths.set(url.pathname, (this.httpPaths.get(url.pathname) ?? 0) + 1);
    if (this.httpLog.length >= 500) this.httpLog.shift();
    this.httpLog.push(`${url.pathname}${url.search}`);
    let answer: RestAnswer;
    let delayMs = this.httpDelayMs;
    const i = this.httpFaults.findIndex((f) => f.left > 0 && (f.fault.path === undefined || url.pathname.startsWith(f.fault.path)));
    if (i >= 0) {
      const entry = this.httpFaults[i]!;
      entry.left--;
      if (entry.left <= 0) this.httpFaults.splice(i, 1);
      this.counters.httpFaultsServed++;
      const f = entry.fault;
      answer = {
        status: f.status,
        body: f.body ?? JSON.stringify({ error: `injected HTTP ${f.status}` }),
        ...(f.retryAfter !== undefined ? { headers: { 'Retry-After': f.retryAfter } } : {}),
      };
      delayMs = Math.max(delayMs, f.delayMs ?? 0);
    } else if (req.method !== 'GET') {
      answer = this.json(405, { error: 'GET only' });
    } else {
      try {
        answer = this.rest(url, now);
      } catch (error) {
        answer = this.json(500, { error: (error as Error).message });
      }
    }
    const send = (): void => {
      if (res.writableEnded || res.destroyed) return;
      res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
      res.end(answer.body);
    };
    if (delayMs <= 0) return send();
    this.counters.httpDelayed++;
    const timer = this.clock.setTimeout(() => {
      this.pendingHttp.delete(timer);
      send();
    }, delayMs);
    this.pendingHttp.add(timer);
  }
}

/** `?a=1&b=2` as a plain record (first value of each key). */
export function queryOf(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of url.searchParams) if (!(key in out)) out[key] = value;
  return out;
}
