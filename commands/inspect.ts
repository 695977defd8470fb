import { Argument, Command } from 'commander';
import { notImplemented } from '../src/errors.js';
import { parseSymbols } from '../src/cli/options.js';
import { DEFAULT_DATA_DIR } from '../src/store/data-dir.js';

export const INSPECT_TARGETS = ['weights', 'zones', 'snapshot', 'ring', 'capture'] as const;

export function inspectCommand(): Command {
  return new Command('inspect')
    .description('read weight, zone, snapshot, ring-buffer and capture files')
    .addArgument(new Argument('<what>', 'what to read').choices(INSPECT_TARGETS))
    .argument('[file]', 'a file to read instead of the data dir one (required for capture)')
    .option('--symbol <sym>', 'symbol (default: all in the data dir)', (v) => parseSymbols(v)[0]!)
    .option('--data-dir <dir>', 'data dir to read', DEFAULT_DATA_DIR)
    .option('--json', 'machine-readable JSON instead of tables')
    .action(async () => {
      throw notImplemented('moonstream inspect');
    });
}
