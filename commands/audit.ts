import { Command } from 'commander';
import { notImplemented } from '../src/errors.js';
import { choice, parseSymbols, parseTime } from '../src/cli/options.js';
import { DEFAULT_DATA_DIR } from '../src/store/data-dir.js';

export function auditCommand(): Command {
  return new Command('audit')
    .description('report how accurate the predictions were (markdown on stdout)')
    .argument('[capture]', 'score this capture: replay it into a temporary data dir first')
    .option('--symbol <sym>', 'one symbol (default: every symbol in the data dir)', (v) => parseSymbols(v)[0]!)
    .option('--data-dir <dir>', 'data dir to read', DEFAULT_DATA_DIR)
    .option('--since <time>', 'only events at or after this ISO time', parseTime)
    .option('--format <fmt>', 'md or json', choice(['md', 'json'] as const), 'md')
    .action(async () => {
      throw notImplemented('moonstream audit');
    });
}
