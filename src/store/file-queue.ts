/**
 * File writes off the event loop, in order per file (`live`'s data-dir writer).
 *
 * Node's asynchronous fs runs on libuv's threadpool, so a rename that ext4 makes wait
 * for a data flush, or an fsync, blocks a pool thread instead of the event loop. Callers
 * serialize on the main thread and hand over bytes; the queue keeps one FIFO per file
 * and runs it one operation at a time, so writes to one file never overtake each other
 * (a ring record before its header, a log line before the next, an older snapshot never
 * renamed over a newer one), while different files proceed in parallel.
 *
 *   const queue = new FileQueue({ onError });
 *   queue.replace(file, json, durable);      // tmp → [fsync] → rename [→ fsync dir]
 *   queue.writeAt(file, fd, bytes, offset);  // ring records and headers
 *   queue.append(file, fd, text);            // log lines
 *   queue.close(file, fd);                   // after everything queued before it
 *   await queue.drain();                     // shutdown: everything written
 *
 * Bounded: a `replace` still waiting for its turn is superseded by a newer one of the
 * same file (only the latest state matters), appends waiting for their turn are merged
 * into one write, and ring and log bytes beyond `maxPendingBytes` are refused — counted
 * and reported through `onError`, never dropped silently — rather than letting a stalled
 * disk grow the heap without end.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

/** Default bound of the bytes waiting to be written (rings and logs; JSON files are superseded instead). */
export const DEFAULT_MAX_PENDING_BYTES = 64 * 1024 * 1024;

export interface FileQueueOptions {
  /** Ring and log bytes allowed to wait; beyond this they are refused and reported (default 64 MiB). */
  readonly maxPendingBytes?: number;
  /** A write failed or was refused (default: ignored). The queue keeps going. */
  readonly onError?: (error: unknown, file: string) => void;
  /** fs with callbacks (tests inject slow or failing ones; default node:fs). */
  readonly fs?: QueueFs;
}

/** The node:fs calls the queue makes. */
export interface QueueFs {
  open(file: string, flags: string, callback: (error: NodeJS.ErrnoException | null, fd: number) => void): void;
  write(fd: number, data: Uint8Array, offset: number, length: number, position: number | null, callback: (error: NodeJS.ErrnoException | null, written: number) => void): void;
  fsync(fd: number, callback: (error: NodeJS.ErrnoException | null) => void): void;
  close(fd: number, callback: (error: NodeJS.ErrnoException | null) => void): void;
  rename(from: string, to: string, callback: (error: NodeJS.ErrnoException | null) => void): void;
  unlink(file: string, callback: (error: NodeJS.ErrnoException | null) => void): void;
  mkdir(dir: string, options: { recursive: true }, callback: (error: NodeJS.ErrnoException | null) => void): void;
}

export interface FileQueueStats {
  /** Operations accepted (replace, writeAt, append, close). */
  queued: number;
  /** Operations finished (successfully or not). */
  done: number;
  /** Operations waiting or running now. */
  pending: number;
  /** Bytes waiting or being written now, and the most there ever were. */
  pendingBytes: number;
  peakPendingBytes: number;
  /** Operations that had to wait behind another one of the same file (the disk was slower than the engines). */
  waited: number;
  /** JSON replaces superseded by a newer one before their turn came. */
  superseded: number;
  /** Appends merged into one waiting before them. */
  merged: number;
  /** Ring and log writes refused over `maxPendingBytes` (reported through onError). */
  refused: number;
  refusedBytes: number;
  errors: number;
}

type Op =
  | { kind: 'replace'; data: Uint8Array; durable: boolean }
  | { kind: 'writeAt'; fd: number; data: Uint8Array; position: number }
  | { kind: 'append'; fd: number; chunks: Uint8Array[]; bytes: number }
  | { kind: 'close'; fd: number };

const encoder = new TextEncoder();

function bytesOf(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

function sizeOf(op: Op): number {
  switch (op.kind) {
    case 'replace':
    case 'writeAt':
      return op.data.length;
    case 'append':
      return op.bytes;
    case 'close':
      return 0;
  }
}

let tmpCounter = 0;

export class FileQueue {
  private readonly maxPendingBytes: number;
  private readonly onError: (error: unknown, file: string) => void;
  private readonly io: QueueFs;
  /** Per file: its operations, the first one running. */
  private readonly files = new Map<string, Op[]>();
  /** Directories known to exist. */
  private readonly dirs = new Set<string>();
  private idle: (() => void)[] = [];
  readonly stats: FileQueueStats = {
    queued: 0,
    done: 0,
    pending: 0,
    pendingBytes: 0,
    peakPendingBytes: 0,
    waited: 0,
    superseded: 0,
    merged: 0,
    refused: 0,
    refusedBytes: 0,
    errors: 0,
  };

  constructor(options: FileQueueOptions = {}) {
    this.maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
    this.onError = options.onError ?? (() => undefined);
    this.io = options.fs ?? (fs as unknown as QueueFs);
  }

  /** Replace `file` with `data` atomically (tmp → [fsync] → rename [→ fsync the directory]). */
  replace(file: string, data: string | Uint8Array, durable: boolean): void {
    const ops = this.files.get(file);
    const last = ops !== undefined && ops.length > 1 ? ops[ops.length - 1]! : undefined;
    if (last !== undefined && last.kind === 'replace') {
      // still waiting: the newer state is all that needs writing
      this.stats.superseded++;
      this.stats.pendingBytes -= last.data.length;
      last.data = bytesOf(data);
      last.durable ||= durable;
      this.grow(last.data.length);
      return;
    }
    this.push(file, { kind: 'replace', data: bytesOf(data), durable });
  }

  /** Write `data` at `position` of the open file `fd` (whose path is `file`). */
  writeAt(file: string, fd: number, data: Uint8Array, position: number): void {
    if (this.refuse(file, data.length)) return;
    this.push(file, { kind: 'writeAt', fd, data, position });
  }

  /** Append `data` to the open file `fd` (opened with 'a'). */
  append(file: string, fd: number, data: string | Uint8Array): void {
    const bytes = bytesOf(data);
    if (this.refuse(file, bytes.length)) return;
    const ops = this.files.get(file);
    const last = ops !== undefined && ops.length > 1 ? ops[ops.length - 1]! : undefined;
    if (last !== undefined && last.kind === 'append' && last.fd === fd) {
      this.stats.merged++;
      last.chunks.push(bytes);
      last.bytes += bytes.length;
      this.grow(bytes.length);
      return;
    }
    this.push(file, { kind: 'append', fd, chunks: [bytes], bytes: bytes.length });
  }

  /** Close `fd` once everything queued for `file` before it is written. */
  close(file: string, fd: number): void {
    this.push(file, { kind: 'close', fd });
  }

  /** Resolves when nothing is waiting or running (including what is queued meanwhile). */
  drain(): Promise<void> {
    if (this.stats.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Files with writes waiting or running. */
  get busyFiles(): number {
    return this.files.size;
  }

  private refuse(file: string, bytes: number): boolean {
    if (this.stats.pendingBytes + bytes <= this.maxPendingBytes) return false;
    this.stats.refused++;
    this.stats.refusedBytes += bytes;
    this.onError(new Error(`write queue full (${this.stats.pendingBytes} bytes waiting for the disk): ${bytes} bytes not written`), file);
    return true;
  }

  private grow(bytes: number): void {
    this.stats.pendingBytes += bytes;
    if (this.stats.pendingBytes > this.stats.peakPendingBytes) this.stats.peakPendingBytes = this.stats.pendingBytes;
  }

  private push(file: string, op: Op): void {
    this.stats.queued++;
    this.stats.pending++;
    this.grow(sizeOf(op));
    const ops = this.files.get(file);
    if (ops !== undefined) {
      this.stats.waited++;
      ops.push(op);
      return;
    }
    this.files.set(file, [op]);
    this.run(file, op);
  }

  private run(file: string, op: Op): void {
    const done = (error: unknown): void => {
      if (error) {
        this.stats.errors++;
        this.onError(error, file);
      }
      this.finish(file, op);
    };
    switch (op.kind) {
      case 'replace':
        return this.runReplace(file, op.data, op.durable, done);
      case 'writeAt':
        return this.writeAll(op.fd, op.data, op.position, done);
      case 'append': {
        const data = op.chunks.length === 1 ? op.chunks[0]! : Buffer.concat(op.chunks);
        return this.writeAll(op.fd, data, null, done);
      }
      case 'close':
        return this.io.close(op.fd, done);
    }
  }

  private finish(file: string, op: Op): void {
    this.stats.done++;
    this.stats.pending--;
    this.stats.pendingBytes -= sizeOf(op);
    const ops = this.files.get(file)!;
    ops.shift();
    if (ops.length > 0) this.run(file, ops[0]!);
    else this.files.delete(file);
    if (this.stats.pending === 0) {
      const waiting = this.idle;
      this.idle = [];
      for (const resolve of waiting) resolve();
    }
  }

  /** Write all of `data` (a short write continues where it stopped). */
  private writeAll(fd: number, data: Uint8Array, position: number | null, done: (error: unknown) => void): void {
    let offset = 0;
    const next = (): void => {
      this.io.write(fd, data, offset, data.length - offset, position === null ? null : position + offset, (error, written) => {
        if (error) return done(error);
        offset += written;
        if (offset < data.length && written > 0) next();
        else done(offset < data.length ? new Error(`short write: ${offset} of ${data.length} bytes`) : null);
      });
    };
    next();
  }

  private runReplace(file: string, data: Uint8Array, durable: boolean, done: (error: unknown) => void): void {
    const dir = path.dirname(file);
    const tmp = `${file}.tmp-${process.pid}-a${++tmpCounter}`;
    const io = this.io;
    const fail = (error: unknown): void => io.unlink(tmp, () => done(error));
    const write = (): void =>
      io.open(tmp, 'w', (openError, fd) => {
        if (openError) return done(openError);
        this.writeAll(fd, data, null, (writeError) => {
          const close = (error: unknown): void =>
            io.close(fd, (closeError) => {
              if (error || closeError) return fail(error || closeError);
              io.rename(tmp, file, (renameError) => {
                if (renameError) return fail(renameError);
                if (!durable) return done(null);
                syncDirectory(io, dir, () => done(null));
              });
            });
          if (writeError || !durable) return close(writeError);
          io.fsync(fd, (syncError) => close(syncError));
        });
      });
    if (this.dirs.has(dir)) return write();
    io.mkdir(dir, { recursive: true }, (error) => {
      if (error) return done(error);
      this.dirs.add(dir);
      write();
    });
  }
}

/** fsync a directory (the rename's entry); platforms that cannot are skipped, as in atomic-json.ts. */
function syncDirectory(io: QueueFs, dir: string, done: () => void): void {
  io.open(dir, 'r', (openError, fd) => {
    if (openError) return done();
    io.fsync(fd, () => io.close(fd, () => done()));
  });
}
