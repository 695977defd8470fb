import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../connect/test-support.js';
import type { OrderBookStatsJson } from '../engines/orderbook/stats-json.js';
import type { Venue } from '../events.js';
import { corruptStateFiles, startLiveHarness, type HarnessOptions, type LiveHarness } from './test-harness.js';

let h: LiveHarness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function harness(options: HarnessOptions = {}): Promise<LiveHarness> {
  h = await startLiveHarness({ symbols: ['BTC'], ...options });
  return h;
}

function connection(name: string) {
  const socket = h!.live.sockets.find((s) => s.spec.name === name);
  if (!socket) throw new Error(`no socket ${name}`);
  return socket;
}

function bookStats(symbol: string, venue: Venue) {
  const stats = h!.live.runtime.manager.get(symbol)!.orderBook.stats() as OrderBookStatsJson;
  return stats.venues[venue]!;
}

/** Stop live and check that every state file it wrote is intact. */
async function stopAndCheckFiles(): Promise<void> {
  await h!.live.stop();
  expect(corruptStateFiles(h!.dataDir)).toEqual([]);
}

describe('reconnect backoff', () => {
  it('waits 1, 2, 4 … 32 s between refused attempts and starts again at 1 s after a good connection', async () => {
    await harness({ venues: ['okx'] });
    const socket = connection('okx.public');
    h!.venues.okx!.refuse(true);
    h!.venues.okx!.drop();
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      await waitFor(() => socket.state === 'reconnecting', `failed attempt ${i}`);
      const delay = socket.stats().nextReconnectAt! - h!.clock.now();
      delays.push(delay);
      h!.clock.advance(delay); // the next attempt starts: connecting, then refused
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 32_000]);
    await waitFor(() => socket.state === 'reconnecting', 'the seventh refusal');
    expect(socket.stats()).toMatchObject({ disconnects: 1, reconnects: 7 });
    expect(h!.venues.okx!.counters.connectionsRefused).toBe(7);
    h!.venues.okx!.refuse(false);
    h!.clock.advance(socket.stats().nextReconnectAt! - h!.clock.now());
    await h!.run(2_000);
    expect(socket.state).toBe('open');
    h!.venues.okx!.drop();
    await waitFor(() => socket.state === 'reconnecting', 'the drop');
    expect(socket.stats().nextReconnectAt! - h!.clock.now()).toBe(1_000);
    expect(h!.live.status().disconnects).toBe(2);
  });
});

describe('watchdog', () => {
  it("reconnects a socket on Binance's retired path, which connects and then says nothing", async () => {
    await harness({
      venues: ['binance'],
      endpoints: (e, venues) => ({ ...e, binance: { ...e.binance, public: `${venues.binance!.wsBase}/ws` } }),
    });
    await h!.run(100_000, 500);
    const pub = connection('binance.public').stats();
    expect(pub.watchdogTrips).toBeGreaterThanOrEqual(2);
    expect(pub.ackTimeouts).toBeGreaterThanOrEqual(2); // the retired path never answers SUBSCRIBE either
    expect(pub.lastError?.message).toMatch(/connected but silent: no frame since the connection opened on channel "depth@100ms"/);
    expect(pub.forwarded).toBe(0);
    // the market socket is on the new path and fine
    expect(connection('binance.market').stats()).toMatchObject({ state: 'open', watchdogTrips: 0, reconnects: 0 });
    await stopAndCheckFiles();
  });

  it('reconnects a working socket that falls silent, and recovers its books when data flows again', async () => {
    await harness({ venues: ['bybit'] });
    await h!.run(5_000, 250);
    expect(bookStats('BTC', 'bybit').synced).toBe(true);
    h!.venues.bybit!.silence(true);
    await h!.run(40_000, 500);
    const silent = connection('bybit.public').stats();
    expect(silent.watchdogTrips).toBe(1);
    expect(silent.lastError?.message).toMatch(/connected but silent: no frame on channel "(orderbook\.50|tickers)"/);
    // pongs kept coming: silence, not a dead link, is what tripped it
    expect(silent.keepaliveTimeouts).toBe(0);
    h!.venues.bybit!.silence(false);
    // the new connection's snapshot went unsent while the venue was silent: the book asks
    // again when its request stalls (30 s of event time after the disconnect)
    await h!.run(30_000, 250);
    const status = h!.live.status();
    expect(status.connections[0]).toMatchObject({ state: 'open', disconnects: 1 });
    expect(status.disconnects).toBe(1);
    expect(status.resync.requests).toMatchObject({ 'bybit.disconnect': 1, 'bybit.stalled': 1 });
    expect(status.resync).toMatchObject({ leftToReconnect: 1, resubscribes: 1 });
    expect(bookStats('BTC', 'bybit')).toMatchObject({ synced: true, disconnects: 1 });
    await stopAndCheckFiles();
  });
});

describe('bad frames', () => {
  it('counts garbage, truncated and binary frames on every venue and keeps every connection', async () => {
    await harness();
    await h!.run(3_000, 250);
    for (const server of [h!.venues.binance!, h!.venues.bybit!, h!.venues.okx!]) {
      server.sendGarbage('garbage');
      server.sendGarbage('truncated');
      server.sendGarbage('binary');
    }
    await h!.run(3_000, 250);
    const status = h!.live.status();
    for (const c of status.connections) {
      expect(c.frames.garbage, c.connection).toBe(3);
      expect(c).toMatchObject({ state: 'open', reconnects: 0, disconnects: 0 });
    }
    expect(connection('okx.public').stats().lastGarbage?.reason).toBe('binary frame');
    expect(status.pipeline.dropped).toEqual({});
    for (const venue of ['binance', 'bybit', 'okx'] as const) expect(bookStats('BTC', venue)).toMatchObject({ synced: true, gaps: 0 });
    await stopAndCheckFiles();
  });
});

describe('sequence gaps', () => {
  it('resyncs a Binance book from a REST snapshot and an OKX book by resubscribing; Bybit skips are applied', async () => {
    await harness({ symbols: ['BTC', 'SOL'] });
    await h!.run(5_000, 250);
    h!.venues.binance!.gap('btcusdt@depth@100ms'); // within BTC's tolerance of 1000 update ids
    h!.venues.binance!.gap('solusdt@depth@100ms'); // beyond SOL's tolerance of 5
    h!.venues.okx!.gap('books:BTC-USDT-SWAP');
    h!.venues.bybit!.gap('orderbook.50.BTCUSDT');
    await h!.run(10_000, 250);
    const status = h!.live.status();
    expect(bookStats('BTC', 'binance')).toMatchObject({ synced: true, gaps: 1, gaps_tolerated: 1, resyncs: 0 });
    expect(bookStats('SOL', 'binance')).toMatchObject({ synced: true, gaps: 1, pu_gap_count: 1, resyncs: 1, snapshots: 2 });
    expect(status.resync.requests).toMatchObject({ 'binance.initial': 2, 'binance.gap': 1, 'okx.gap': 1 });
    expect(status.resync).toMatchObject({ snapshotsRequested: 3, snapshotsReceived: 3, resubscribes: 1 });
    expect(bookStats('BTC', 'okx')).toMatchObject({ synced: true, seq_gap_count: 1, resyncs: 1, snapshots: 2 });
    // Bybit does not document +1 steps of u: a skip is counted and applied, the book kept
    expect(bookStats('BTC', 'bybit')).toMatchObject({ synced: true, u_skip_count: 1, resyncs: 0 });
    expect(h!.venues.binance!.counters.gapFramesSkipped + h!.venues.okx!.counters.gapFramesSkipped).toBe(3);
    await stopAndCheckFiles();
  });
});

describe('dropped connections', () => {
  it('sends a disconnect per drop, reconnects, and resyncs every book of the venue', async () => {
    await harness();
    await h!.run(5_000, 250);
    for (const server of [h!.venues.binance!, h!.venues.bybit!, h!.venues.okx!]) server.drop();
    await h!.run(10_000, 250);
    const status = h!.live.status();
    expect(status.disconnects).toBe(4);
    expect(status.connections.map((c) => [c.connection, c.state, c.disconnects, c.reconnects])).toEqual([
      ['binance.public', 'open', 1, 1],
      ['binance.market', 'open', 1, 1],
      ['bybit.public', 'open', 1, 1],
      ['okx.public', 'open', 1, 1],
    ]);
    // Binance waited for the new connection's diffs before asking for a snapshot
    expect(status.resync).toMatchObject({ snapshotsReceived: 2, waitingForStream: [], leftToReconnect: 2 });
    for (const venue of ['binance', 'bybit', 'okx'] as const) expect(bookStats('BTC', venue)).toMatchObject({ synced: true, disconnects: 1, resyncs: 1 });
    await stopAndCheckFiles();
  });
});

describe('REST faults', () => {
  it('pauses Binance after a 429 for its Retry-After, leaves its OI out meanwhile, and resumes', async () => {
    await harness({ venues: ['binance'] });
    await h!.run(1_000, 250);
    h!.venues.binance!.failHttp({ path: '/fapi/v1/openInterest', status: 429, retryAfter: '40' });
    await h!.run(15_000, 250); // the next OI poll gets the 429
    const paused = h!.live.status().rest.venues[0]!;
    expect(paused.failures['rate-limited']).toBe(1);
    expect(paused.pausedUntil! - h!.clock.now()).toBeGreaterThan(20_000);
    await h!.run(45_000, 500);
    const after = h!.live.status().rest;
    const oi = after.polls.find((p) => p.name === 'openInterest')!;
    expect(oi.consecutiveFailures).toBe(0);
    expect(oi.failed).toBeGreaterThanOrEqual(2); // the 429 and the polls that met the pause
    expect(after.venues[0]!.pausedUntil).toBeUndefined();
    expect(h!.logger.lines).toContain('warn binance GET /fapi/v1/openInterest?symbol=BTCUSDT: HTTP 429 (rate-limited); pausing every request to binance for 40 s (Retry-After)');
    await stopAndCheckFiles();
  });

  it('backs off two minutes after a 418, and retries a 5xx within the poll', async () => {
    await harness({ venues: ['binance', 'okx'] });
    await h!.run(1_000, 250);
    h!.venues.okx!.failHttp({ path: '/api/v5/public/open-interest', status: 503 });
    h!.venues.binance!.failHttp({ path: '/futures/data/', status: 418 });
    await h!.run(61_000, 500);
    const status = h!.live.status().rest;
    const okx = status.venues.find((v) => v.venue === 'okx')!;
    expect(okx.retries).toBe(1);
    expect(status.polls.find((p) => p.venue === 'okx' && p.name === 'openInterest')).toMatchObject({ failed: 0, consecutiveFailures: 0 });
    const binance = status.venues.find((v) => v.venue === 'binance')!;
    expect(binance.failures.banned).toBe(1);
    expect(binance.pausedUntil! - h!.clock.now()).toBeGreaterThan(50_000);
    await stopAndCheckFiles();
  });

  it('gives up a slow answer at the timeout and recovers when answers are quick again', async () => {
    await harness({ venues: ['bybit'] });
    await h!.run(1_000, 250);
    h!.venues.bybit!.httpDelayMs = 12_000;
    await h!.run(25_000, 500); // the poll at 15 s times out at 25 s
    const slow = h!.live.status().rest;
    expect(slow.venues[0]!.failures.timeout).toBe(1);
    expect(slow.polls[0]).toMatchObject({ consecutiveFailures: 1 });
    h!.venues.bybit!.httpDelayMs = 0;
    await h!.run(15_000, 500);
    expect(h!.live.status().rest.polls[0]).toMatchObject({ consecutiveFailures: 0 });
    await stopAndCheckFiles();
  });
});

describe('planned rotation', () => {
  it('hands over before the (accelerated) 24-hour disconnect without losing or repeating a message', async () => {
    // Binance closes connections after 60 s here; live rotates every 50 s (23.5 h of 24 h, scaled)
    await harness({
      symbols: ['BTC', 'ETH'],
      venues: ['binance'],
      loopback: { profile: 'full', binance: { maxConnectionAgeMs: 60_000 } },
      live: { rotateEveryMs: 50_000, record: undefined },
    });
    const aggIds = new Map<string, number[]>();
    const depth = new Map<string, { U: number; u: number; pu: number }[]>();
    const marks = new Map<string, number[]>();
    const original = h!.live.runtime.pipeline.handle.bind(h!.live.runtime.pipeline);
    h!.live.runtime.pipeline.handle = (envelope) => {
      const d = (envelope.d as { data?: Record<string, unknown> }).data;
      if (d !== undefined) {
        const s = String(d.s);
        if (envelope.c === 'aggTrade') (aggIds.get(s) ?? aggIds.set(s, []).get(s)!).push(d.a as number);
        if (envelope.c === 'depth@100ms') (depth.get(s) ?? depth.set(s, []).get(s)!).push({ U: d.U as number, u: d.u as number, pu: d.pu as number });
        if (envelope.c === 'markPrice@1s') (marks.get(s) ?? marks.set(s, []).get(s)!).push(d.E as number);
      }
      return original(envelope);
    };
    await h!.run(170_000, 250);
    const status = h!.live.status();
    for (const c of status.connections) {
      expect(c.rotations, c.connection).toBe(3);
      expect(c.disconnects, c.connection).toBe(0);
      expect(c.duplicatesDropped, c.connection).toBeGreaterThan(0);
    }
    expect(h!.venues.binance!.counters.ageDisconnects).toBe(0);
    for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
      const a = aggIds.get(symbol)!;
      for (let i = 1; i < a.length; i++) expect(a[i], `${symbol} aggTrade after ${a[i - 1]}`).toBe(a[i - 1]! + 1);
      const d = depth.get(symbol)!;
      expect(d.length).toBeGreaterThan(1500);
      for (let i = 1; i < d.length; i++) expect(d[i]!.pu, `${symbol} depth after u ${d[i - 1]!.u}`).toBe(d[i - 1]!.u);
      const m = marks.get(symbol)!;
      for (let i = 1; i < m.length; i++) expect(m[i]! - m[i - 1]!).toBe(1_000);
    }
    expect(bookStats('BTC', 'binance')).toMatchObject({ synced: true, gaps: 0, resyncs: 0 });
    await stopAndCheckFiles();
  });

  it("rotates on OKX's 64008 service-upgrade notice without a gap in the book", async () => {
    await harness({ venues: ['okx'], loopback: { profile: 'full' } });
    await h!.run(5_000, 250);
    expect(h!.venues.okx!.notice(10_000)).toBe(1);
    await h!.run(20_000, 250);
    const okx = connection('okx.public').stats();
    expect(okx).toMatchObject({ rotations: 1, disconnects: 0, state: 'open' });
    expect(okx.frames.rotate).toBe(1);
    expect(bookStats('BTC', 'okx')).toMatchObject({ synced: true, gaps: 0, resyncs: 0 });
    expect(h!.venues.okx!.open()).toHaveLength(1);
    await stopAndCheckFiles();
  });
});
