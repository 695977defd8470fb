/**
 * Test support for the live runtime (not used by the product): loopback venues and a
 * `LiveRunner` on one `ManualClock`, a temporary data dir, and `run(ms)`, which moves
 * the clock in steps and lets the sockets and HTTP requests deliver after each step.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Venue } from '../events.js';
import { ManualClock } from '../wall-clock.js';
import { LoopbackVenues, type LoopbackOptions } from '../sim/loopback/loopback.js';
import { MemoryLogger } from '../connect/logger.js';
import type { Endpoints } from '../connect/venues/endpoints.js';
import { RingFile } from '../store/ring-file.js';
import { LiveRunner, type LiveOptions } from './live.js';

export const T0 = Date.UTC(2026, 2, 9, 10, 0, 0);

export interface LiveHarness {
  readonly clock: ManualClock;
  readonly venues: LoopbackVenues;
  readonly live: LiveRunner;
  readonly logger: MemoryLogger;
  readonly dir: string;
  readonly dataDir: string;
  /** Advance the clock by `ms` in steps of `stepMs`, letting frames and REST answers arrive after each step. */
  run(ms: number, stepMs?: number): Promise<void>;
  /** Wait (real time, bounded) until what the servers sent has arrived and no HTTP request is in flight. */
  settle(maxMs?: number): Promise<void>;
  /** Stop the live runner and the venues; remove the directory unless `keep`. */
  close(keep?: boolean): Promise<void>;
}

export interface HarnessOptions {
  readonly symbols?: readonly string[];
  readonly venues?: readonly Venue[];
  /** Symbols the venues list (default: the same); live may ask for more (rejected subscriptions). */
  readonly venueSymbols?: readonly string[];
  readonly loopback?: Partial<Omit<LoopbackOptions, 'clock'>>;
  readonly live?: Partial<Omit<LiveOptions, 'clock'>>;
  readonly start?: number;
  /** Rewrite the venues' endpoints before live starts (e.g. point Binance at its retired path). */
  readonly endpoints?: (endpoints: Endpoints, venues: LoopbackVenues) => Endpoints;
  /** Existing directory to use (default: a new temporary one). */
  readonly dir?: string;
}

export async function startLiveHarness(options: HarnessOptions = {}): Promise<LiveHarness> {
  const symbols = options.symbols ?? ['BTC', 'ETH', 'SOL'];
  const venueList = options.venues ?? ['binance', 'bybit', 'okx'];
  const clock = new ManualClock({ start: options.start ?? T0, maxFirings: 10_000_000 });
  const venues = await LoopbackVenues.start({
    clock,
    symbols: options.venueSymbols ?? symbols,
    venues: venueList,
    seed: 5,
    profile: 'standard',
    ...options.loopback,
  });
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ms-live-'));
  const dataDir = path.join(dir, 'data');
  const logger = new MemoryLogger();
  const live = LiveRunner.start({
    clock,
    dataDir,
    symbols,
    venues: venueList,
    endpoints: options.endpoints ? options.endpoints(venues.endpoints(), venues) : venues.endpoints(),
    logger,
    backoff: { random: () => 0 },
    ...options.live,
    runtime: { ...options.live?.runtime, sink: { fsync: false, ...options.live?.runtime?.sink } },
  });

  const received = (): number => live.sockets.reduce((n, s) => n + s.stats().messages, 0);
  const inFlight = (): number => live.poller.stats().venues.reduce((n, v) => n + v.inFlight, 0);

  const closedConnections = (): number =>
    venueList.reduce((n, v) => n + (venues.server(v)?.connections.filter((c) => c.closed).length ?? 0), 0);
  /** Frames sent to connections that closed before the frames arrived (they never will). */
  let lost = 0;
  let closedSeen = 0;
  async function settle(maxMs = 2_000): Promise<void> {
    const deadline = Date.now() + maxMs;
    let last = -1;
    let stableSince = Date.now();
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const got = received();
      const busy = inFlight();
      const sent = venues.framesSent;
      if (got + lost >= sent && busy === 0) return;
      const now = Date.now();
      if (got !== last) {
        last = got;
        stableSince = now;
      } else {
        const closed = closedConnections();
        // a connection closed meanwhile: what it was still owed is lost, once nothing more arrives
        if (closed !== closedSeen && busy === 0 && now - stableSince > 100) {
          closedSeen = closed;
          lost = sent - got;
          return;
        }
        // an HTTP answer held back by the clock (a slow-response fault)
        if (busy > 0 && now - stableSince > 150) return;
      }
      if (now > deadline) return;
    }
  }

  async function run(ms: number, stepMs = 100): Promise<void> {
    for (let done = 0; done < ms; done += stepMs) {
      clock.advance(Math.min(stepMs, ms - done));
      await settle();
    }
  }

  async function close(keep = false): Promise<void> {
    await live.stop();
    await venues.close();
    if (!keep && options.dir === undefined) fs.rmSync(dir, { recursive: true, force: true });
  }

  await settle();
  return { clock, venues, live, logger, dir, dataDir, run, settle, close };
}

/** Every file under `root`, relative paths, sorted. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(root, full));
    }
  };
  walk(root);
  return out.sort();
}

/**
 * Every state file under `dataDir` that is not intact: JSON that does not parse, JSON
 * lines that do not, ring files with an unreadable header or torn records.
 */
export function corruptStateFiles(dataDir: string): string[] {
  const problems: string[] = [];
  for (const file of listFiles(dataDir)) {
    const full = path.join(dataDir, file);
    try {
      if (file.endsWith('.json')) JSON.parse(fs.readFileSync(full, 'utf8'));
      else if (file.endsWith('.jsonl')) {
        for (const line of fs.readFileSync(full, 'utf8').split('\n')) if (line !== '') JSON.parse(line);
      } else if (file.endsWith('.bin')) {
        const { torn } = RingFile.read(full);
        if (torn.length > 0) problems.push(`${file}: ${torn.length} torn records`);
      } else problems.push(`${file}: unexpected file`);
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message}`);
    }
  }
  return problems;
}
