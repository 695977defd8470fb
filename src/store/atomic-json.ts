/**
 * Crash-safe state files: write to a temporary file, fsync it, rename it over the
 * target, fsync the directory. A reader therefore sees the old file or the new file,
 * never a torn one. A file that is nonetheless corrupt (hand-edited, disk fault) is
 * moved aside on load as `*.corrupt-<ts>` with a warning, and treated as absent.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

/** The few fs calls an atomic write makes, so tests can fail one of them. */
export interface AtomicFs {
  openSync: typeof fs.openSync;
  writeSync: (fd: number, data: string | Uint8Array) => number;
  fsyncSync: typeof fs.fsyncSync;
  closeSync: typeof fs.closeSync;
  renameSync: typeof fs.renameSync;
  unlinkSync: typeof fs.unlinkSync;
  mkdirSync: typeof fs.mkdirSync;
}

const nodeFs: AtomicFs = {
  openSync: fs.openSync,
  writeSync: (fd, data) => (typeof data === 'string' ? fs.writeSync(fd, data) : fs.writeSync(fd, data)),
  fsyncSync: fs.fsyncSync,
  closeSync: fs.closeSync,
  renameSync: fs.renameSync,
  unlinkSync: fs.unlinkSync,
  mkdirSync: fs.mkdirSync,
};

export interface AtomicWriteOptions {
  /** fsync the file and its directory (default true; off only where durability does not matter). */
  readonly fsync?: boolean;
  /** Injected fs for fault tests (default node:fs). */
  readonly fs?: AtomicFs;
}

let tmpCounter = 0;

/** Atomically replace `file` with `data`, creating parent directories as needed. */
export function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const io = options.fs ?? nodeFs;
  const durable = options.fsync ?? true;
  const dir = path.dirname(file);
  io.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${++tmpCounter}`;
  const fd = io.openSync(tmp, 'w');
  try {
    io.writeSync(fd, data);
    if (durable) io.fsyncSync(fd);
  } finally {
    io.closeSync(fd);
  }
  try {
    io.renameSync(tmp, file);
  } catch (error) {
    try {
      io.unlinkSync(tmp);
    } catch {
      // the tmp file may already be gone; the original error is the one that matters
    }
    throw error;
  }
  if (durable) fsyncDirectory(dir);
}

/** The bytes of a JSON state file: the value (compact unless `space` is given) and a newline. */
export function jsonFileText(value: unknown, space?: number): string {
  return `${JSON.stringify(value, null, space)}\n`;
}

/** Atomically write `value` as JSON (compact unless `space` is given). */
export function writeJsonAtomic(
  file: string,
  value: unknown,
  options: AtomicWriteOptions & { readonly space?: number } = {},
): void {
  writeFileAtomic(file, jsonFileText(value, options.space), options);
}

function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // some platforms cannot fsync a directory; the rename is still atomic
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export type LoadResult<T> =
  | { readonly status: 'ok'; readonly value: T }
  | { readonly status: 'absent' }
  | { readonly status: 'corrupt'; readonly movedTo: string; readonly reason: string };

export interface LoadOptions {
  /** Called once with a one-line warning when a corrupt file is moved aside. */
  readonly onWarning?: (message: string) => void;
  /** Wall time for the `.corrupt-<ts>` suffix (default Date.now). */
  readonly now?: () => number;
}

/**
 * Load a JSON state file. A missing file is `absent`; an unparseable or empty one is
 * renamed to `<file>.corrupt-<ts>` and reported as `corrupt` (callers treat it as absent).
 */
export function loadJson<T = unknown>(file: string, options: LoadOptions = {}): LoadResult<T> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'absent' };
    throw error;
  }
  try {
    if (text.trim() === '') throw new Error('empty file');
    return { status: 'ok', value: JSON.parse(text) as T };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const movedTo = moveAside(file, (options.now ?? Date.now)());
    options.onWarning?.(`${file} is corrupt (${reason}); moved aside to ${path.basename(movedTo)}, starting without it`);
    return { status: 'corrupt', movedTo, reason };
  }
}

function moveAside(file: string, ts: number): string {
  let target = `${file}.corrupt-${ts}`;
  for (let n = 1; fs.existsSync(target); n++) target = `${file}.corrupt-${ts}-${n}`;
  fs.renameSync(file, target);
  return target;
}
