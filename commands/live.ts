import { existsSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_SYMBOLS } from '../src/engines/symbol-config.js';
import { MoonstreamError, messageOf } from '../src/errors.js';
import { VENUES, type Venue } from '../src/events.js';
import { parsePort, parseSymbols, parseVenues } from '../src/cli/options.js';
import { interruptOnSignals } from '../src/cli/interrupt.js';
import { DEFAULT_DATA_DIR } from '../src/store/data-dir.js';
import { parseEndpointOverride, type EndpointOverride } from '../src/connect/venues/endpoints.js';

interface LiveFlags {
  readonly symbols: string[];
  readonly venues: Venue[];
  readonly dataDir: string;
  readonly record?: string;
  readonly demo?: boolean;
  readonly endpoint: EndpointOverride[];
  readonly bookTicker?: boolean;
  readonly host?: string;
  readonly port?: number;
  /** `--no-dashboard` sets it false. */
  readonly dashboard: boolean;
}

/** Status lines on stderr until the dashboard exists. */
const STATUS_EVERY_MS = 5_000;

/** `--endpoint venue.channel=URL`, repeatable; a bad one is a usage error (exit 2). */
function collectEndpoint(value: string, previous: EndpointOverride[] = []): EndpointOverride[] {
  try {
    return [...previous, parseEndpointOverride(value)];
  } catch (error) {
    throw new InvalidArgumentError(messageOf(error).replace(/^--endpoint /, ''));
  }
}

export function liveCommand(): Command {
  return new Command('live')
    .description('connect to Binance, Bybit and OKX, run the engines and write the data dir (Ctrl-C stops cleanly)')
    .option('--symbols <list>', 'symbols to follow, comma-separated', parseSymbols, [...DEFAULT_SYMBOLS])
    .option('--venues <list>', `venues to connect to (${VENUES.join(', ')})`, parseVenues, [...VENUES])
    .option('--data-dir <dir>', 'where state files are written', DEFAULT_DATA_DIR)
    .option('--record <file>', 'record every frame to a capture (.jsonl or .jsonl.gz) that `replay` reproduces')
    .option('--demo', 'run offline against the simulated market, served on loopback as real venues')
    .option('--book-ticker', "also subscribe Binance's bookTicker stream (off by default: ~200 msg/s per symbol)")
    .option('--host <host>', 'address the HTTP API listens on (not built yet)')
    .option('--port <port>', 'port of the HTTP API, default 8899 (not built yet)', parsePort)
    .option('--no-dashboard', 'run without the terminal dashboard (always so until the dashboard is built: status lines go to stderr)')
    .addOption(
      new Option(
        '--endpoint <venue.channel=url>',
        'override one endpoint (repeatable): binance.public|market|rest, bybit.public|rest, okx.public|rest, e.g. binance.market=wss://…',
      )
        .argParser(collectEndpoint)
        .default([]),
    )
    .action(async (flags: LiveFlags, command: Command) => {
      const writeErr = command.configureOutput().writeErr ?? ((text: string) => process.stderr.write(text));
      await runLive(flags, (line) => writeErr(`${line}\n`));
    });
}

/** DESIGN.md section 1's flags for parts not built yet: accepted, documented, refused with one line before anything is connected or read. */
export function rejectUnbuilt(flags: LiveFlags): void {
  if (flags.host !== undefined || flags.port !== undefined) throw new MoonstreamError('NOT_IMPLEMENTED', 'the HTTP API is not implemented yet');
  // `--no-dashboard` asks for what already happens: accepted, nothing to refuse
}

/** What the flags ask of the LiveRunner beyond clock, endpoints and logger. */
export function liveRunnerFlags(flags: LiveFlags): Pick<import('../src/live/live.js').LiveOptions, 'dataDir' | 'symbols' | 'venues' | 'bookTicker'> {
  return { dataDir: flags.dataDir, symbols: flags.symbols, venues: flags.venues, bookTicker: flags.bookTicker === true };
}

async function runLive(flags: LiveFlags, err: (line: string) => void): Promise<void> {
  rejectUnbuilt(flags);
  const { assertConfiguredSymbols, assertDataDir } = await import('../src/preflight.js');
  assertConfiguredSymbols(flags.symbols);
  // before the demo servers start: a file in the data dir's place is a one-line error
  assertDataDir(flags.dataDir);
  if (flags.record !== undefined) {
    if (!/\.jsonl(\.gz)?$/.test(flags.record)) throw new MoonstreamError('USAGE', `--record ${flags.record}: expected a .jsonl or .jsonl.gz file`);
    // a capture is worth keeping: never overwrite one
    if (existsSync(flags.record)) throw new MoonstreamError('USAGE', `--record ${flags.record}: the file exists; remove it or choose another name`);
  }
  // heavy modules load only here, so `--help` stays fast
  const [{ systemClock }, { LiveRunner }, { formatStatusLines }, { defaultEndpoints, withOverrides }] = await Promise.all([
    import('../src/wall-clock.js'),
    import('../src/live/live.js'),
    import('../src/live/status.js'),
    import('../src/connect/venues/endpoints.js'),
  ]);
  const clock = systemClock();
  const stamp = (): string => new Date(clock.now()).toISOString().slice(11, 19);
  const logger = {
    info: (line: string) => err(`${stamp()} ${line}`),
    warn: (line: string) => err(`${stamp()} warning: ${line}`),
    error: (line: string) => err(`${stamp()} error: ${line}`),
  };

  let demo: import('../src/sim/loopback/loopback.js').LoopbackVenues | undefined;
  if (flags.demo) {
    const { SIM_SYMBOLS } = await import('../src/sim/params.js');
    const unknown = flags.symbols.filter((s) => !SIM_SYMBOLS.includes(s));
    if (unknown.length > 0) throw new MoonstreamError('USAGE', `--demo simulates ${SIM_SYMBOLS.join(', ')}, not ${unknown.join(', ')}`);
    const { LoopbackVenues } = await import('../src/sim/loopback/loopback.js');
    const seed = Math.floor(clock.now() / 1000) % 100_000;
    demo = await LoopbackVenues.start({ clock, symbols: flags.symbols, venues: flags.venues, seed, profile: 'full' });
    err(`moonstream live --demo: simulated market (seed ${seed}) served on 127.0.0.1 ports ${flags.venues.map((v) => `${v} ${demo!.server(v)!.port}`).join(', ')}`);
  }
  const endpoints = withOverrides(demo ? demo.endpoints() : defaultEndpoints(), flags.endpoint);

  let live: import('../src/live/live.js').LiveRunner;
  try {
    live = LiveRunner.start({
      clock,
      ...liveRunnerFlags(flags),
      endpoints,
      logger,
      ...(flags.record !== undefined ? { record: flags.record, recordHeader: { demo: flags.demo === true } } : {}),
    });
  } catch (error) {
    await demo?.close();
    throw error;
  }
  err(
    `moonstream live: ${flags.symbols.join(', ')} on ${flags.venues.join(', ')} → ${flags.dataDir}` +
      `${flags.record !== undefined ? `, recording to ${flags.record}` : ''}; Ctrl-C stops`,
  );
  const statusTimer = setInterval(() => {
    for (const line of formatStatusLines(live.status())) err(`${stamp()} ${line}`);
  }, STATUS_EVERY_MS);

  const interrupt = interruptOnSignals({
    onFirst: (signal) => err(`moonstream live: ${signal}: stopping (flushing state files${flags.record !== undefined ? ' and the recording' : ''}; ${signal} again forces exit)`),
    onForced: (signal) => err(`moonstream live: ${signal} again, exiting without flushing`),
  });
  await new Promise<void>((resolve) => interrupt.signal.addEventListener('abort', () => resolve(), { once: true }));
  clearInterval(statusTimer);
  const status = await live.stop();
  await demo?.close();
  interrupt.dispose();
  const received = status.connections.reduce((n, c) => n + c.messages, 0);
  err(
    `moonstream live: stopped after ${Math.round((status.at - status.startedAt) / 1000)} s: ${received.toLocaleString('en-US')} frames, ` +
      `${status.pipeline.envelopes.toLocaleString('en-US')} envelopes, ${status.disconnects} disconnects` +
      `${status.recorder ? `, ${status.recorder.lines.toLocaleString('en-US')} lines recorded to ${status.recorder.file}${status.recorder.failed ? ` (recording failed: ${status.recorder.failed})` : ''}` : ''}`,
  );
}
