/**
 * The checks every command makes before it reads, writes or connects anything — the data
 * dir is a directory, the symbols have an engine configuration — in one light module, so
 * `inspect` and `audit` share them with `live` and `replay` (through src/runtime.ts)
 * without loading the engines.
 */

import * as fs from 'node:fs';
import { SYMBOL_CONFIGS } from './engines/symbol-config.js';
import { MoonstreamError, messageOf } from './errors.js';

/**
 * The data dir must be a directory: `inspect` and `audit` read it, so it must exist
 * (`mustExist`); `live` and `replay` create a missing one, but a regular file in its place
 * is a one-line error found before anything is started, read or written.
 */
export function assertDataDir(dir: string, options: { readonly mustExist?: boolean } = {}): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new MoonstreamError('FILE_UNREADABLE', `${dir}: not a directory (a parent of it is a file)`);
    if (code !== 'ENOENT') throw new MoonstreamError('FILE_UNREADABLE', `${dir}: cannot use as the data dir (${code ?? messageOf(error)})`);
    if (options.mustExist) throw new MoonstreamError('FILE_NOT_FOUND', `${dir}: no such data dir (run \`moonstream replay\` or \`moonstream live\` first, or pass --data-dir)`);
    return;
  }
  if (!stat.isDirectory()) throw new MoonstreamError('FILE_UNREADABLE', `${dir}: not a directory`);
}

/**
 * The engines need a step and an order-book range per symbol (src/engines/symbol-config.ts);
 * a symbol without one is a usage error, found before anything is connected or written.
 */
export function assertConfiguredSymbols(symbols: readonly string[]): void {
  const unconfigured = symbols.filter((s) => SYMBOL_CONFIGS[s] === undefined);
  if (unconfigured.length > 0) {
    throw new MoonstreamError('USAGE', `no engine configuration for ${unconfigured.join(', ')} (configured: ${Object.keys(SYMBOL_CONFIGS).join(', ')})`);
  }
}
