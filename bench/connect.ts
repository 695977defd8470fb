/**
 * Cost of the connection layer's per-frame path (DESIGN.md section 8: live at cascade
 * load, ~2.5 k msg/s over three venues, must stay under 25 % of one core including
 * normalization and engines).
 *
 * A worker thread serves Binance-like combined-stream frames (depth diffs, aggTrades,
 * mark prices) over a loopback WebSocket as fast as the client takes them; the main
 * thread receives them three ways and measures its own busy time (event-loop
 * utilisation), so the server's cost is not counted:
 *   1. the physical wall: JSON.parse of the same frames from memory;
 *   2. a bare `ws` client that JSON.parses every frame;
 *   3. ReconnectingSocket with a classifier that parses every frame (as a venue
 *      classifier that hands `parsed` on would) and a no-op frame handler.
 * It prints µs of main-thread time per frame, frames/s, the ratio 3 : 2 (the layer's
 * overhead) and what 2 500 frames/s would cost in % of a core.
 *
 *   npm run bench:connect            (FRAMES=200000 by default)
 */

import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import WebSocket, { WebSocketServer } from 'ws';
import { silentLogger } from '../src/connect/logger.js';
import type { FrameInfo, SocketSpec } from '../src/connect/socket-spec.js';
import { ReconnectingSocket } from '../src/connect/socket.js';
import { systemClock } from '../src/wall-clock.js';

const FRAMES = Number(process.env.FRAMES ?? 200_000);

function makeFrames(n: number): string[] {
  const frames: string[] = [];
  let u = 5_000_000_000;
  let a = 2_000_000_000;
  let t = 1_721_260_800_000;
  const level = (p: number, i: number): string => `["${(p + i * 0.1).toFixed(1)}","${(0.001 + ((i * 7919) % 97) / 10).toFixed(3)}"]`;
  for (let i = 0; i < n; i++) {
    t += 3;
    const r = i % 10;
    if (r < 5) {
      a++;
      frames.push(
        `{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":${t},"a":${a},"s":"BTCUSDT","p":"64012.${r}0","q":"0.0${r + 1}2","f":${a * 2},"l":${a * 2 + 1},"T":${t - 1},"m":${r % 2 === 0}}}`,
      );
    } else if (r < 9) {
      const first = u + 1;
      u += 7;
      const bids = Array.from({ length: 12 }, (_, k) => level(64000 - k, k)).join(',');
      const asks = Array.from({ length: 12 }, (_, k) => level(64001 + k, k)).join(',');
      frames.push(
        `{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":${t},"T":${t - 2},"s":"BTCUSDT","U":${first},"u":${u},"pu":${first - 1},"b":[${bids}],"a":[${asks}]}}`,
      );
    } else {
      frames.push(
        `{"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":${t},"s":"BTCUSDT","p":"64010.12345678","P":"64011.01","i":"64012.50000000","r":"0.00010000","T":1721289600000}}`,
      );
    }
  }
  return frames;
}

// ---- server (worker thread) ----

async function serve(): Promise<void> {
  const frames = makeFrames(FRAMES);
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws) => {
    ws.on('message', async (data) => {
      if (data.toString() !== 'send') return;
      for (let i = 0; i < frames.length; i++) {
        ws.send(frames[i]!);
        if (i % 512 === 0) while (ws.bufferedAmount > 4 * 1024 * 1024) await new Promise((r) => setImmediate(r));
      }
      ws.send('done');
    });
  });
  parentPort!.postMessage({ port: (wss.address() as { port: number }).port });
  parentPort!.on('message', () => wss.close(() => process.exit(0)));
}

// ---- client (main thread) ----

interface Measure {
  readonly usPerFrame: number;
  readonly framesPerSecond: number;
}

async function measure(run: () => Promise<void>): Promise<Measure> {
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  await run();
  const elapsed = performance.now() - t0;
  const elu = performance.eventLoopUtilization(elu0);
  return { usPerFrame: (elu.active * 1000) / FRAMES, framesPerSecond: FRAMES / (elapsed / 1000) };
}

function physicalWall(frames: readonly string[]): Promise<void> {
  let sink = 0;
  for (const f of frames) sink += (JSON.parse(f) as { stream: string }).stream.length;
  if (sink === 0) throw new Error('unreachable');
  return Promise.resolve();
}

function bareWs(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let n = 0;
    ws.on('open', () => ws.send('send'));
    ws.on('message', (data) => {
      const text = (data as Buffer).toString('utf8');
      if (text === 'done') {
        ws.close();
        if (n !== FRAMES) reject(new Error(`bare ws got ${n} frames`));
        else resolve();
        return;
      }
      const value = JSON.parse(text) as { stream: string };
      if (value.stream.length > 0) n++;
    });
    ws.on('error', reject);
  });
}

async function reconnectingSocket(url: string): Promise<void> {
  let n = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  // The recommended venue-classifier shape: parse once, hand the value on, and map
  // stream → channel through a small cache so no string is allocated per frame.
  const channelOf = new Map<string, string>();
  const classify = (text: string, info: FrameInfo): void => {
    if (text === 'done') {
      info.kind = 'control';
      finish();
      return;
    }
    const value = JSON.parse(text) as { stream?: unknown };
    if (typeof value.stream !== 'string') {
      info.kind = 'garbage';
      return;
    }
    let channel = channelOf.get(value.stream);
    if (channel === undefined) {
      channel = value.stream.slice(value.stream.indexOf('@') + 1);
      channelOf.set(value.stream, channel);
    }
    info.kind = 'data';
    info.channel = channel;
    info.parsed = value;
  };
  const spec: SocketSpec = {
    venue: 'binance',
    name: 'bench.market',
    url,
    subscribe: () => [{ id: 'go', message: 'send', streams: ['everything'] }],
    classify,
    watchdog: { aggTrade: 30_000, 'depth@100ms': 30_000 },
  };
  const socket = new ReconnectingSocket(spec, {
    clock: systemClock(),
    logger: silentLogger,
    ackTimeoutMs: 600_000,
    onFrame: (frame) => {
      if (frame.parsed !== undefined) n++;
    },
  });
  socket.start();
  await done;
  await socket.stop();
  if (n !== FRAMES) throw new Error(`ReconnectingSocket forwarded ${n} frames`);
}

async function main(): Promise<void> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { role: 'server' } });
  const { port } = await new Promise<{ port: number }>((resolve) => worker.once('message', resolve));
  const url = `ws://127.0.0.1:${port}/`;
  const frames = makeFrames(FRAMES);
  const bytes = frames.reduce((s, f) => s + f.length, 0);
  console.log(`${FRAMES} frames, ${(bytes / 1e6).toFixed(1)} MB, mean ${Math.round(bytes / FRAMES)} bytes`);

  const results: Record<string, Measure[]> = { wall: [], bare: [], socket: [] };
  for (let round = 0; round < 3; round++) {
    results.wall!.push(await measure(() => physicalWall(frames)));
    results.bare!.push(await measure(() => bareWs(url)));
    results.socket!.push(await measure(() => reconnectingSocket(url)));
  }
  worker.postMessage('stop');
  await new Promise((resolve) => worker.once('exit', resolve));

  // Best of the last two rounds (the first warms up the JIT).
  const best = (m: Measure[]): Measure => m.slice(1).reduce((a, b) => (b.usPerFrame < a.usPerFrame ? b : a));
  const wall = best(results.wall!);
  const bare = best(results.bare!);
  const socket = best(results.socket!);
  const row = (name: string, m: Measure): string =>
    `${name.padEnd(44)} ${m.usPerFrame.toFixed(2).padStart(7)} µs/frame  ${Math.round(m.framesPerSecond).toLocaleString('en').padStart(10)} frames/s  ` +
    `${((2_500 * m.usPerFrame) / 1e4).toFixed(2).padStart(5)} % of a core at 2.5 k/s`;
  console.log(row('physical wall: JSON.parse from memory', wall));
  console.log(row('bare ws client + JSON.parse', bare));
  console.log(row('ReconnectingSocket + parsing classifier', socket));
  console.log(`ReconnectingSocket / bare ws: ${(socket.usPerFrame / bare.usPerFrame).toFixed(2)}×  (main-thread time per frame)`);
  console.log(`memory: rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
}

if (isMainThread) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else if ((workerData as { role?: string }).role === 'server') {
  void serve();
}
