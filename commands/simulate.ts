import { Command, InvalidArgumentError, Option } from 'commander';
import { parseInteger, parsePositiveInt, parseSymbols, parseTime, parseVenues } from '../src/cli/options.js';
import { interruptOnSignals } from '../src/cli/interrupt.js';
import { MoonstreamError } from '../src/errors.js';
import type { Venue } from '../src/events.js';
import { DEFAULT_PROFILE, DEFAULT_START_MS, EMISSION_PROFILES, parseLeverageMix, parseVenueShares } from '../src/sim/params.js';
import type { SimProgress } from '../src/sim/run.js';

interface SimulateFlags {
  readonly minutes: number;
  readonly seed: number;
  readonly out: string;
  readonly symbols: string[];
  readonly venues: Venue[];
  readonly leverageMix?: string;
  readonly venueShares?: string;
  readonly profile: string;
  readonly start: number;
}

export function simulateCommand(): Command {
  return new Command('simulate')
    .description('write a synthetic capture in real venue formats from a market whose truth is known')
    .requiredOption('--minutes <n>', 'simulated minutes', parsePositiveInt)
    .option('--seed <n>', 'random seed: the same seed and flags write the same bytes', parseInteger, 1)
    .requiredOption('--out <file>', 'capture to write (.jsonl or .jsonl.gz); the truth goes to <file>.truth.json', parseCaptureOut)
    .option('--symbols <list>', 'symbols to simulate', parseSymbols, ['BTC', 'ETH', 'SOL'])
    .option('--venues <list>', 'venues to emit', parseVenues, ['binance', 'bybit', 'okx'])
    .option('--leverage-mix <json>', 'true leverage mix, e.g. {"BTC":{"20":0.3,"50":0.7}}; weights are rescaled to sum to 1 per symbol')
    .option(
      '--venue-shares <list>',
      'share of positions per venue, e.g. binance=0.5,bybit=0.3,okx=0.2; rescaled to sum to 1, unnamed venues get none (default binance=0.45,bybit=0.33,okx=0.22)',
    )
    .addOption(
      new Option(
        '--profile <name>',
        'emission rates: full = the venues’ own cadences (books every 100 ms; ~3 min CPU and ~520 MB gzip per simulated day), ' +
          'standard = books every ~2 s, channel still named depth@100ms as the stream it imitates (~45 s, ~85 MB per day), ' +
          'light = small fixtures (~30 s, ~43 MB per day)',
      )
        .choices(Object.keys(EMISSION_PROFILES))
        .default(DEFAULT_PROFILE),
    )
    .option('--start <time>', 'simulated start (ISO time or epoch ms, whole second)', parseTime, DEFAULT_START_MS)
    .action(async (flags: SimulateFlags, command: Command) => {
      const leverageMix = flags.leverageMix === undefined ? undefined : parseLeverageMix(flags.leverageMix, flags.symbols);
      const venueShares = flags.venueShares === undefined ? undefined : parseVenueShares(flags.venueShares, flags.venues);
      if (flags.start % 1000 !== 0) throw new MoonstreamError('USAGE', `--start must be a whole second, got ${flags.start}`);
      const progress = await progressReporter(flags.minutes);
      // Ctrl-C / kill: stop the run, which removes the partial capture and exits 130 (a second Ctrl-C exits at once)
      const interrupt = interruptOnSignals({ onFirst: () => undefined });
      // the simulator loads only when it runs, so `moonstream --help` and other commands start fast
      const { simulateToFile, summaryLine } = await import('../src/sim/run.js');
      try {
        const summary = await simulateToFile({
          minutes: flags.minutes,
          seed: flags.seed,
          out: flags.out,
          symbols: flags.symbols,
          venues: flags.venues,
          profile: flags.profile,
          startMs: flags.start,
          ...(leverageMix ? { leverageMix } : {}),
          ...(venueShares ? { venueShares } : {}),
          onProgress: progress.update,
          signal: interrupt.signal,
        });
        progress.stop();
        command.configureOutput().writeOut?.(`${summaryLine(summary)}\n`);
      } catch (error) {
        progress.stop();
        throw error;
      } finally {
        interrupt.dispose();
      }
    });
}

/** `--out`: a capture name the reader recognizes (`.jsonl`, or `.jsonl.gz` for gzip). */
function parseCaptureOut(value: string): string {
  if (!/\.jsonl(\.gz)?$/.test(value)) throw new InvalidArgumentError(`expected a file ending in .jsonl or .jsonl.gz, got "${value}"`);
  return value;
}

interface ProgressReporter {
  readonly update: (p: SimProgress) => void;
  readonly stop: () => void;
}

/** A spinner on stderr when it is a terminal (ora is loaded only then, so --help stays fast). */
async function progressReporter(minutes: number): Promise<ProgressReporter> {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const { default: ora } = await import('ora');
  const spinner = ora({ text: `simulating 0/${minutes} min`, stream: process.stderr }).start();
  return {
    update: (p) => {
      spinner.text = `simulating ${p.minutesDone}/${p.minutes} min · ${p.frames.toLocaleString('en-US')} messages · ${p.liquidations.toLocaleString('en-US')} liquidations`;
    },
    stop: () => spinner.stop(),
  };
}
