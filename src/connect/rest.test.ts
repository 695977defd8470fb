import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../wall-clock.js';
import { MemoryLogger } from './logger.js';
import {
  RestClient,
  RestPoller,
  parseRetryAfter,
  type RestClientOptions,
  type RestRequest,
  type RestResult,
  type RestVenueSpec,
} from './rest.js';
import { waitFor } from './test-support.js';

/** 30 s into a UTC minute. */
const T0 = Date.UTC(2026, 0, 5, 12, 0, 30);
const NEXT_MINUTE = Date.UTC(2026, 0, 5, 12, 1, 0);

const OI_BODY = '{"openInterest":"10659.509","symbol":"BTCUSDT","time":1589437530011}';

const openInterest = (symbol = 'BTCUSDT'): RestRequest => ({ name: 'openInterest', path: '/fapi/v1/openInterest', query: { symbol } });
const depth = (symbol: string): RestRequest => ({ name: 'depthSnapshot', path: '/fapi/v1/depth', query: { symbol, limit: 1000 }, weight: 20 });

interface Hit {
  readonly url: string;
  readonly at: number;
  readonly res: http.ServerResponse;
}

type Handler = (hit: Hit, index: number) => void;

/** A loopback HTTP server whose answers each test scripts; it notes every request with the manual clock's time. */
class ScriptedServer {
  readonly hits: Hit[] = [];
  handler: Handler = (hit) => reply(hit, 200, OI_BODY);

  private constructor(private readonly server: http.Server) {}

  static async start(clock: () => ManualClock): Promise<ScriptedServer> {
    let self: ScriptedServer | undefined;
    const server = http.createServer((req, res) => {
      const hit = { url: req.url ?? '', at: clock().now(), res };
      self!.hits.push(hit);
      self!.handler(hit, self!.hits.length - 1);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new ScriptedServer(server);
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const hit of this.hits) if (!hit.res.writableEnded) hit.res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function reply(hit: Hit, status: number, body: string, headers: Record<string, string> = {}): void {
  hit.res.writeHead(status, { 'content-type': 'application/json', ...headers });
  hit.res.end(body);
}

let clock: ManualClock;
const servers: ScriptedServer[] = [];
const stoppables: { stop(): Promise<void> }[] = [];

afterEach(async () => {
  for (const s of stoppables.splice(0)) await s.stop();
  for (const s of servers.splice(0)) await s.close();
});

async function setup(spec: Partial<RestVenueSpec> = {}, options: Partial<RestClientOptions> = {}) {
  clock = new ManualClock({ start: T0 });
  const server = await ScriptedServer.start(() => clock);
  servers.push(server);
  const logger = new MemoryLogger();
  const client = new RestClient({ venue: 'binance', baseUrl: server.url, ...spec }, { clock, logger, ...options });
  stoppables.push(client);
  return { server, client, logger };
}

/** Let pending I/O callbacks run (used before asserting that something did NOT happen). */
async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('RestClient', () => {
  it('returns the body raw and parsed with venue, name, query and receive time', async () => {
    const { server, client } = await setup();
    const result = await client.request(openInterest());
    expect(result).toEqual({
      ok: true,
      venue: 'binance',
      name: 'openInterest',
      path: '/fapi/v1/openInterest',
      query: { symbol: 'BTCUSDT' },
      url: `${server.url}/fapi/v1/openInterest?symbol=BTCUSDT`,
      receivedAt: T0,
      attempts: 1,
      status: 200,
      text: OI_BODY,
      body: { openInterest: '10659.509', symbol: 'BTCUSDT', time: 1589437530011 },
    });
    expect(server.hits.map((h) => h.url)).toEqual(['/fapi/v1/openInterest?symbol=BTCUSDT']);
  });

  it('fails a request that gets no answer within the timeout', async () => {
    const { server, client } = await setup();
    server.handler = () => {}; // never answers
    let settled = false;
    const pending = client.request(openInterest()).then((r) => ((settled = true), r));
    await waitFor(() => server.hits.length === 1, 'the request');
    clock.advance(9_999);
    await settle();
    expect(settled).toBe(false);
    clock.advance(1);
    const result = await pending;
    expect(result).toMatchObject({
      ok: false,
      reason: 'timeout',
      status: undefined,
      attempts: 1,
      receivedAt: T0 + 10_000,
      message: 'binance GET /fapi/v1/openInterest?symbol=BTCUSDT: no answer within 10 s',
    });
    expect(client.stats().failures).toEqual({ timeout: 1 });
  });

  it('honours Retry-After on a 429: pauses the venue, fails what cannot wait, sends the rest afterwards', async () => {
    const { server, client, logger } = await setup();
    server.handler = (hit, i) => (i === 0 ? reply(hit, 429, '{"code":-1003,"msg":"Too many requests"}', { 'Retry-After': '30' }) : reply(hit, 200, '{}'));
    const limited = await client.request(openInterest());
    const message =
      'binance GET /fapi/v1/openInterest?symbol=BTCUSDT: HTTP 429 (rate-limited); pausing every request to binance for 30 s (Retry-After)';
    expect(limited).toMatchObject({ ok: false, reason: 'rate-limited', status: 429, message });
    expect(logger.lines).toEqual([`warn ${message}`]);
    expect(client.stats().pausedUntil).toBe(T0 + 30_000);

    const impatient = await client.request(depth('ETHUSDT'), { queueTimeoutMs: 5_000 });
    expect(impatient).toMatchObject({
      ok: false,
      reason: 'paused',
      attempts: 0,
      message: 'binance GET /fapi/v1/depth?symbol=ETHUSDT&limit=1000: not sent: requests to binance are paused until 12:01:00Z (HTTP 429)',
    });

    const patient = client.request(depth('BTCUSDT'), { queueTimeoutMs: 60_000 });
    clock.advance(29_999);
    await settle();
    expect(server.hits).toHaveLength(1);
    clock.advance(1);
    expect(await patient).toMatchObject({ ok: true, attempts: 1 });
    expect(server.hits.map((h) => h.at)).toEqual([T0, T0 + 30_000]);
  });

  it('backs off for two minutes on a 418 without Retry-After', async () => {
    const { server, client } = await setup();
    server.handler = (hit) => reply(hit, 418, '{"code":-1003,"msg":"Way too many requests; IP banned"}');
    expect(await client.request(openInterest())).toMatchObject({
      ok: false,
      reason: 'banned',
      status: 418,
      message: 'binance GET /fapi/v1/openInterest?symbol=BTCUSDT: HTTP 418 (IP banned); pausing every request to binance for 120 s (default)',
    });
    expect(client.stats().pausedUntil).toBe(T0 + 120_000);
    expect(await client.request(openInterest('ETHUSDT'))).toMatchObject({ reason: 'paused', attempts: 0 });
    expect(server.hits).toHaveLength(1);
  });

  it('retries a 5xx with backoff, never sooner than the endpoint minimum interval', async () => {
    const { server, client } = await setup();
    server.handler = (hit, i) => (i < 2 ? reply(hit, 503, 'busy') : reply(hit, 200, OI_BODY));
    const pending = client.request(openInterest());
    for (let attempt = 1; attempt <= 2; attempt++) {
      await waitFor(() => client.stats().queued === 1, `retry ${attempt} queued`);
      clock.advance(4_999);
      await settle();
      expect(server.hits).toHaveLength(attempt);
      clock.advance(1);
    }
    expect(await pending).toMatchObject({ ok: true, attempts: 3 });
    expect(server.hits.map((h) => h.at)).toEqual([T0, T0 + 5_000, T0 + 10_000]);
    expect(client.stats()).toMatchObject({ sent: 3, retries: 2, succeeded: 1, failed: 0 });
  });

  it('reports a 5xx once the retries are spent', async () => {
    const { server, client } = await setup({}, { retries: 1 });
    server.handler = (hit) => reply(hit, 502, '<html>bad gateway</html>');
    const pending = client.request(openInterest());
    await waitFor(() => client.stats().queued === 1, 'retry queued');
    clock.advance(5_000);
    expect(await pending).toMatchObject({
      ok: false,
      reason: 'server',
      status: 502,
      attempts: 2,
      message: 'binance GET /fapi/v1/openInterest?symbol=BTCUSDT: HTTP 502: <html>bad gateway</html> (2 attempts)',
    });
  });

  it('retries a refused connection and then names the network error', async () => {
    const { server, client } = await setup({}, { retries: 1 });
    await server.close();
    servers.splice(0);
    const pending = client.request(openInterest());
    await waitFor(() => client.stats().queued === 1, 'retry queued');
    clock.advance(5_000);
    const result = await pending;
    expect(result).toMatchObject({ ok: false, reason: 'network', attempts: 2 });
    expect(result.ok ? '' : result.message).toMatch(/^binance GET \/fapi\/v1\/openInterest\?symbol=BTCUSDT: network error: ECONNREFUSED.* \(2 attempts\)$/);
  });

  it('does not retry other 4xx, bad bodies or venue errors', async () => {
    const { server, client } = await setup({
      bodyProblem: (body) => {
        const b = body as { retCode?: number; retMsg?: string };
        return b.retCode !== undefined && b.retCode !== 0 ? `retCode ${b.retCode}: ${b.retMsg}` : undefined;
      },
    });
    const answers: [number, string][] = [
      [400, '{"code":-1121,"msg":"Invalid symbol."}'],
      [200, '<html>maintenance</html>'],
      [200, '{"retCode":10001,"retMsg":"params error"}'],
    ];
    server.handler = (hit, i) => reply(hit, answers[i]![0], answers[i]![1]);
    const results = [];
    for (const symbol of ['XUSDT', 'YUSDT', 'ZUSDT']) results.push(await client.request(openInterest(symbol)));
    expect(results.map((r) => (r.ok ? 'ok' : `${r.reason} ${r.attempts} ${r.message}`))).toEqual([
      'http 1 binance GET /fapi/v1/openInterest?symbol=XUSDT: HTTP 400: {"code":-1121,"msg":"Invalid symbol."}',
      'invalid-body 1 binance GET /fapi/v1/openInterest?symbol=YUSDT: HTTP 200 but the body is not JSON: <html>maintenance</html>',
      'venue-error 1 binance GET /fapi/v1/openInterest?symbol=ZUSDT: venue error: retCode 10001: params error',
    ]);
    expect(server.hits).toHaveLength(3);
  });

  it('asks one endpoint at most every 5 s while other endpoints go at once', async () => {
    const { server, client } = await setup();
    expect(await client.request(openInterest('BTCUSDT'))).toMatchObject({ ok: true });
    const again = client.request(openInterest('BTCUSDT'));
    expect(await client.request(openInterest('ETHUSDT'))).toMatchObject({ ok: true });
    clock.advance(4_999);
    await settle();
    expect(server.hits).toHaveLength(2);
    clock.advance(1);
    expect(await again).toMatchObject({ ok: true });
    expect(server.hits.map((h) => [h.url, h.at])).toEqual([
      ['/fapi/v1/openInterest?symbol=BTCUSDT', T0],
      ['/fapi/v1/openInterest?symbol=ETHUSDT', T0],
      ['/fapi/v1/openInterest?symbol=BTCUSDT', T0 + 5_000],
    ]);
  });

  it('fails a request that cannot get past the minimum interval before its deadline', async () => {
    const { client } = await setup();
    await client.request(openInterest());
    expect(await client.request(openInterest(), { queueTimeoutMs: 1_000 })).toMatchObject({
      ok: false,
      reason: 'queue-timeout',
      message: 'binance GET /fapi/v1/openInterest?symbol=BTCUSDT: not sent: the endpoint may be asked only every 5 s',
    });
  });

  it('keeps within the weight budget of a UTC minute, first in first served', async () => {
    const { server, client } = await setup({ weightBudget: { limit: 41, windowMs: 60_000 } });
    server.handler = (hit) => reply(hit, 200, '{"lastUpdateId":1,"bids":[],"asks":[]}');
    const results = [depth('BTCUSDT'), depth('ETHUSDT'), depth('SOLUSDT'), openInterest()].map((r) => client.request(r, { queueTimeoutMs: 60_000 }));
    await waitFor(() => server.hits.length === 2, 'two depth requests');
    await settle();
    // SOL (20) does not fit; the 1-weight request would, but does not overtake it.
    expect(client.stats()).toMatchObject({ queued: 2, weight: { used: 40, limit: 41, windowStart: NEXT_MINUTE - 60_000 } });
    clock.advanceTo(NEXT_MINUTE - 1);
    await settle();
    expect(server.hits).toHaveLength(2);
    clock.advanceTo(NEXT_MINUTE);
    await Promise.all(results);
    expect(server.hits.map((h) => [h.url.replace(/\?.*symbol=(\w+).*/, ' $1'), h.at])).toEqual([
      ['/fapi/v1/depth BTCUSDT', T0],
      ['/fapi/v1/depth ETHUSDT', T0],
      ['/fapi/v1/depth SOLUSDT', NEXT_MINUTE],
      ['/fapi/v1/openInterest BTCUSDT', NEXT_MINUTE],
    ]);
    expect(client.stats().weight).toEqual({ used: 21, limit: 41, windowStart: NEXT_MINUTE });
  });

  it('refuses a request heavier than the whole budget', async () => {
    const { server, client } = await setup({ weightBudget: { limit: 10, windowMs: 60_000 } });
    expect(await client.request(depth('BTCUSDT'))).toMatchObject({
      ok: false,
      reason: 'budget',
      attempts: 0,
      message: 'binance GET /fapi/v1/depth?symbol=BTCUSDT&limit=1000: not sent: weight 20 exceeds the budget of 10 per 60 s',
    });
    expect(server.hits).toHaveLength(0);
  });

  it('takes the weight the venue reports as used', async () => {
    const { server, client } = await setup({ weightBudget: { limit: 2_400, windowMs: 60_000 }, usedWeightHeader: 'X-MBX-USED-WEIGHT-1M' });
    server.handler = (hit) => reply(hit, 200, OI_BODY, { 'X-MBX-USED-WEIGHT-1M': '2390' });
    await client.request(openInterest());
    expect(client.stats().weight?.used).toBe(2_390);
    const snapshot = client.request(depth('BTCUSDT'), { queueTimeoutMs: 60_000 });
    await settle();
    expect(server.hits).toHaveLength(1);
    clock.advanceTo(NEXT_MINUTE);
    expect(await snapshot).toMatchObject({ ok: true });
    expect(server.hits[1]!.at).toBe(NEXT_MINUTE);
  });

  it('fails fast when the budget cannot make room before the deadline', async () => {
    const { client } = await setup({ weightBudget: { limit: 20, windowMs: 60_000 } });
    await client.request(depth('BTCUSDT'));
    expect(await client.request(depth('ETHUSDT'), { queueTimeoutMs: 10_000 })).toMatchObject({
      ok: false,
      reason: 'budget',
      message: 'binance GET /fapi/v1/depth?symbol=ETHUSDT&limit=1000: not sent: the weight budget (20 per 60 s) has no room before 12:01:00Z',
    });
  });

  it('runs at most maxConcurrent requests at once', async () => {
    const { server, client } = await setup({}, { maxConcurrent: 2 });
    server.handler = () => {};
    const results = ['A', 'B', 'C'].map((s) => client.request(openInterest(`${s}USDT`)));
    await waitFor(() => server.hits.length === 2, 'two requests');
    await settle();
    expect(client.stats()).toMatchObject({ inFlight: 2, queued: 1 });
    reply(server.hits[0]!, 200, '{}');
    await waitFor(() => server.hits.length === 3, 'the third once a slot is free');
    reply(server.hits[1]!, 200, '{}');
    reply(server.hits[2]!, 200, '{}');
    expect((await Promise.all(results)).every((r) => r.ok)).toBe(true);
  });

  it('fails what is queued or in flight when stopped', async () => {
    const { server, client } = await setup({}, { maxConcurrent: 1 });
    server.handler = () => {};
    const inFlight = client.request(openInterest('BTCUSDT'));
    const queued = client.request(openInterest('ETHUSDT'));
    await waitFor(() => server.hits.length === 1, 'the request');
    await client.stop();
    expect(await inFlight).toMatchObject({ ok: false, reason: 'stopped' });
    expect(await queued).toMatchObject({ ok: false, reason: 'stopped', attempts: 0 });
    expect(await client.request(openInterest())).toMatchObject({ ok: false, reason: 'stopped' });
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('30', T0)).toBe(30_000);
    expect(parseRetryAfter(new Date(T0 + 90_000).toUTCString(), T0)).toBe(90_000);
    expect(parseRetryAfter('soon', T0)).toBeUndefined();
    expect(parseRetryAfter(null, T0)).toBeUndefined();
  });
});

describe('RestPoller', () => {
  async function pollerSetup(options: Partial<RestClientOptions> = {}) {
    clock = new ManualClock({ start: T0 });
    const binance = await ScriptedServer.start(() => clock);
    const okx = await ScriptedServer.start(() => clock);
    servers.push(binance, okx);
    okx.handler = (hit) => reply(hit, 200, '{"code":"0","msg":"","data":[{"instId":"BTC-USDT-SWAP","oiCcy":"555.55","ts":"1597026383085"}]}');
    const logger = new MemoryLogger();
    const results: RestResult[] = [];
    const poller = new RestPoller({
      clock,
      logger,
      clients: [
        new RestClient({ venue: 'binance', baseUrl: binance.url }, { clock, ...options }),
        new RestClient({ venue: 'okx', baseUrl: okx.url }, { clock, ...options }),
      ],
      onResult: (r) => results.push(r),
    });
    stoppables.push(poller);
    return { binance, okx, poller, results, logger };
  }

  const okxOpenInterest: RestRequest = {
    name: 'openInterest',
    path: '/api/v5/public/open-interest',
    query: { instType: 'SWAP', instId: 'BTC-USDT-SWAP' },
  };

  it('polls open interest every 15 s per symbol and venue, concurrently, delivering every result', async () => {
    const { binance, okx, poller, results } = await pollerSetup();
    poller.add({ venue: 'binance', request: openInterest('BTCUSDT'), everyMs: 15_000 });
    poller.add({ venue: 'binance', request: openInterest('ETHUSDT'), everyMs: 15_000 });
    poller.add({ venue: 'okx', request: okxOpenInterest, everyMs: 15_000 });
    poller.start();
    await waitFor(() => results.length === 3, 'first round');
    clock.advance(15_000);
    await waitFor(() => results.length === 6, 'second round');
    expect(binance.hits.map((h) => h.at)).toEqual([T0, T0, T0 + 15_000, T0 + 15_000]);
    expect(okx.hits.map((h) => h.at)).toEqual([T0, T0 + 15_000]);
    const okxResult = results.find((r) => r.venue === 'okx')!;
    expect(okxResult).toMatchObject({
      ok: true,
      name: 'openInterest',
      query: { instType: 'SWAP', instId: 'BTC-USDT-SWAP' },
      receivedAt: T0,
      body: { code: '0', data: [{ oiCcy: '555.55' }] },
    });
    expect(poller.stats().polls.map((p) => [p.venue, p.endpoint, p.runs, p.succeeded])).toEqual([
      ['binance', 'GET /fapi/v1/openInterest?symbol=BTCUSDT', 2, 2],
      ['binance', 'GET /fapi/v1/openInterest?symbol=ETHUSDT', 2, 2],
      ['okx', 'GET /api/v5/public/open-interest?instType=SWAP&instId=BTC-USDT-SWAP', 2, 2],
    ]);
  });

  it('delivers a failed poll as a failure result, counts it, and reports the recovery', async () => {
    const { okx, poller, results, logger } = await pollerSetup({ retries: 0 });
    okx.handler = (hit, i) =>
      i < 2 ? reply(hit, 500, '{"code":"50001","msg":"Service temporarily unavailable"}') : reply(hit, 200, '{"code":"0","data":[]}');
    poller.add({ venue: 'okx', request: okxOpenInterest, everyMs: 15_000 });
    poller.start();
    for (let round = 1; round <= 3; round++) {
      await waitFor(() => results.length === round, `round ${round}`);
      if (round < 3) clock.advance(15_000);
    }
    expect(results.map((r) => (r.ok ? 'ok' : `${r.venue} ${r.reason} ${r.status}`))).toEqual(['okx server 500', 'okx server 500', 'ok']);
    expect(results[0]).toMatchObject({ query: { instType: 'SWAP', instId: 'BTC-USDT-SWAP' }, receivedAt: T0 });
    expect(poller.stats().polls[0]).toMatchObject({
      runs: 3,
      succeeded: 1,
      failed: 2,
      consecutiveFailures: 0,
      lastOkAt: T0 + 30_000,
      lastFailure: { at: T0 + 15_000, reason: 'server' },
    });
    expect(logger.lines).toEqual([
      'warn okx GET /api/v5/public/open-interest?instType=SWAP&instId=BTC-USDT-SWAP: HTTP 500: {"code":"50001","msg":"Service temporarily unavailable"} (poll failed; counted until it answers again)',
      'info okx GET /api/v5/public/open-interest?instType=SWAP&instId=BTC-USDT-SWAP: answering again after 2 failed polls',
    ]);
  });

  it('skips a tick while the previous poll of that endpoint is still running', async () => {
    const { binance, poller, results } = await pollerSetup({ timeoutMs: 20_000 });
    binance.handler = () => {};
    poller.add({ venue: 'binance', request: openInterest(), everyMs: 15_000 });
    poller.start();
    await waitFor(() => binance.hits.length === 1, 'first poll');
    clock.advance(15_000);
    expect(poller.stats().polls[0]).toMatchObject({ runs: 1, skipped: 1 });
    reply(binance.hits[0]!, 200, OI_BODY);
    await waitFor(() => results.length === 1, 'the late answer');
    binance.handler = (hit) => reply(hit, 200, OI_BODY);
    clock.advance(15_000);
    await waitFor(() => results.length === 2, 'next poll');
    expect(binance.hits.map((h) => h.at)).toEqual([T0, T0 + 30_000]);
  });

  it('coalesces on-demand requests for one endpoint and delivers the result once', async () => {
    const { binance, poller, results } = await pollerSetup();
    binance.handler = () => {};
    const first = poller.request('binance', depth('BTCUSDT'));
    const second = poller.request('binance', depth('BTCUSDT'));
    expect(second).toBe(first);
    await waitFor(() => binance.hits.length === 1, 'one request');
    reply(binance.hits[0]!, 200, '{"lastUpdateId":1027024,"E":1589436922972,"T":1589436922959,"bids":[],"asks":[]}');
    expect(await first).toMatchObject({ ok: true, name: 'depthSnapshot', query: { symbol: 'BTCUSDT', limit: 1000 } });
    expect(results).toHaveLength(1);
    expect(poller.stats().coalesced).toBe(1);
  });

  it('refuses to poll an endpoint more often than every 5 s', async () => {
    const { poller } = await pollerSetup();
    expect(() => poller.add({ venue: 'binance', request: openInterest(), everyMs: 1_000 })).toThrow(
      'binance GET /fapi/v1/openInterest?symbol=BTCUSDT: polling every 1000 ms is more often than the 5000 ms allowed per endpoint',
    );
    expect(() => poller.add({ venue: 'kraken', request: openInterest(), everyMs: 15_000 })).toThrow(/no REST client for venue "kraken"/);
  });

  it('delivers nothing after stop', async () => {
    const { binance, poller, results } = await pollerSetup();
    binance.handler = () => {};
    poller.add({ venue: 'binance', request: openInterest(), everyMs: 15_000 });
    poller.start();
    await waitFor(() => binance.hits.length === 1, 'first poll');
    await poller.stop();
    clock.advance(60_000);
    await settle();
    expect(results).toEqual([]);
    expect(binance.hits).toHaveLength(1);
  });
});
