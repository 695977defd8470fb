import { Command } from 'commander';
import { notImplemented } from '../src/errors.js';
import { parseNonNegativeNumber, parsePort, parseSymbols, parseTime } from '../src/cli/options.js';
import { DEFAULT_DATA_DIR } from '../src/store/data-dir.js';

export function replayCommand(): Command {
  return new Command('replay')
    .description('feed a recorded capture through the same pipeline as live, with time taken from the capture')
    .argument('<files...>', 'capture file(s), .jsonl or .jsonl.gz, replayed in order')
    .option('--speed <n>', '0 = as fast as possible, 1 = capture pace, N = N× pace', parseNonNegativeNumber, 0)
    .option('--symbols <list>', 'symbols to run engines for (default: BTC,ETH,SOL)', parseSymbols)
    .option('--data-dir <dir>', 'where state files are written', DEFAULT_DATA_DIR)
    .option('--from <time>', 'skip envelopes received before this ISO time', parseTime)
    .option('--to <time>', 'stop at envelopes received after this ISO time', parseTime)
    .option('--strict', 'stop at the first malformed line')
    .option('--json', 'print the summary as one JSON object on stdout (progress goes to stderr)')
    .option('--api', 'serve the HTTP API while replaying')
    .option('--port <n>', 'API port with --api', parsePort, 8899)
    .option('--dashboard', 'show the terminal dashboard while replaying')
    .action(async () => {
      throw notImplemented('moonstream replay');
    });
}
