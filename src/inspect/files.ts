/**
 * Read-only access to data-dir files for `inspect` and `audit`: every failure becomes a
 * MoonstreamError whose message names the file. Unlike the engines' start-up load
 * (src/store/atomic-json.ts), nothing is moved aside: inspecting never changes a file.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { MoonstreamError } from '../errors.js';
import { assertDataDir } from '../preflight.js';

/** The file's bytes; FILE_NOT_FOUND / FILE_UNREADABLE naming it. */
export function readBytes(file: string): Buffer {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) throw new MoonstreamError('FILE_UNREADABLE', `${file}: not a file`);
    return fs.readFileSync(file);
  } catch (error) {
    throw fileError(file, error);
  }
}

/** A JSON state file, parsed; STATE_CORRUPT when it is empty or not JSON. */
export function readJsonFile(file: string): unknown {
  const text = readBytes(file).toString('utf8');
  if (text.trim() === '') throw new MoonstreamError('STATE_CORRUPT', `${file}: empty file`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MoonstreamError('STATE_CORRUPT', `${file}: not valid JSON (${(error as Error).message})`);
  }
}

export function fileError(file: string, error: unknown): MoonstreamError {
  if (error instanceof MoonstreamError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new MoonstreamError('FILE_NOT_FOUND', `${file}: no such file`);
  if (code === 'EISDIR') return new MoonstreamError('FILE_UNREADABLE', `${file}: not a file`);
  return new MoonstreamError('FILE_UNREADABLE', `${file}: cannot read (${code ?? (error as Error).message})`);
}

/** The data dir must exist and be a directory (the check `live` and `replay` share, src/runtime.ts). */
export function requireDataDir(dir: string): void {
  assertDataDir(dir, { mustExist: true });
}

/**
 * Symbols that have a file `<dir>/<sub>/<SYM><suffix>` (e.g. `weights`, `.json`), sorted;
 * a missing sub-directory has none.
 */
export function symbolsWith(dataDir: string, sub: string, suffix: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(path.join(dataDir, sub));
  } catch {
    return [];
  }
  const out = new Set<string>();
  for (const name of names) {
    if (!name.endsWith(suffix)) continue;
    const symbol = name.slice(0, name.length - suffix.length);
    if (/^[A-Z0-9]{1,20}$/.test(symbol)) out.add(symbol);
  }
  return [...out].sort();
}
