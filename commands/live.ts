import { Command, Option } from 'commander';
import { notImplemented } from '../src/errors.js';
import { DEFAULT_SYMBOLS } from '../src/engines/symbol-config.js';
import { VENUES } from '../src/events.js';
import { collect, parsePort, parseSymbols, parseVenues } from '../src/cli/options.js';
import { DEFAULT_DATA_DIR } from '../src/store/data-dir.js';

export function liveCommand(): Command {
  return new Command('live')
    .description('connect to Binance, Bybit and OKX, run the engines, serve the API and the dashboard')
    .option('--symbols <list>', 'symbols to follow, comma-separated', parseSymbols, [...DEFAULT_SYMBOLS])
    .option('--venues <list>', `venues to connect to (${VENUES.join(', ')})`, parseVenues, [...VENUES])
    .option('--host <address>', 'API bind address (0.0.0.0 exposes it)', '127.0.0.1')
    .option('--port <n>', 'API port (0 picks a free one)', parsePort, 8899)
    .option('--data-dir <dir>', 'where state files are written', DEFAULT_DATA_DIR)
    .option('--record <file>', 'record every frame to a capture (.jsonl or .jsonl.gz)')
    .option('--no-dashboard', 'log a status line instead of the terminal dashboard')
    .option('--demo', 'run offline against simulated venues served on loopback')
    .addOption(
      new Option('--endpoint <venue.channel=url>', 'override one endpoint (repeatable), e.g. binance.market=wss://…')
        .argParser(collect)
        .default([]),
    )
    .action(async () => {
      throw notImplemented('moonstream live');
    });
}
