import { Argument, Command } from 'commander';
import { parsePositiveInt, parseSymbols } from '../src/cli/options.js';
import { DEFAULT_DATA_DIR } from '../src/store/data-dir.js';

export const INSPECT_TARGETS = ['weights', 'zones', 'snapshot', 'ring', 'capture'] as const;

interface InspectFlags {
  readonly symbol?: string;
  readonly dataDir: string;
  readonly json?: boolean;
  readonly records: number;
}

export function inspectCommand(): Command {
  return new Command('inspect')
    .description('read weight, zone, snapshot, ring-buffer and capture files')
    .addArgument(new Argument('<what>', 'what to read').choices(INSPECT_TARGETS))
    .argument('[file]', "a file to read instead of the data dir's (required for capture; ring also reads the PoC's ob_heatmap_30s.bin)")
    .option('--symbol <sym>', 'symbol (default: all in the data dir)', (v) => parseSymbols(v)[0]!)
    .option('--data-dir <dir>', 'data dir to read', DEFAULT_DATA_DIR)
    .option('--json', 'machine-readable JSON instead of tables (one object with a FILE or --symbol, else keyed by symbol)')
    .option('--records <n>', 'ring: how many of the newest records to show', parsePositiveInt, 10)
    .action(async (what: (typeof INSPECT_TARGETS)[number], file: string | undefined, flags: InspectFlags, command: Command) => {
      // loaded here, so `moonstream --help` and the other commands do not pay for it
      const { inspect } = await import('../src/inspect/inspect.js');
      const { prettyJson } = await import('../src/cli/format.js');
      const result = await inspect({
        target: what,
        dataDir: flags.dataDir,
        records: flags.records,
        ...(file !== undefined ? { file } : {}),
        ...(flags.symbol !== undefined ? { symbol: flags.symbol } : {}),
      });
      const out = flags.json ? `${prettyJson(result.json)}\n` : `${result.text}\n`;
      command.configureOutput().writeOut?.(out);
    });
}
