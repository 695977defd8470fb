import { Command } from 'commander';
import { parseNonNegativeNumber, parseSymbols, parseTime } from '../src/cli/options.js';
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
}

export function replayCommand(): Command {
  return new Command('replay')
    .description('feed a recorded capture through the same pipeline as live, with time taken from the capture')
    .argument('<files...>', 'capture file(s), .jsonl or .jsonl.gz, replayed in order')
    .option('--speed <n>', '0 = as fast as possible, 1 = capture pace, N = N× pace', parseNonNegativeNumber, 0)
    .option('--symbols <list>', 'symbols to run engines for (default: BTC,ETH,SOL)', parseSymbols)
    .option('--data-dir <dir>', 'where state files are written', DEFAULT_DATA_DIR)
    .option('--fresh', 'remove the state files of a previous run from the data dir first (default: continue from them)')
    .option('--from <time>', 'skip envelopes received before this ISO time', parseTime)
    .option('--to <time>', 'stop at envelopes received after this ISO time', parseTime)
    .option('--strict', 'stop at the first malformed line')
    .option('--json', 'print the summary as one JSON object on stdout (progress goes to stderr)')
    .action(async (files: string[], flags: ReplayFlags) => {
      const { replay } = await import('../src/replay/replay.js');
      const { formatProgress, formatSummary } = await import('../src/replay/format.js');
      const tty = process.stderr.isTTY === true;
      let progressShown = false;
      const summary = await replay({
        files,
        dataDir: flags.dataDir,
        speed: flags.speed,
        ...(flags.symbols ? { symbols: flags.symbols } : {}),
        ...(flags.from !== undefined ? { from: flags.from } : {}),
        ...(flags.to !== undefined ? { to: flags.to } : {}),
        strict: flags.strict === true,
        fresh: flags.fresh === true,
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
      if (progressShown) process.stderr.write('\r\x1b[K');
      process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
    });
}
