import { Command } from 'commander';
import { parseNonNegativeNumber, parseSymbols, parseTime } from '../src/cli/options.js';
import { MoonstreamError } from '../src/errors.js';
import { DEFAULT_DATA_DIR } from '../src/store/data-dir.js';

interface ReplayFlags {
  speed: number;
  symbols?: string[];
  dataDir: string;
  from?: number;
  to?: number;
  strict?: boolean;
  json?: boolean;
  fresh?: boolean;
  api?: boolean;
  dashboard?: boolean;
}

export function replayCommand(): Command {
  return new Command('replay')
    .description('feed a recorded capture through the same pipeline as live, with time taken from the capture (Ctrl-C stops cleanly: state flushed, partial summary, exit 130)')
    .argument('<files...>', 'capture file(s), .jsonl or .jsonl.gz, replayed in order')
    .option('--speed <n>', '0 = as fast as possible, 1 = capture pace, N = N× pace', parseNonNegativeNumber, 0)
    .option('--symbols <list>', 'symbols to run engines for (default: BTC,ETH,SOL)', parseSymbols)
    .option('--data-dir <dir>', 'where state files are written', DEFAULT_DATA_DIR)
    .option('--fresh', 'remove the state files of a previous run from the data dir first (default: continue from them)')
    .option('--from <time>', 'skip envelopes received before this ISO time', parseTime)
    .option('--to <time>', 'stop at envelopes received after this ISO time', parseTime)
    .option('--strict', 'stop at the first malformed line')
    .option('--json', 'print the summary as one JSON object on stdout (progress goes to stderr)')
    .option('--api', 'serve the HTTP API while replaying (not built yet)')
    .option('--dashboard', 'show the terminal dashboard while replaying (not built yet)')
    .action(async (files: string[], flags: ReplayFlags) => {
      rejectUnbuilt(flags);
      const { replay } = await import('../src/replay/replay.js');
      const { formatProgress, formatSummary } = await import('../src/replay/format.js');
      const { interruptOnSignals } = await import('../src/cli/interrupt.js');
      const tty = process.stderr.isTTY === true;
      let progressShown = false;
      const clearProgress = (): string => (progressShown ? '\r\x1b[K' : '');
      const interrupt = interruptOnSignals({
        onFirst: (signal) => process.stderr.write(`${clearProgress()}moonstream replay: ${signal}: stopping after the current batch and flushing the data dir (${signal} again forces exit)\n`),
        onForced: (signal) => process.stderr.write(`moonstream replay: ${signal} again, exiting without flushing\n`),
      });
      let summary: import('../src/replay/replay.js').ReplaySummary;
      try {
        summary = await replay({
          files,
          dataDir: flags.dataDir,
          speed: flags.speed,
          ...(flags.symbols ? { symbols: flags.symbols } : {}),
          ...(flags.from !== undefined ? { from: flags.from } : {}),
          ...(flags.to !== undefined ? { to: flags.to } : {}),
          strict: flags.strict === true,
          fresh: flags.fresh === true,
          signal: interrupt.signal,
          onWarning: (message) => process.stderr.write(`${tty && progressShown ? '\n' : ''}moonstream: warning: ${message}\n`),
          ...(tty
            ? {
                onProgress: (p) => {
                  progressShown = true;
                  process.stderr.write(`\r${formatProgress(p)}\x1b[K`);
                },
              }
            : {}),
        });
      } finally {
        interrupt.dispose();
      }
      process.stderr.write(clearProgress());
      process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
      if (summary.interrupted) throw new MoonstreamError('INTERRUPTED', `replay interrupted by ${interrupt.received ?? 'a signal'}: the summary covers what was replayed`);
    });
}

/** DESIGN.md section 1's flags for parts not built yet: accepted, documented, refused with one line before anything is read. */
function rejectUnbuilt(flags: ReplayFlags): void {
  if (flags.api) throw new MoonstreamError('NOT_IMPLEMENTED', 'the HTTP API is not implemented yet');
  if (flags.dashboard) throw new MoonstreamError('NOT_IMPLEMENTED', 'the dashboard is not implemented yet');
}
