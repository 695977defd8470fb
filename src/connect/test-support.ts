/**
 * Test support for the connection layer (not used by the product): a loopback WebSocket
 * server speaking a small Binance-like protocol with fault switches, a matching
 * `SocketSpec`, and a bounded wait. The real loopback venues of `live --demo` live in
 * src/sim/.
 *
 * Protocol of the fake venue:
 * - client `{"method":"SUBSCRIBE","params":["btcusdt@depth",…],"id":7}` → `{"result":null,"id":7}`,
 *   or `{"error":{"code":2,"msg":"Invalid request: unknown stream x"},"id":7}` for a stream in `reject`;
 * - client text `ping` → text `pong`; client `{"op":"ping"}` → `{"op":"pong"}` (while `answerPings`);
 * - data frames `{"stream":"btcusdt@depth","data":{"k":12}}` (channel: after the first `@`;
 *   ordering key `data.k`); `{"event":"notice","msg":…}` announces a disconnect.
 */

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import type { FrameInfo, SocketSpec, SubscribeRequest } from './socket-spec.js';

/** Wait until `condition()` holds, yielding to the event loop; fails after `timeoutMs` of real time. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

export class FakeVenueConnection {
  /** Every text message received from the client. */
  readonly received: string[] = [];
  readonly subscribed = new Set<string>();
  /** While true, frames for this connection are queued instead of sent (to make it lag). */
  hold = false;
  private readonly held: string[] = [];
  closed = false;
  closeCode: number | undefined;

  constructor(
    readonly index: number,
    readonly ws: WebSocket,
    private readonly server: FakeVenueServer,
  ) {
    ws.on('message', (data, isBinary) => this.onMessage(isBinary ? '<binary>' : data.toString()));
    ws.on('close', (code) => {
      this.closed = true;
      this.closeCode = code;
    });
    ws.on('error', () => {});
  }

  /** Send one raw frame now (bypasses `hold`). */
  sendRaw(text: string | Buffer): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  /** Send a frame, or queue it while held. */
  deliver(text: string): void {
    if (this.hold) this.held.push(text);
    else this.sendRaw(text);
  }

  /** Send the queued frames and stop holding. */
  release(): void {
    this.hold = false;
    for (const text of this.held.splice(0)) this.sendRaw(text);
  }

  /** Drop the TCP connection without a close frame. */
  drop(): void {
    this.ws.terminate();
  }

  /** Messages received that are subscribe requests. */
  subscribeRequests(): { params: string[]; id: number }[] {
    return this.received.filter((m) => m.includes('"SUBSCRIBE"')).map((m) => JSON.parse(m) as { params: string[]; id: number });
  }

  private onMessage(text: string): void {
    this.received.push(text);
    const options = this.server.options;
    if (text === 'ping') {
      if (options.answerPings) this.sendRaw('pong');
      return;
    }
    let message: { method?: string; params?: string[]; id?: number; op?: string };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (message.op === 'ping') {
      if (options.answerPings) this.sendRaw('{"op":"pong"}');
      return;
    }
    if (message.method === 'SUBSCRIBE' && Array.isArray(message.params)) {
      if (!options.ackSubscriptions) return;
      const rejected = message.params.find((p) => options.reject.includes(p));
      if (rejected !== undefined) {
        this.sendRaw(JSON.stringify({ error: { code: 2, msg: `Invalid request: unknown stream ${rejected}` }, id: message.id }));
        return;
      }
      for (const stream of message.params) this.subscribed.add(stream);
      this.sendRaw(JSON.stringify({ result: null, id: message.id }));
    }
  }
}

export interface FakeVenueOptions {
  /** Streams whose subscription is answered with an error frame. */
  reject: string[];
  /** Acknowledge subscriptions (false: never answer them). */
  ackSubscriptions: boolean;
  /** Answer keepalive pings. */
  answerPings: boolean;
  /** Refuse WebSocket handshakes with HTTP 503. */
  refuse: boolean;
  /** New connections start with `hold` set (their data frames queue until `release()`). */
  holdNew: boolean;
}

export class FakeVenueServer {
  readonly connections: FakeVenueConnection[] = [];
  readonly options: FakeVenueOptions;
  private readonly http: http.Server;
  private readonly wss: WebSocketServer;

  private constructor(httpServer: http.Server, options: Partial<FakeVenueOptions>) {
    this.http = httpServer;
    this.options = { reject: [], ackSubscriptions: true, answerPings: true, refuse: false, holdNew: false, ...options };
    this.wss = new WebSocketServer({ noServer: true });
    httpServer.on('upgrade', (request, socket, head) => {
      if (this.options.refuse) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(request, socket, head, (ws) => {
        const connection = new FakeVenueConnection(this.connections.length, ws, this);
        connection.hold = this.options.holdNew;
        this.connections.push(connection);
      });
    });
  }

  static async start(options: Partial<FakeVenueOptions> = {}, port = 0): Promise<FakeVenueServer> {
    const httpServer = http.createServer((_req, res) => {
      res.statusCode = 426;
      res.end();
    });
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(port, '127.0.0.1', () => resolve());
    });
    return new FakeVenueServer(httpServer, options);
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/stream`;
  }

  /** Connections still open. */
  open(): FakeVenueConnection[] {
    return this.connections.filter((c) => !c.closed);
  }

  /** The `index`-th connection ever accepted, once it exists. */
  async connection(index: number): Promise<FakeVenueConnection> {
    await waitFor(() => this.connections.length > index, `server connection #${index}`);
    return this.connections[index]!;
  }

  /** Send a data frame of `stream` to every open connection subscribed to it. */
  publish(stream: string, data: Record<string, unknown>): void {
    const text = JSON.stringify({ stream, data });
    for (const c of this.connections) if (!c.closed && c.subscribed.has(stream)) c.deliver(text);
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

/** A SocketSpec for the fake venue. */
export function fakeSpec(url: string, overrides: Partial<SocketSpec> & { streams?: readonly string[] } = {}): SocketSpec {
  const streams = overrides.streams ?? ['btcusdt@depth', 'btcusdt@aggTrade'];
  let nextId = 1;
  return {
    venue: 'fake',
    name: 'fake.market',
    url,
    symbols: ['BTC'],
    // One SUBSCRIBE per stream, so tests can see acks, rejections and the message rate per stream.
    subscribe: (): SubscribeRequest[] =>
      streams.map((stream) => {
        const id = nextId++;
        return { id: String(id), message: JSON.stringify({ method: 'SUBSCRIBE', params: [stream], id }), streams: [stream] };
      }),
    classify: classifyFake,
    orderKey: orderKeyFake,
    maxClientMessagesPerSecond: 10,
    ...overrides,
  };
}

export function classifyFake(text: string, info: FrameInfo): void {
  if (text === 'pong') {
    info.kind = 'pong';
    return;
  }
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch {
    info.kind = 'garbage';
    info.text = 'not JSON (truncated?)';
    return;
  }
  if (typeof value !== 'object' || value === null) {
    info.kind = 'garbage';
    info.text = 'not a JSON object';
    return;
  }
  if (typeof value.stream === 'string' && typeof value.data === 'object' && value.data !== null) {
    info.kind = 'data';
    info.channel = value.stream.slice(value.stream.indexOf('@') + 1);
    info.parsed = value;
    return;
  }
  if ('result' in value && 'id' in value) {
    info.kind = 'ack';
    info.id = String(value.id);
    return;
  }
  if (typeof value.error === 'object' && value.error !== null) {
    const error = value.error as { code?: unknown; msg?: unknown };
    info.kind = 'error';
    info.id = value.id === undefined ? '' : String(value.id);
    info.text = `${String(error.msg)} (code ${String(error.code)})`;
    return;
  }
  if (value.op === 'pong') {
    info.kind = 'pong';
    return;
  }
  if (value.event === 'notice') {
    info.kind = 'rotate';
    info.text = String(value.msg);
    return;
  }
  info.kind = 'garbage';
  info.text = 'unknown frame shape';
}

export function orderKeyFake(_text: string, info: FrameInfo): boolean {
  const value = info.parsed as { stream: string; data: { k?: unknown } };
  if (typeof value.data.k !== 'number') return false;
  info.stream = value.stream;
  info.key = value.data.k;
  return true;
}
