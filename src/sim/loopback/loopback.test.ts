import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '../../connect/test-support.js';
import { ManualClock } from '../../wall-clock.js';
import { LoopbackVenues, type LoopbackOptions } from './loopback.js';

const T0 = Date.UTC(2026, 2, 9, 10, 0, 0);

let venues: LoopbackVenues | undefined;
let clock: ManualClock;
const clients: WebSocket[] = [];

afterEach(async () => {
  for (const ws of clients.splice(0)) ws.terminate();
  await venues?.close();
  venues = undefined;
});

async function start(options: Partial<LoopbackOptions> = {}): Promise<LoopbackVenues> {
  clock = new ManualClock({ start: T0 });
  venues = await LoopbackVenues.start({ clock, symbols: ['BTC', 'ETH'], seed: 3, ...options });
  return venues;
}

interface Client {
  readonly ws: WebSocket;
  readonly texts: string[];
  closed: boolean;
  closeCode: number | undefined;
  send(value: unknown): void;
  /** Parsed JSON messages (the text `pong` stays a string). */
  json(): unknown[];
}

async function connect(url: string): Promise<Client> {
  const ws = new WebSocket(url);
  clients.push(ws);
  const client: Client = {
    ws,
    texts: [],
    closed: false,
    closeCode: undefined,
    send: (value) => ws.send(typeof value === 'string' ? value : JSON.stringify(value)),
    json: () => client.texts.map((t) => (t === 'pong' ? t : (JSON.parse(t) as unknown))),
  };
  ws.on('message', (data) => client.texts.push(data.toString()));
  ws.on('close', (code) => {
    client.closed = true;
    client.closeCode = code;
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return client;
}

/** Advance the market `ms` in 100 ms steps, letting the sockets deliver after each. */
async function run(ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 100) {
    clock.advance(100);
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }
}

async function get(url: string): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(url);
  return { status: res.status, headers: res.headers, body: JSON.parse(await res.text()) as unknown };
}

describe('Binance loopback', () => {
  it('acknowledges SUBSCRIBE and sends combined-stream frames with their stream name', async () => {
    const v = await start({ venues: ['binance'] });
    const c = await connect(`${v.endpoints().binance.market}/stream`);
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@markPrice@1s', 'btcusdt@aggTrade'], id: 1 });
    await waitFor(() => c.texts.length === 1, 'the ack');
    expect(c.json()[0]).toEqual({ result: null, id: 1 });
    await run(3_000);
    await waitFor(() => c.texts.length >= 3, 'mark prices');
    const frames = c.json().slice(1) as { stream: string; data: { e: string; E: number } }[];
    // market time starts at the clock's whole second; a frame leaves once its receive latency has passed
    expect(frames.filter((f) => f.stream === 'btcusdt@markPrice@1s').map((f) => f.data.E)).toEqual([T0, T0 + 1000, T0 + 2000]);
    for (const f of frames) expect(['btcusdt@markPrice@1s', 'btcusdt@aggTrade']).toContain(f.stream);
  });

  it('strips the wrapper on raw /ws paths and takes streams from the URL', async () => {
    const v = await start({ venues: ['binance'] });
    const c = await connect(`${v.endpoints().binance.public}/ws/btcusdt@depth@100ms`);
    await run(1_000);
    await waitFor(() => c.texts.length >= 5, 'depth updates');
    const first = JSON.parse(c.texts[0]!) as Record<string, unknown>;
    expect(first.e).toBe('depthUpdate');
    expect(first.stream).toBeUndefined();
    // consecutive diffs chain: pu = previous u
    const diffs = c.texts.map((t) => JSON.parse(t) as { U: number; u: number; pu: number });
    for (let i = 1; i < diffs.length; i++) expect(diffs[i]!.pu).toBe(diffs[i - 1]!.u);
  });

  it('refuses a stream on the wrong socket and an unknown stream, naming it', async () => {
    const v = await start({ venues: ['binance'] });
    const c = await connect(`${v.endpoints().binance.public}/stream`);
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@aggTrade'], id: 7 });
    c.send({ method: 'SUBSCRIBE', params: ['dogeusdt@depth@100ms'], id: 8 });
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@depth@100ms'], id: 'x' });
    await waitFor(() => c.texts.length === 3, 'three replies');
    expect(c.json()).toEqual([
      { error: { code: 2, msg: 'Invalid request: stream btcusdt@aggTrade is served on /market, not /public' }, id: 7 },
      { error: { code: 2, msg: 'Invalid request: unknown stream dogeusdt@depth@100ms' }, id: 8 },
      { code: 2, msg: 'Invalid request: request ID must be an unsigned integer', id: null },
    ]);
    await expect(connect(`${v.endpoints().binance.public}/stream?streams=btcusdt@markPrice@1s`)).rejects.toThrow(/400/);
  });

  it('keeps the retired /ws path connected and silent', async () => {
    const v = await start({ venues: ['binance'] });
    const c = await connect(`${v.binance!.wsBase}/ws/btcusdt@depth@100ms`);
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@markPrice@1s'], id: 1 });
    await run(3_000);
    await new Promise((r) => setTimeout(r, 20));
    expect(c.texts).toEqual([]);
    expect(c.closed).toBe(false);
  });

  it('disconnects a client sending more than 10 messages a second', async () => {
    const v = await start({ venues: ['binance'] });
    const c = await connect(`${v.endpoints().binance.market}/stream`);
    for (let id = 1; id <= 11; id++) c.send({ method: 'LIST_SUBSCRIPTIONS', id });
    await waitFor(() => c.closed, 'the disconnect');
    expect(c.closeCode).toBe(1008);
    expect(v.binance!.counters.rateLimitDisconnects).toBe(1);
  });

  it('pings every 3 minutes and closes connections at 24 hours', async () => {
    const v = await start({ venues: ['binance'], binance: { maxConnectionAgeMs: 5_000, pingEveryMs: 2_000 } });
    const c = await connect(`${v.endpoints().binance.market}/stream`);
    let pings = 0;
    c.ws.on('ping', () => pings++);
    await run(2_000);
    await waitFor(() => pings === 1, 'a ping');
    await run(3_000);
    await waitFor(() => c.closed, 'the lifetime close');
    expect(c.closeCode).toBe(1001);
    expect(v.binance!.counters.ageDisconnects).toBe(1);
  });

  it('answers depth, open interest and ratios with the used weight, and 429 past 2400 a minute', async () => {
    const v = await start({ venues: ['binance'], binance: { weightLimit: 45 } });
    const base = v.endpoints().binance.rest;
    const depth = await get(`${base}/fapi/v1/depth?symbol=BTCUSDT&limit=1000`);
    expect(depth.status).toBe(200);
    expect(depth.headers.get('x-mbx-used-weight-1m')).toBe('20');
    expect(depth.body).toMatchObject({ lastUpdateId: expect.any(Number), bids: expect.any(Array), asks: expect.any(Array) });
    const oi = await get(`${base}/fapi/v1/openInterest?symbol=ETHUSDT`);
    expect(oi.body).toMatchObject({ symbol: 'ETHUSDT', openInterest: expect.stringMatching(/^\d+\.\d+$/) });
    expect(oi.headers.get('x-mbx-used-weight-1m')).toBe('21');
    const ratio = await get(`${base}/futures/data/topLongShortPositionRatio?symbol=BTCUSDT&period=5m&limit=1`);
    expect(ratio.body).toEqual([expect.objectContaining({ symbol: 'BTCUSDT', longShortRatio: expect.any(String) })]);
    expect((await get(`${base}/fapi/v1/depth?symbol=BTCUSDT&limit=1000`)).status).toBe(200);
    const limited = await get(`${base}/fapi/v1/depth?symbol=BTCUSDT&limit=1000`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect((await get(`${base}/fapi/v1/openInterest?symbol=XRPUSDT`)).body).toEqual({ code: -1121, msg: 'Invalid symbol.' });
  });
});

describe('Bybit loopback', () => {
  it('acks a subscribe, sends this subscriber a book snapshot, then deltas that chain on it', async () => {
    const v = await start({ venues: ['bybit'] });
    await run(2_000); // the book has moved before anyone subscribes
    const c = await connect(v.endpoints().bybit.public);
    c.send({ req_id: 'a1', op: 'subscribe', args: ['orderbook.50.BTCUSDT'] });
    await waitFor(() => c.texts.length === 1, 'the ack');
    await run(2_000);
    await waitFor(() => c.texts.length >= 8, 'snapshot and deltas');
    const [ack, ...frames] = c.json() as Record<string, unknown>[];
    expect(ack).toEqual({ success: true, ret_msg: '', conn_id: expect.any(String), req_id: 'a1', op: 'subscribe' });
    const book = frames as { type: string; data: { u: number } }[];
    expect(book[0]!.type).toBe('snapshot');
    for (let i = 1; i < book.length; i++) {
      expect(book[i]!.type).toBe('delta');
      expect(book[i]!.data.u).toBe(book[i - 1]!.data.u + 1);
    }
  });

  it('answers the JSON ping with the linear pong shape and rejects an unknown topic by name', async () => {
    const v = await start({ venues: ['bybit'] });
    const c = await connect(v.endpoints().bybit.public);
    c.send({ req_id: '100001', op: 'ping' });
    c.send({ req_id: 'x', op: 'subscribe', args: ['liquidation.BTCUSDT'] });
    await waitFor(() => c.texts.length === 2, 'two replies');
    expect(c.json()).toEqual([
      { success: true, ret_msg: 'pong', conn_id: expect.any(String), req_id: '100001', op: 'ping' },
      { success: false, ret_msg: 'error:handler not found,topic:liquidation.BTCUSDT', conn_id: expect.any(String), req_id: 'x', op: 'subscribe' },
    ]);
  });

  it('serves open interest with both sides and the single side, and retCode errors for bad parameters', async () => {
    const v = await start({ venues: ['bybit'] });
    const base = v.endpoints().bybit.rest;
    const ok = await get(`${base}/v5/market/open-interest?category=linear&symbol=BTCUSDT&intervalTime=5min&limit=1`);
    const row = (ok.body as { retCode: number; result: { list: { openInterest: string; singleOpenInterest: string }[] } }).result.list[0]!;
    expect((ok.body as { retCode: number }).retCode).toBe(0);
    expect(Number(row.openInterest)).toBeCloseTo(2 * Number(row.singleOpenInterest), 6);
    const bad = await get(`${base}/v5/market/open-interest?category=linear&symbol=BTCUSDT&intervalTime=7min`);
    expect(bad).toMatchObject({ status: 200, body: { retCode: 10001 } });
  });
});

describe('OKX loopback', () => {
  it('answers the text ping, acks every argument, sends a books snapshot then chained updates', async () => {
    const v = await start({ venues: ['okx'] });
    await run(1_000);
    const c = await connect(v.endpoints().okx.public);
    c.send('ping');
    c.send({ id: '1512', op: 'subscribe', args: [{ channel: 'books', instId: 'BTC-USDT-SWAP' }, { channel: 'books', instId: 'XRP-USDT-SWAP' }] });
    await waitFor(() => c.texts.length === 3, 'pong, ack, error');
    expect(c.json()).toEqual([
      'pong',
      { id: '1512', event: 'subscribe', arg: { channel: 'books', instId: 'BTC-USDT-SWAP' }, connId: expect.any(String) },
      {
        id: '1512',
        event: 'error',
        code: '60018',
        msg: expect.stringContaining("channel:books,instId:XRP-USDT-SWAP doesn't exist"),
        connId: expect.any(String),
      },
    ]);
    await run(2_000);
    await waitFor(() => c.texts.length >= 8, 'snapshot and updates');
    const books = c.json().slice(3) as { action: string; data: [{ prevSeqId: number; seqId: number }] }[];
    expect(books[0]!.action).toBe('snapshot');
    expect(books[0]!.data[0].prevSeqId).toBe(-1);
    for (let i = 1; i < books.length; i++) expect(books[i]!.data[0].prevSeqId).toBe(books[i - 1]!.data[0].seqId);
  });

  it('announces a service upgrade with 64008 and closes afterwards', async () => {
    const v = await start({ venues: ['okx'] });
    const c = await connect(v.endpoints().okx.public);
    c.send({ op: 'subscribe', args: [{ channel: 'mark-price', instId: 'ETH-USDT-SWAP' }] });
    await waitFor(() => c.texts.length === 1, 'the ack');
    expect(v.okx!.notice(2_000)).toBe(1);
    await waitFor(() => c.texts.length === 2, 'the notice');
    expect(c.json()[1]).toMatchObject({ event: 'notice', code: '64008' });
    await run(2_000);
    await waitFor(() => c.closed, 'the close');
  });

  it('closes a connection that subscribes nothing within 30 s', async () => {
    const v = await start({ venues: ['okx'] });
    const c = await connect(v.endpoints().okx.public);
    await run(31_000);
    await waitFor(() => c.closed, 'the idle close');
    expect(v.okx!.counters.idleDisconnects).toBe(1);
  });

  it('serves open interest in coins and the contract values', async () => {
    const v = await start({ venues: ['okx'] });
    const base = v.endpoints().okx.rest;
    const oi = (await get(`${base}/api/v5/public/open-interest?instType=SWAP&instId=BTC-USDT-SWAP`)).body as { code: string; data: { oi: string; oiCcy: string }[] };
    expect(oi.code).toBe('0');
    expect(Number(oi.data[0]!.oiCcy)).toBeCloseTo(Number(oi.data[0]!.oi) * 0.01, 6);
    const instruments = (await get(`${base}/api/v5/public/instruments?instType=SWAP`)).body as { data: { instId: string; ctVal: string }[] };
    expect(instruments.data.map((r) => [r.instId, r.ctVal])).toEqual([
      ['BTC-USDT-SWAP', '0.01'],
      ['ETH-USDT-SWAP', '0.1'],
    ]);
    expect((await get(`${base}/api/v5/public/open-interest?instType=SWAP&instId=XRP-USDT-SWAP`)).body).toMatchObject({ code: '51001' });
  });
});

describe('faults', () => {
  it('drops, refuses, silences, sends garbage and skips frames, counting each', async () => {
    const v = await start({ venues: ['binance'] });
    const server = v.binance!;
    const c = await connect(`${v.endpoints().binance.public}/stream?streams=btcusdt@depth@100ms`);
    await run(500);
    await waitFor(() => c.texts.length >= 5, 'depth');
    server.gap('btcusdt@depth@100ms', 2);
    const before = c.texts.length;
    await run(500);
    await waitFor(() => c.texts.length >= before + 3, 'more depth');
    const diffs = c.texts.map((t) => (JSON.parse(t) as { data: { u: number; pu: number } }).data);
    expect(diffs.filter((d, i) => i > 0 && d.pu !== diffs[i - 1]!.u)).toHaveLength(1);
    expect(server.counters.gapFramesSkipped).toBe(2);

    server.silence(true);
    const silentAt = c.texts.length;
    await run(1_000);
    await new Promise((r) => setTimeout(r, 20));
    expect(c.texts.length).toBe(silentAt);
    server.silence(false);

    expect(server.sendGarbage('truncated')).toBe(1);
    expect(server.sendGarbage('garbage')).toBe(1);
    await waitFor(() => c.texts.some((t) => t.startsWith('<html>')), 'the garbage');
    expect(server.drop()).toBe(1);
    await waitFor(() => c.closed, 'the drop');
    server.refuse(true);
    await expect(connect(`${v.endpoints().binance.public}/stream`)).rejects.toThrow(/503/);
    expect(server.counters).toMatchObject({ drops: 1, garbageSent: 2, connectionsRefused: 1 });
  });

  it('answers REST with injected statuses, Retry-After and delays', async () => {
    const v = await start({ venues: ['okx'] });
    const base = v.endpoints().okx.rest;
    v.okx!.failHttp({ status: 429, retryAfter: '7', times: 2, path: '/api/v5/public/open-interest' });
    const url = `${base}/api/v5/public/open-interest?instType=SWAP&instId=BTC-USDT-SWAP`;
    const first = await fetch(url);
    expect([first.status, first.headers.get('retry-after')]).toEqual([429, '7']);
    expect((await fetch(url)).status).toBe(429);
    expect((await fetch(url)).status).toBe(200);
    v.okx!.failHttp({ status: 503, delayMs: 3_000 });
    const slow = fetch(url);
    let settled = false;
    void slow.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    clock.advance(3_000);
    expect((await slow).status).toBe(503);
    expect(v.okx!.counters).toMatchObject({ httpFaultsServed: 3, httpDelayed: 1 });
  });
});
