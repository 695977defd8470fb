/**
 * `live` at cascade load (DESIGN.md section 8: ~2.5 k msg/s over three venues, ≤ 25 % of
 * one core, event-loop delay p99 ≤ 10 ms, no diff dropped).
 *
 * A child process serves the loopback venues (src/sim/loopback/) on a market made busy
 * like a cascade: the `full` emission profile (books every 100 ms on every venue), the
 * market running `SPEED`× real time, and background taker flow raised by `NOISE` so
 * that trades dominate, as they do in a cascade. The parent runs the whole live runtime —
 * sockets, classifiers, pipeline, engines, order books, data-dir writer with fsync, and a
 * gzip recording — against it, and measures only itself:
 *   - CPU time of the process (user + system) per wall second, in % of one core;
 *   - event-loop delay (perf_hooks monitorEventLoopDelay, 10 ms resolution): p50, p99, max;
 *   - frames/s received, and whether anything was lost: frames the venues sent vs frames
 *     received, book gaps and resyncs, garbage;
 *   - the physical wall: splitting the recorded capture into lines and JSON.parse of
 *     every line, per frame, against the live CPU per frame.
 *
 *   npm run bench:live      (SECONDS=60 WARMUP=15 SPEED=1 NOISE=760 FSYNC=1: ~2.5 k msg/s at the real minute pace)
 */

import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import * as zlib from 'node:zlib';
import { silentLogger } from '../src/connect/logger.js';
import type { Endpoints } from '../src/connect/venues/endpoints.js';
import { LiveRunner } from '../src/live/live.js';
import { LoopbackVenues, type LoopbackStats } from '../src/sim/loopback/loopback.js';
import { systemClock } from '../src/wall-clock.js';

const SECONDS = Number(process.env.SECONDS ?? 60);
const WARMUP = Number(process.env.WARMUP ?? 15);
const SPEED = Number(process.env.SPEED ?? 1);
const NOISE = Number(process.env.NOISE ?? 760);
/** 0: the data-dir writer without fsync (default 1, as `live` runs). */
const FSYNC = process.env.FSYNC !== '0';
const SYMBOLS = ['BTC', 'ETH', 'SOL'];
const RESOLUTION_MS = 10;

type ToChild = { readonly type: 'stats' } | { readonly type: 'freeze' } | { readonly type: 'stop' };
type FromChild = { readonly type: 'ready'; readonly endpoints: Endpoints } | { readonly type: 'stats'; readonly stats: LoopbackStats; readonly framesSent: number };

// ---- child: the venues ----

async function serveVenues(): Promise<void> {
  const clock = systemClock();
  const venues = await LoopbackVenues.start({
    clock,
    symbols: SYMBOLS,
    seed: 11,
    profile: 'full',
    speed: SPEED,
    driveEveryMs: 20,
    market: { symbolParams: { BTC: { noiseRate: NOISE }, ETH: { noiseRate: NOISE * 0.8 }, SOL: { noiseRate: NOISE * 0.6 } } },
  });
  const send = (message: FromChild): void => void process.send!(message);
  send({ type: 'ready', endpoints: venues.endpoints() });
  process.on('message', (message: ToChild) => {
    if (message.type === 'stats') send({ type: 'stats', stats: venues.stats(), framesSent: venues.framesSent });
    else if (message.type === 'freeze') venues.stopDriving();
    else void venues.close().then(() => process.exit(0));
  });
}

// ---- parent: live ----

function ask(child: ChildProcess): Promise<FromChild & { type: 'stats' }> {
  return new Promise((resolve) => {
    const on = (message: FromChild): void => {
      if (message.type !== 'stats') return;
      child.off('message', on);
      resolve(message);
    };
    child.on('message', on);
    child.send({ type: 'stats' } satisfies ToChild);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const child = fork(new URL(import.meta.url).pathname, ['--venues'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<FromChild & { type: 'ready' }>((resolve) => child.once('message', (m: FromChild) => resolve(m as FromChild & { type: 'ready' })));
  console.log(
    `live at cascade load: market ${SPEED}× real time, background flow ×${NOISE}, ${SYMBOLS.join('/')} on three venues, ` +
      `fsync ${FSYNC ? 'on' : 'off'}, gzip recording; warm-up ${WARMUP} s, measuring ${SECONDS} s`,
  );
  // the machine's own jitter, venues running, live not yet
  const idle = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  idle.enable();
  await sleep(5_000);
  idle.disable();

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-bench-live-'));
  const record = path.join(dir, 'bench.jsonl.gz');
  const clock = systemClock();
  const live = LiveRunner.start({
    clock,
    dataDir: path.join(dir, 'data'),
    symbols: SYMBOLS,
    venues: ['binance', 'bybit', 'okx'],
    endpoints: ready.endpoints,
    logger: silentLogger,
    record,
    ...(FSYNC ? {} : { runtime: { sink: { fsync: false } } }),
  });
  const received = (): number => live.sockets.reduce((n, s) => n + s.stats().messages, 0);
  await sleep(WARMUP * 1000);
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const frames0 = received();
  const lines0 = live.status().recorder!.lines;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  histogram.enable();
  await sleep(SECONDS * 1000);
  histogram.disable();
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const frames = received() - frames0;
  const lines = live.status().recorder!.lines - lines0;
  const before = live.status();

  // freeze the market, let the last frames arrive, then count what was sent against what arrived
  child.send({ type: 'freeze' } satisfies ToChild);
  await sleep(1_000);
  const venueStats = await ask(child);
  await sleep(500);
  const arrived = received();
  const status = await live.stop();
  child.send({ type: 'stop' } satisfies ToChild);
  await new Promise((resolve) => child.once('exit', resolve));

  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const perSecond = frames / wall;
  const core = (100 * cpuSeconds) / wall;
  // the histogram holds the interval between samples: the delay is what exceeds the resolution
  const ms = (ns: number): string => Math.max(0, ns / 1e6 - RESOLUTION_MS).toFixed(2);
  console.log(`frames received          ${Math.round(perSecond).toLocaleString('en')} /s (${frames.toLocaleString('en')} in ${wall.toFixed(1)} s; ${Math.round(lines / wall).toLocaleString('en')} envelopes/s recorded)`);
  console.log(`CPU                      ${core.toFixed(1)} % of one core (user ${(cpu.user / 1e6).toFixed(2)} s, system ${(cpu.system / 1e6).toFixed(2)} s) — budget 25 %`);
  console.log(`event-loop delay         p50 ${ms(histogram.percentile(50))} ms, p99 ${ms(histogram.percentile(99))} ms, max ${ms(histogram.max)} ms — budget p99 10 ms`);
  console.log(`  same, before live      p50 ${ms(idle.percentile(50))} ms, p99 ${ms(idle.percentile(99))} ms, max ${ms(idle.max)} ms (the machine's own jitter)`);
  console.log(`memory                   rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB, heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`);

  const mix = new Map<string, number>();
  for (const c of before.connections) for (const [channel, s] of Object.entries(c.channels)) mix.set(`${c.venue}/${channel}`, (mix.get(`${c.venue}/${channel}`) ?? 0) + s.messages);
  const total = [...mix.values()].reduce((a, b) => a + b, 0);
  console.log(`mix (whole run)          ${[...mix].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${((100 * n) / total).toFixed(0)} %`).join(', ')}`);

  // nothing lost: every frame the venues sent arrived; no book gap or resync; no garbage
  const gaps: string[] = [];
  for (const [symbol, books] of Object.entries(status.books)) {
    for (const [venue, b] of Object.entries(books)) if (b && (b.gaps > 0 || b.resyncs > 0 || !b.synced)) gaps.push(`${symbol} ${venue}: ${b.gaps} gaps, ${b.resyncs} resyncs, ${b.state}`);
  }
  const garbage = status.connections.reduce((n, c) => n + c.frames.garbage, 0);
  const reconnects = status.connections.reduce((n, c) => n + c.reconnects, 0);
  console.log(
    `loss                     venues sent ${venueStats.framesSent.toLocaleString('en')} frames, live received ${arrived.toLocaleString('en')}; ` +
      `book gaps/resyncs: ${gaps.length === 0 ? 'none' : gaps.join('; ')}; garbage ${garbage}; reconnects ${reconnects}; pipeline errors ${status.pipelineErrors}`,
  );
  console.log(`books                    ${Object.values(status.books).flatMap((b) => Object.values(b)).reduce((n, b) => n + (b?.applied ?? 0), 0).toLocaleString('en')} diffs applied`);

  // the physical wall: split the recorded capture into lines and JSON.parse every line
  const text = zlib.gunzipSync(fs.readFileSync(record)).toString('utf8');
  let parseBest = Infinity;
  let n = 0;
  for (let round = 0; round < 3; round++) {
    const start = performance.now();
    const all = text.split('\n');
    n = 0;
    for (const line of all) {
      if (line === '') continue;
      JSON.parse(line);
      n++;
    }
    parseBest = Math.min(parseBest, performance.now() - start);
  }
  const wallUs = (parseBest * 1000) / n;
  const liveUs = (cpuSeconds * 1e6) / frames;
  console.log(`physical wall            split + JSON.parse of the recorded lines: ${wallUs.toFixed(2)} µs/line (${Math.round(n / (parseBest / 1000)).toLocaleString('en')} lines/s)`);
  console.log(`live / wall              ${liveUs.toFixed(2)} µs of CPU per frame = ${(liveUs / wallUs).toFixed(1)}× the parse alone`);
  fs.rmSync(dir, { recursive: true, force: true });
}

if (process.argv.includes('--venues')) await serveVenues();
else await main();
