import { Command } from 'commander';
import { notImplemented } from '../src/errors.js';
import { parseInteger, parsePositiveInt, parseSymbols, parseVenues } from '../src/cli/options.js';

export function simulateCommand(): Command {
  return new Command('simulate')
    .description('write a synthetic capture in real venue formats from a market whose truth is known')
    .requiredOption('--minutes <n>', 'simulated minutes', parsePositiveInt)
    .option('--seed <n>', 'random seed: the same seed and flags write the same bytes', parseInteger, 1)
    .requiredOption('--out <file>', 'capture to write (.jsonl or .jsonl.gz); the truth goes to <file>.truth.json')
    .option('--symbols <list>', 'symbols to simulate', parseSymbols, ['BTC', 'ETH', 'SOL'])
    .option('--venues <list>', 'venues to emit', parseVenues, ['binance', 'bybit', 'okx'])
    .option('--leverage-mix <json>', 'true leverage mix, e.g. {"BTC":{"20":0.3,"50":0.7}}')
    .action(async () => {
      throw notImplemented('moonstream simulate');
    });
}
