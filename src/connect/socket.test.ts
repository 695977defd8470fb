import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../wall-clock.js';
import { MemoryLogger } from './logger.js';
import type { SocketSpec } from './socket-spec.js';
import { ReconnectingSocket, type DisconnectNotice, type ReconnectingSocketOptions } from './socket.js';
import { FakeVenueServer, fakeSpec, waitFor } from './test-support.js';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

interface Received {
  readonly channel: string;
  readonly text: string;
  readonly receivedAt: number;
  readonly stream: string;
  readonly k: number;
}

let server: FakeVenueServer | undefined;
let socket: ReconnectingSocket | undefined;
let clock: ManualClock;
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  await socket?.stop();
  await server?.close();
  for (const cleanup of cleanups.splice(0)) await cleanup();
  socket = undefined;
  server = undefined;
});

function harness(
  specOverrides: Partial<SocketSpec> & { streams?: readonly string[] } = {},
  options: Partial<ReconnectingSocketOptions> = {},
  url = server!.url,
) {
  clock = new ManualClock({ start: T0 });
  const frames: Received[] = [];
  const notices: DisconnectNotice[] = [];
  const logger = new MemoryLogger();
  socket = new ReconnectingSocket(fakeSpec(url, specOverrides), {
    clock,
    logger,
    backoff: { random: () => 0 },
    onFrame: (frame) => {
      const parsed = frame.parsed as { stream: string; data: { k: number } };
      frames.push({ channel: frame.channel, text: frame.text, receivedAt: frame.receivedAt, stream: parsed.stream, k: parsed.data.k });
    },
    onDisconnect: (notice) => notices.push(notice),
    ...options,
  });
  const s = socket;
  return { socket: s, frames, notices, logger, stats: () => s.stats() };
}

/** Advance the manual clock in 1 s steps (the watchdog's check period). */
function advanceSeconds(n: number): void {
  for (let i = 0; i < n; i++) clock.advance(1_000);
}

describe('subscriptions', () => {
  it('subscribes after connecting, counts every acknowledgement and forwards frames with their receive time', async () => {
    server = await FakeVenueServer.start();
    const h = harness();
    h.socket.start();
    expect(h.socket.state).toBe('connecting');
    const conn = await server.connection(0);
    await waitFor(() => h.stats().subscriptions.acked === 2, 'two acks');
    expect(conn.subscribeRequests().map((r) => r.params)).toEqual([['btcusdt@depth'], ['btcusdt@aggTrade']]);
    expect(h.stats()).toMatchObject({ state: 'open', connectedSince: T0, subscriptions: { sent: 2, acked: 2, rejected: [] } });
    clock.advance(250);
    server.publish('btcusdt@depth', { k: 1 });
    await waitFor(() => h.frames.length === 1, 'one frame');
    expect(h.frames[0]).toEqual({
      channel: 'depth',
      text: '{"stream":"btcusdt@depth","data":{"k":1}}',
      receivedAt: T0 + 250,
      stream: 'btcusdt@depth',
      k: 1,
    });
    expect(h.stats().channels).toEqual({ depth: { messages: 1, lastSeenAt: T0 + 250, ageMs: 0 } });
  });

  it('reports a rejected subscription as an error naming the stream and keeps the rest', async () => {
    server = await FakeVenueServer.start({ reject: ['btcusdt@forceOrder'] });
    const h = harness({ streams: ['btcusdt@depth', 'btcusdt@forceOrder'] });
    h.socket.start();
    await waitFor(() => h.stats().frames.error === 1 && h.stats().subscriptions.acked === 1, 'one ack, one rejection');
    const line = 'fake.market: subscription rejected for btcusdt@forceOrder: Invalid request: unknown stream btcusdt@forceOrder (code 2)';
    expect(h.stats().subscriptions.rejected).toEqual(['btcusdt@forceOrder']);
    expect(h.stats().lastError?.message).toBe(line);
    expect(h.logger.lines).toContain(`error ${line}`);
    expect(h.stats()).toMatchObject({ state: 'open', disconnects: 0 });
  });

  it('logs an error frame that answers no subscription with its text', async () => {
    server = await FakeVenueServer.start();
    const h = harness();
    h.socket.start();
    const conn = await server.connection(0);
    await waitFor(() => h.stats().subscriptions.acked === 2, 'acks');
    conn.sendRaw('{"error":{"code":-1003,"msg":"Too many requests"}}');
    await waitFor(() => h.stats().frames.error === 1, 'the error frame');
    expect(h.logger.lines).toContain('error fake.market: error frame from the venue: Too many requests (code -1003)');
    expect(h.stats().subscriptions.rejected).toEqual([]);
  });

  it('reports subscriptions the venue never acknowledges', async () => {
    server = await FakeVenueServer.start({ ackSubscriptions: false });
    const h = harness();
    h.socket.start();
    const conn = await server.connection(0);
    await waitFor(() => conn.received.length === 2, 'both subscribe messages');
    advanceSeconds(9);
    expect(h.stats().ackTimeouts).toBe(0);
    advanceSeconds(1);
    expect(h.stats().ackTimeouts).toBe(2);
    expect(h.logger.matching('no acknowledgement within 10 s for subscription')).toEqual([
      'error fake.market: no acknowledgement within 10 s for subscription 1 (btcusdt@depth)',
      'error fake.market: no acknowledgement within 10 s for subscription 2 (btcusdt@aggTrade)',
    ]);
  });

  it('sends no more client messages per second than the venue allows', async () => {
    server = await FakeVenueServer.start();
    const streams = ['a@depth', 'b@depth', 'c@depth', 'd@depth', 'e@depth'];
    const h = harness({ streams, maxClientMessagesPerSecond: 2 });
    h.socket.start();
    const conn = await server.connection(0);
    await waitFor(() => h.socket.state === 'open', 'open');
    expect(h.stats().subscriptions.sent).toBe(2);
    clock.advance(999);
    expect(h.stats().subscriptions.sent).toBe(2);
    clock.advance(1);
    expect(h.stats().subscriptions.sent).toBe(4);
    clock.advance(999);
    expect(h.stats().subscriptions.sent).toBe(4);
    clock.advance(1);
    expect(h.stats().subscriptions.sent).toBe(5);
    await waitFor(() => conn.received.length === 5, 'five subscribe messages');
    expect(conn.subscribeRequests().map((r) => r.params[0])).toEqual(streams);
  });
});

  it('hands acks, pongs and error frames to onControl, never data or garbage', async () => {
    server = await FakeVenueServer.start({ reject: ['btcusdt@aggTrade'] });
    const control: [string, string][] = [];
    const h = harness({}, { onControl: (frame, kind) => control.push([kind, frame.text]) });
    h.socket.start();
    const conn = await server.connection(0);
    await waitFor(() => control.length === 2, 'the ack and the rejection');
    server.publish('btcusdt@depth', { k: 1 });
    conn.sendRaw('{"stream":');
    conn.sendRaw('pong');
    await waitFor(() => control.length === 3 && h.frames.length === 1 && h.stats().frames.garbage === 1, 'the pong, the frame and the garbage');
    expect(control).toEqual([
      ['ack', '{"result":null,"id":1}'],
      ['error', '{"error":{"code":2,"msg":"Invalid request: unknown stream btcusdt@aggTrade"},"id":2}'],
      ['pong', 'pong'],
    ]);
  });

  it('sends extra requests on the open connection and checks their acknowledgements', async () => {
    server = await FakeVenueServer.start({ reject: ['btcusdt@bogus'] });
    const h = harness();
    expect(h.socket.send([{ id: 'r1', message: '{}', streams: [] }])).toBe(false); // not open yet
    h.socket.start();
    const conn = await server.connection(0);
    await waitFor(() => h.stats().subscriptions.acked === 2, 'acks');
    const request = (id: number, stream: string) => ({ id: String(id), message: JSON.stringify({ method: 'SUBSCRIBE', params: [stream], id }), streams: [stream] });
    expect(h.socket.send([request(90, 'btcusdt@bookTicker'), request(91, 'btcusdt@bogus')])).toBe(true);
    await waitFor(() => h.stats().subscriptions.acked === 3 && h.stats().frames.error === 1, 'one more ack, one rejection');
    expect(conn.subscribeRequests().map((r) => r.id)).toEqual([1, 2, 90, 91]);
    expect(h.stats().subscriptions).toMatchObject({ sent: 4, acked: 3, rejected: ['btcusdt@bogus'] });
  });

describe('statistics', () => {
  it('reports messages per second, bytes and the age of the last message from the clock', async () => {
    server = await FakeVenueServer.start();
    const h = harness();
    h.socket.start();
    await server.connection(0);
    await waitFor(() => h.stats().subscriptions.acked === 2, 'acks');
    for (let k = 1; k <= 30; k++) server.publish(k % 3 === 0 ? 'btcusdt@aggTrade' : 'btcusdt@depth', { k });
    await waitFor(() => h.frames.length === 30, '30 frames');
    const acks = '{"result":null,"id":1}'.length + '{"result":null,"id":2}'.length;
    const data = h.frames.reduce((sum, f) => sum + f.text.length, 0);
    clock.advance(1_500);
    expect(h.stats()).toMatchObject({
      messages: 32,
      bytes: acks + data,
      messagesPerSecond: 32, // all in the one complete second so far
      lastMessageAt: T0,
      lastMessageAgeMs: 1_500,
      forwarded: 30,
      channels: { depth: { messages: 20, lastSeenAt: T0, ageMs: 1_500 }, aggTrade: { messages: 10, lastSeenAt: T0, ageMs: 1_500 } },
    });
    clock.advance(60_000);
    expect(h.stats().messagesPerSecond).toBe(0);
  });
});

describe('reconnect backoff', () => {
  it('waits 1, 2, 4 … 32 s between failed attempts, capped at 32 s', async () => {
    server = await FakeVenueServer.start({ refuse: true });
    const h = harness();
    h.socket.start();
    const delays: number[] = [];
    for (let attempt = 0; attempt < 8; attempt++) {
      await waitFor(() => h.socket.state === 'reconnecting', `failure #${attempt}`);
      const next = h.stats().nextReconnectAt!;
      delays.push(next - clock.now());
      clock.advanceTo(next);
      expect(h.stats().reconnects).toBe(attempt + 1);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 32_000, 32_000]);
    expect(h.stats().lastError?.message).toMatch(/^fake\.market: could not connect: Unexpected server response: 503/);
    expect(h.notices).toEqual([]); // never open, nothing to resync
  });

  it('applies jitter from the injected random source', async () => {
    server = await FakeVenueServer.start({ refuse: true });
    const h = harness({}, { backoff: { random: () => 0.5 } });
    h.socket.start();
    const delays: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      await waitFor(() => h.socket.state === 'reconnecting', `failure #${attempt}`);
      const next = h.stats().nextReconnectAt!;
      delays.push(next - clock.now());
      clock.advanceTo(next);
    }
    expect(delays).toEqual([875, 1_750, 3_500]);
  });

  it('resets to 1 s only after the first good frame of a new connection', async () => {
    server = await FakeVenueServer.start({ refuse: true });
    const h = harness();
    h.socket.start();
    const nextDelay = async (what: string): Promise<number> => {
      await waitFor(() => h.socket.state === 'reconnecting', what);
      return h.stats().nextReconnectAt! - clock.now();
    };
    expect(await nextDelay('refusal 1')).toBe(1_000);
    clock.advance(1_000);
    expect(await nextDelay('refusal 2')).toBe(2_000);
    // Connects but says nothing (no ack, no data), then drops: not a good connection.
    server.options.refuse = false;
    server.options.ackSubscriptions = false;
    clock.advance(2_000);
    const silent = await server.connection(0);
    await waitFor(() => h.socket.state === 'open', 'open');
    silent.drop();
    expect(await nextDelay('silent drop')).toBe(4_000);
    // Connects and acknowledges: the ack is a good frame.
    server.options.ackSubscriptions = true;
    clock.advance(4_000);
    const good = await server.connection(1);
    await waitFor(() => h.stats().subscriptions.acked === 2, 'acks');
    good.drop();
    expect(await nextDelay('drop after a good frame')).toBe(1_000);
  });
});

describe('watchdog', () => {
  it('terminates and reconnects an open connection whose high-rate channel stays silent (the retired /ws behaviour)', async () => {
    server = await FakeVenueServer.start();
    const h = harness({ watchdog: { depth: 10_000 } });
    h.socket.start();
    const conn = await server.connection(0);
    await waitFor(() => h.stats().subscriptions.acked === 2, 'acks');
    advanceSeconds(9);
    expect(h.socket.state).toBe('open');
    advanceSeconds(1);
    expect(h.socket.state).toBe('reconnecting');
    expect(h.stats().watchdogTrips).toBe(1);
    expect(h.notices).toEqual([
      {
        connection: 'fake.market',
        venue: 'fake',
        symbols: ['BTC'],
        at: T0 + 10_000,
        reason: 'connected but silent: no frame since the connection opened on channel "depth" for 10 s',
      },
    ]);
    await waitFor(() => conn.closed, 'the server to see the socket go');
    clock.advance(1_000);
    await server.connection(1);
    await waitFor(() => h.socket.state === 'open', 'reconnected');
  });

  it('trips when a channel that was flowing stops', async () => {
    server = await FakeVenueServer.start();
    const h = harness({ watchdog: { depth: 5_000 } });
    h.socket.start();
    await server.connection(0);
    await waitFor(() => h.stats().subscriptions.acked === 2, 'acks');
    advanceSeconds(3);
    server.publish('btcusdt@depth', { k: 1 });
    await waitFor(() => h.frames.length === 1, 'a depth frame');
    // aggTrade frames keep coming, depth does not.
    for (let i = 1; i <= 4; i++) {
      clock.advance(1_000);
      server.publish('btcusdt@aggTrade', { k: i });
      await waitFor(() => h.frames.length === 1 + i, `trade ${i}`);
    }
    expect(h.socket.state).toBe('open');
    clock.advance(1_000);
    expect(h.notices.map((n) => n.reason)).toEqual(['connected but silent: no frame on channel "depth" for 5 s']);
  });

  it('never trips on a silent sparse channel while the high-rate channels flow', async () => {
    server = await FakeVenueServer.start();
    const h = harness({ streams: ['btcusdt@depth', 'btcusdt@forceOrder'], watchdog: { depth: 10_000 } });
    h.socket.start();
    await server.connection(0);
    await waitFor(() => h.stats().subscriptions.acked === 2, 'acks');
    for (let i = 1; i <= 120; i++) {
      clock.advance(1_000);
      server.publish('btcusdt@depth', { k: i });
      await waitFor(() => h.frames.length === i, `depth frame ${i}`);
    }
    expect(h.stats()).toMatchObject({ state: 'open', watchdogTrips: 0, disconnects: 0 });
    expect(h.stats().channels.forceOrder).toBeUndefined();
  });

  it('keeps a connection that carries only a sparse channel through ten silent minutes', async () => {
    server = await FakeVenueServer.start();
    const h = harness({ streams: ['btcusdt@forceOrder'] });
    h.socket.start();
    const conn = await server.connection(0);
    await waitFor(() => h.stats().subscriptions.acked === 1, 'ack');
    advanceSeconds(600);
    server.publish('btcusdt@forceOrder', { k: 1 });
    await waitFor(() => h.frames.length === 1, 'the liquidation');
    expect(conn.closed).toBe(false);
    expect(h.stats()).toMatchObject({ state: 'open', watchdogTrips: 0, disconnects: 0, connects: 1 });
  });
});

describe('keepalive', () => {
  it('sends the Bybit-style JSON ping every 20 s and reconnects when no pong comes back', async () => {
    server = await FakeVenueServer.start();
    const h = harness({
      streams: ['btcusdt@depth'],
      keepalive: { kind: 'interval', everyMs: 20_000, message: '{"op":"ping"}', replyTimeoutMs: 10_000 },
    });
    h.socket.start();
    const conn = await server.connection(0);
    await waitFor(() => h.stats().subscriptions.acked === 1, 'ack');
    const pings = () => conn.received.filter((m) => m === '{"op":"ping"}').length;
    advanceSeconds(19);
    expect(h.stats().keepalivePings).toBe(0);
    for (let n = 1; n <= 3; n++) {
      advanceSeconds(n === 1 ? 1 : 20);
      expect(h.stats().keepalivePings).toBe(n);
      await waitFor(() => pings() === n && h.stats().frames.pong === n, `ping and pong ${n}`);
    }
    expect(clock.now()).toBe(T0 + 60_000);
    server.options.answerPings = false;
    advanceSeconds(20);
    await waitFor(() => pings() === 4, 'the unanswered ping');
    advanceSeconds(9);
    expect(h.socket.state).toBe('open');
    advanceSeconds(1);
    expect(h.socket.state).toBe('reconnecting');
    expect(h.stats().keepaliveTimeouts).toBe(1);
    expect(h.notices.map((n) => n.reason)).toEqual(['no reply to the keepalive ping within 10 s']);
  });

  it('sends the OKX-style text ping only after 25 s without any frame, and reconnects when no pong comes back', async () => {
    server = await FakeVenueServer.start();
    const h = harness({
      streams: ['btcusdt@depth'],
      keepalive: { kind: 'idle', idleMs: 25_000, message: 'ping', replyTimeoutMs: 5_000 },
    });
    h.socket.start();
    const conn = await server.connection(0);
    await waitFor(() => h.stats().subscriptions.acked === 1, 'ack');
    const pings = () => conn.received.filter((m) => m === 'ping').length;
    advanceSeconds(10);
    server.publish('btcusdt@depth', { k: 1 }); // activity at +10 s
    await waitFor(() => h.frames.length === 1, 'data');
    advanceSeconds(24);
    expect(h.stats().keepalivePings).toBe(0);
    advanceSeconds(1); // +35 s: 25 s idle
    await waitFor(() => pings() === 1 && h.stats().frames.pong === 1, 'ping 1 answered');
    advanceSeconds(24);
    expect(h.stats().keepalivePings).toBe(1);
    advanceSeconds(1); // +60 s: 25 s after the pong
    await waitFor(() => pings() === 2 && h.stats().frames.pong === 2, 'ping 2 answered');
    server.options.answerPings = false;
    advanceSeconds(25);
    await waitFor(() => pings() === 3, 'ping 3');
    advanceSeconds(4);
    expect(h.socket.state).toBe('open');
    advanceSeconds(1);
    expect(h.notices.map((n) => n.reason)).toEqual(['no reply to the keepalive ping within 5 s']);
    clock.advance(1_000);
    await server.connection(1);
  });

  it('can use WebSocket ping control frames and treats their pong as the reply', async () => {
    server = await FakeVenueServer.start();
    const h = harness({ streams: ['btcusdt@depth'], keepalive: { kind: 'idle', idleMs: 30_000, replyTimeoutMs: 5_000 } });
    h.socket.start();
    const conn = await server.connection(0);
    const serverPings: number[] = [];
    conn.ws.on('ping', () => serverPings.push(clock.now()));
    await waitFor(() => h.stats().subscriptions.acked === 1, 'ack');
    advanceSeconds(30);
    // The ws server answers with a pong control frame automatically.
    await waitFor(() => serverPings.length === 1 && h.stats().keepaliveReplies === 1, 'ping and pong');
    advanceSeconds(10);
    expect(h.stats()).toMatchObject({ state: 'open', keepaliveTimeouts: 0, keepalivePings: 1 });
    conn.ws.pause(); // no pong for the next ping
    advanceSeconds(20);
    await waitFor(() => h.stats().keepalivePings === 2, 'second ping');
    advanceSeconds(5);
    expect(h.notices.map((n) => n.reason)).toEqual(['no reply to the keepalive ping within 5 s']);
  });

  it('counts the server pings the ws library answers', async () => {
    server = await FakeVenueServer.start();
    const h = harness();
    h.socket.start();
    const conn = await server.connection(0);
    const pongs: number[] = [];
    conn.ws.on('pong', () => pongs.push(1));
    await waitFor(() => h.socket.state === 'open', 'open');
    conn.ws.ping();
    await waitFor(() => pongs.length === 1 && h.stats().serverPings === 1, 'the pong');
  });
});

describe('bad frames', () => {
  it('counts garbage, truncated and binary frames without dropping the connection', async () => {
    server = await FakeVenueServer.start();
    const h = harness();
    h.socket.start();
    const conn = await server.connection(0);
    await waitFor(() => h.stats().subscriptions.acked === 2, 'acks');
    conn.sendRaw('not json');
    conn.sendRaw('{"stream":"btcusdt@depth","data":{"k":1'); // truncated
    conn.sendRaw(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    conn.sendRaw('{"foo":1}');
    server.publish('btcusdt@depth', { k: 2 });
    await waitFor(() => h.frames.length === 1, 'the good frame');
    expect(h.frames[0]!.k).toBe(2);
    expect(h.stats()).toMatchObject({
      state: 'open',
      disconnects: 0,
      frames: { garbage: 4, data: 1, ack: 2 },
      lastGarbage: { at: T0, reason: 'unknown frame shape', excerpt: '{"foo":1}' },
    });
    // Logged once, then at most once a minute.
    expect(h.logger.matching('unusable frame')).toEqual(['warn fake.market: unusable frame (not JSON (truncated?)): "not json" (1 so far)']);
  });

  it('counts a frame whose classifier throws as garbage', async () => {
    server = await FakeVenueServer.start();
    const h = harness({
      classify: (text, info) => {
        if (text.includes('boom')) throw new Error('boom');
        info.kind = 'control';
      },
    });
    h.socket.start();
    const conn = await server.connection(0);
    await waitFor(() => h.socket.state === 'open', 'open');
    conn.sendRaw('boom');
    await waitFor(() => h.stats().frames.garbage === 1, 'garbage');
    expect(h.stats().lastGarbage?.reason).toBe('classifier threw: boom');
    expect(h.socket.state).toBe('open');
  });

  it('keeps going when the frame handler throws', async () => {
    server = await FakeVenueServer.start();
    const h = harness({}, { onFrame: () => { throw new Error('pipeline bug'); } });
    h.socket.start();
    await server.connection(0);
    await waitFor(() => h.stats().subscriptions.acked === 2, 'acks');
    server.publish('btcusdt@depth', { k: 1 });
    server.publish('btcusdt@depth', { k: 2 });
    await waitFor(() => h.stats().callbackErrors === 2, 'two handler errors');
    expect(h.stats().forwarded).toBe(2);
    expect(h.logger.matching('the frame handler threw')).toEqual([
      'error fake.market: the frame handler threw on a "depth" frame: pipeline bug (1 so far)',
    ]);
    expect(h.socket.state).toBe('open');
  });
});

describe('drops', () => {
  it('notifies a disconnect on a server-side drop and reconnects with the same subscriptions', async () => {
    server = await FakeVenueServer.start();
    const h = harness();
    h.socket.start();
    const first = await server.connection(0);
    await waitFor(() => h.stats().subscriptions.acked === 2, 'acks');
    server.publish('btcusdt@depth', { k: 1 });
    await waitFor(() => h.frames.length === 1, 'frame 1');
    clock.advance(5_000);
    first.drop();
    await waitFor(() => h.notices.length === 1, 'the disconnect notice');
    expect(h.notices[0]).toEqual({ connection: 'fake.market', venue: 'fake', symbols: ['BTC'], at: T0 + 5_000, reason: 'closed by the venue (code 1006)' });
    expect(h.stats()).toMatchObject({ state: 'reconnecting', nextReconnectAt: T0 + 6_000, connectedSince: undefined });
    expect(h.logger.lines).toContain('warn fake.market: closed by the venue (code 1006); reconnecting in 1 s (attempt 1)');
    clock.advance(1_000);
    const second = await server.connection(1);
    await waitFor(() => h.stats().subscriptions.acked === 4, 'acks again');
    expect(second.subscribeRequests().map((r) => r.params)).toEqual([['btcusdt@depth'], ['btcusdt@aggTrade']]);
    server.publish('btcusdt@depth', { k: 2 });
    await waitFor(() => h.frames.length === 2, 'frame 2');
    expect(h.stats()).toMatchObject({ connects: 2, reconnects: 1, disconnects: 1, connectedSince: T0 + 6_000 });
  });

  it('reports a clean close with its code and reason', async () => {
    server = await FakeVenueServer.start();
    const h = harness();
    h.socket.start();
    const conn = await server.connection(0);
    await waitFor(() => h.socket.state === 'open', 'open');
    conn.ws.close(1001, 'going away');
    await waitFor(() => h.notices.length === 1, 'notice');
    expect(h.notices[0]!.reason).toBe('closed by the venue (code 1001: going away)');
  });

  it('gives up a handshake that does not complete within the connect timeout', async () => {
    const accepted: net.Socket[] = [];
    const tcp = net.createServer((s) => accepted.push(s));
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const s of accepted) s.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    });
    const port = (tcp.address() as net.AddressInfo).port;
    const h = harness({}, {}, `ws://127.0.0.1:${port}/`);
    h.socket.start();
    await waitFor(() => accepted.length === 1, 'the TCP connection');
    clock.advance(9_999);
    expect(h.socket.state).toBe('connecting');
    clock.advance(1);
    expect(h.socket.state).toBe('reconnecting');
    expect(h.stats()).toMatchObject({ connectTimeouts: 1, disconnects: 0 });
    expect(h.stats().lastError?.message).toBe('fake.market: no connection within 10 s');
  });

  it('stops for good: closes with 1000 and never reconnects', async () => {
    server = await FakeVenueServer.start();
    const h = harness();
    h.socket.start();
    const conn = await server.connection(0);
    await waitFor(() => h.socket.state === 'open', 'open');
    await h.socket.stop();
    await waitFor(() => conn.closed, 'server sees the close');
    expect(conn.closeCode).toBe(1000);
    expect(h.socket.state).toBe('closed');
    clock.advance(120_000);
    expect(server.connections).toHaveLength(1);
    expect(h.notices).toEqual([]);
  });

  it('rejects an invalid URL up front', () => {
    clock = new ManualClock();
    expect(() => new ReconnectingSocket(fakeSpec('http://127.0.0.1:1/'), { clock, onFrame: () => {} })).toThrow(
      /not a WebSocket URL/,
    );
  });
});

describe('planned rotation', () => {
  const streams = ['btcusdt@depth', 'btcusdt@aggTrade'];

  /** Keys delivered per stream. */
  function keysByStream(frames: readonly Received[]): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const f of frames) (out[f.stream] ??= []).push(f.k);
    return out;
  }

  const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it('hands over every 24 h (accelerated) without losing or duplicating a frame', async () => {
    server = await FakeVenueServer.start();
    const h = harness({ streams }, { rotateEveryMs: 60_000 });
    let n = 0;
    const publish = (count: number): void => {
      for (let i = 0; i < count; i++) {
        n++;
        for (const s of streams) server!.publish(s, { k: n });
      }
    };
    const delivered = (count: number, what: string) => waitFor(() => h.frames.length === count, `${what}: ${count} frames`);

    h.socket.start();
    const a = await server.connection(0);
    await waitFor(() => a.subscribed.size === 2, 'first connection subscribed');
    publish(20);
    await delivered(40, 'before any rotation');

    // Rotation 1: the replacement runs ahead of the old connection.
    a.hold = true;
    clock.advance(60_000);
    expect(h.stats().rotating).toBe(true);
    publish(5); // 21–25: only the old connection is subscribed
    const b = await server.connection(1);
    await waitFor(() => b.subscribed.size === 2, 'replacement subscribed');
    publish(10); // 26–35: the replacement gets them first
    await waitFor(() => h.stats().duplicatesDropped === 20, 'replacement frames held back');
    expect(h.frames).toHaveLength(40); // nothing of the replacement forwarded before the old one catches up
    a.release();
    await waitFor(() => a.closed, 'old connection closed');
    await delivered(70, 'after the first handover');
    expect(a.closeCode).toBe(1000);
    publish(5); // 36–40
    await delivered(80, 'on the replacement');

    // Rotation 2: the replacement lags behind the old connection.
    server.options.holdNew = true;
    clock.advance(60_000);
    const c = await server.connection(2);
    await waitFor(() => c.subscribed.size === 2, 'second replacement subscribed');
    publish(10); // 41–50 from b; c holds them
    await delivered(100, 'old connection while the replacement lags');
    c.release();
    await waitFor(() => b.closed, 'second old connection closed');
    publish(5); // 51–55
    await delivered(110, 'after the second handover');

    // Rotation 3: both in step.
    server.options.holdNew = false;
    clock.advance(60_000);
    const d = await server.connection(3);
    await waitFor(() => d.subscribed.size === 2, 'third replacement subscribed');
    publish(10); // 56–65
    await waitFor(() => c.closed, 'third old connection closed');
    await delivered(130, 'after the third handover');

    expect(keysByStream(h.frames)).toEqual({ 'btcusdt@depth': range(1, 65), 'btcusdt@aggTrade': range(1, 65) });
    expect(h.notices).toEqual([]);
    expect(h.stats()).toMatchObject({ rotations: 3, rotationFailures: 0, disconnects: 0, state: 'open' });
    expect(server.open()).toHaveLength(1);
    expect(h.logger.matching('handed over')).toHaveLength(3);
  });

  it('keeps the old connection when the replacement cannot connect, and retries', async () => {
    server = await FakeVenueServer.start();
    const h = harness({ streams }, { rotateEveryMs: 60_000, rotationRetryMs: 30_000 });
    h.socket.start();
    const a = await server.connection(0);
    await waitFor(() => a.subscribed.size === 2, 'subscribed');
    server.options.refuse = true;
    clock.advance(60_000);
    await waitFor(() => h.stats().rotationFailures === 1, 'failed rotation');
    expect(h.stats()).toMatchObject({ rotating: false, state: 'open', disconnects: 0 });
    expect(h.stats().lastError?.message).toMatch(/rotation abandoned, keeping the current connection: the replacement connection failed: could not connect/);
    server.publish('btcusdt@depth', { k: 1 });
    await waitFor(() => h.frames.length === 1, 'still streaming');
    server.options.refuse = false;
    clock.advance(30_000);
    const b = await server.connection(1);
    await waitFor(() => b.subscribed.size === 2, 'replacement subscribed');
    server.publish('btcusdt@depth', { k: 2 });
    server.publish('btcusdt@aggTrade', { k: 2 });
    server.publish('btcusdt@depth', { k: 3 });
    server.publish('btcusdt@aggTrade', { k: 3 });
    await waitFor(() => a.closed, 'handover');
    await waitFor(() => h.frames.length === 5, 'frames');
    expect(h.frames.map((f) => `${f.channel}:${f.k}`)).toEqual(['depth:1', 'depth:2', 'aggTrade:2', 'depth:3', 'aggTrade:3']);
    expect(h.stats().rotations).toBe(1);
  });

  it('notifies a disconnect when the old connection dies before the replacement proved continuity', async () => {
    server = await FakeVenueServer.start();
    const h = harness({ streams }, { rotateEveryMs: 60_000 });
    h.socket.start();
    const a = await server.connection(0);
    await waitFor(() => a.subscribed.size === 2, 'subscribed');
    server.publish('btcusdt@depth', { k: 1 });
    await waitFor(() => h.frames.length === 1, 'frame 1');
    a.hold = true;
    clock.advance(60_000);
    const b = await server.connection(1);
    await waitFor(() => b.subscribed.size === 2, 'replacement subscribed');
    server.publish('btcusdt@depth', { k: 2 });
    server.publish('btcusdt@depth', { k: 3 });
    await waitFor(() => h.stats().duplicatesDropped === 2, 'replacement ahead');
    a.drop(); // frame 2 and 3 die with it
    await waitFor(() => h.notices.length === 1, 'notice');
    expect(h.notices[0]!.reason).toBe('closed by the venue (code 1006) (during a rotation, before the handover)');
    server.publish('btcusdt@depth', { k: 4 });
    await waitFor(() => h.frames.length === 2, 'streaming on the replacement');
    expect(h.frames.map((f) => f.k)).toEqual([1, 4]);
    expect(h.stats()).toMatchObject({ state: 'open', rotations: 1 });
  });

  it('rotates early when the venue announces a disconnect', async () => {
    server = await FakeVenueServer.start();
    const h = harness({ streams });
    h.socket.start();
    const a = await server.connection(0);
    await waitFor(() => a.subscribed.size === 2, 'subscribed');
    a.sendRaw('{"event":"notice","msg":"service upgrade in 60 s"}');
    const b = await server.connection(1);
    await waitFor(() => b.subscribed.size === 2, 'replacement subscribed');
    server.publish('btcusdt@depth', { k: 1 });
    server.publish('btcusdt@aggTrade', { k: 1 });
    await waitFor(() => a.closed, 'handover');
    expect(h.logger.matching('the venue announced a disconnect')).toHaveLength(1);
    expect(h.notices).toEqual([]);
  });

  it('forces the handover after the overlap limit when a sparse stream never shows on the replacement', async () => {
    server = await FakeVenueServer.start();
    const h = harness({ streams: ['btcusdt@depth', 'btcusdt@forceOrder'] }, { rotateEveryMs: 60_000, maxOverlapMs: 20_000 });
    h.socket.start();
    const a = await server.connection(0);
    await waitFor(() => a.subscribed.size === 2, 'subscribed');
    clock.advance(60_000);
    server.publish('btcusdt@forceOrder', { k: 7 }); // only the old connection is subscribed yet
    const b = await server.connection(1);
    await waitFor(() => b.subscribed.size === 2, 'replacement subscribed');
    server.publish('btcusdt@depth', { k: 1 });
    await waitFor(() => h.frames.length === 2, 'frames');
    await waitFor(() => h.stats().duplicatesDropped === 1, 'the duplicate depth frame');
    expect(a.closed).toBe(false);
    clock.advance(20_000);
    await waitFor(() => a.closed, 'forced handover');
    expect(h.notices).toEqual([]);
    expect(h.logger.matching('has not delivered btcusdt@forceOrder yet')).toHaveLength(1);
    server.publish('btcusdt@forceOrder', { k: 8 });
    await waitFor(() => h.frames.length === 3, 'liquidation on the replacement');
  });
});
