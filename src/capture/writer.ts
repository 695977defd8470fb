/**
 * Capture writer: appends envelopes as JSON lines, plain or gzip (by `.gz`).
 *
 * Plain files are written through to the kernel line by line (`flushBytes` 0, the
 * default), so a crash loses at most the line in flight. Bulk writers (the simulator)
 * raise `flushBytes` to batch. Gzip files are written as a series of gzip members, one
 * per flush (concatenated members are a valid gzip stream that every gunzip reads);
 * `flushBytes` defaults to 64 KiB there and a live recorder also calls `flush()` once a
 * second, so a crash loses at most the unflushed tail. `close()` is synchronous, so it
 * is safe in a SIGINT handler.
 *
 * `flushAsync()` (the live recorder, once a second): the same member, but compressed on
 * the libuv thread pool, so a second of cascade traffic (~0.7 MB, ~15 ms of gzip) never
 * stalls the event loop. Members are written in the order they were cut; a later
 * synchronous `flush()`/`close()` compresses whatever is still in flight itself and keeps
 * that order, so nothing is lost or reordered whichever way the file is closed.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { MoonstreamError } from '../errors.js';
import { CAPTURE_VERSION, formatEnvelope, formatRawEnvelope, type CaptureHeader, type Envelope } from './envelope.js';

export interface CaptureWriterOptions {
  /** First line of a new file (omit for no header). */
  readonly header?: Omit<CaptureHeader, 'moonstream' | 'version'>;
  /** Bytes to buffer before writing (default: plain 0 = every line, gzip 64 KiB). */
  readonly flushBytes?: number;
  /** Append to an existing file instead of replacing it (default false). */
  readonly append?: boolean;
  /** gzip level (default 6). */
  readonly gzipLevel?: number;
}

export class CaptureWriter {
  readonly file: string;
  readonly gzip: boolean;
  private fd: number | undefined;
  private readonly flushBytes: number;
  private readonly gzipLevel: number;
  private pending: string[] = [];
  private pendingBytes = 0;
  /** Cut batches waiting for their (async) compression, oldest first; written in this order. */
  private readonly batches: { readonly text: string; data: Buffer | undefined }[] = [];
  private lines = 0;
  private bytes = 0;

  constructor(file: string, options: CaptureWriterOptions = {}) {
    this.file = file;
    this.gzip = file.endsWith('.gz');
    this.flushBytes = options.flushBytes ?? (this.gzip ? 64 * 1024 : 0);
    this.gzipLevel = options.gzipLevel ?? 6;
    let appendingToExisting: boolean;
    try {
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      appendingToExisting = options.append === true && fs.existsSync(file) && fs.statSync(file).size > 0;
      this.fd = fs.openSync(file, options.append ? 'a' : 'w');
    } catch (error) {
      throw cannotCreate(file, error);
    }
    if (options.header && !appendingToExisting) {
      this.writeLine(JSON.stringify({ moonstream: 'capture', version: CAPTURE_VERSION, ...options.header }));
    }
  }

  /** Append one envelope. */
  write(envelope: Envelope): void {
    this.writeLine(formatEnvelope(envelope));
  }

  /** Append one envelope whose payload is already JSON text (no re-serialization). */
  writeRaw(t: number, v: string, c: string, rawJson: string, q?: Readonly<Record<string, string | number>>): void {
    this.writeLine(formatRawEnvelope(t, v, c, rawJson, q));
  }

  /** Push buffered lines to the file (and any batch still being compressed by `flushAsync`). */
  flush(): void {
    if (this.fd === undefined) return;
    for (const batch of this.batches.splice(0)) this.writeData(batch.data ?? this.encodeSync(batch.text));
    if (this.pending.length === 0) return;
    this.writeData(this.encodeSync(this.cut()));
  }

  /**
   * Push buffered lines to the file, gzip-compressing on the thread pool. Resolves once
   * this batch is written (or taken over by a synchronous `flush`/`close`). Plain files
   * are written at once.
   */
  flushAsync(): Promise<void> {
    if (this.fd === undefined || this.pending.length === 0) return Promise.resolve();
    const text = this.cut();
    if (!this.gzip) {
      this.writeData(Buffer.from(text));
      return Promise.resolve();
    }
    const batch: { readonly text: string; data: Buffer | undefined } = { text, data: undefined };
    this.batches.push(batch);
    return new Promise<void>((resolve, reject) => {
      zlib.gzip(text, { level: this.gzipLevel }, (error, data) => {
        // taken over by a synchronous flush/close meanwhile: already written
        if (!this.batches.includes(batch)) return resolve();
        if (error) {
          this.batches.splice(this.batches.indexOf(batch), 1);
          return reject(error);
        }
        batch.data = data;
        try {
          while (this.batches.length > 0 && this.batches[0]!.data !== undefined) this.writeData(this.batches.shift()!.data!);
          resolve();
        } catch (writeError) {
          reject(writeError);
        }
      });
    });
  }

  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    fs.closeSync(this.fd);
    this.fd = undefined;
  }

  get closed(): boolean {
    return this.fd === undefined;
  }

  get stats(): { readonly lines: number; readonly bytesWritten: number } {
    return { lines: this.lines, bytesWritten: this.bytes };
  }

  private cut(): string {
    const text = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    return text;
  }

  private encodeSync(text: string): Buffer {
    return this.gzip ? zlib.gzipSync(text, { level: this.gzipLevel }) : Buffer.from(text);
  }

  private writeData(data: Buffer): void {
    if (this.fd === undefined) throw new Error(`capture ${this.file} is closed`);
    fs.writeSync(this.fd, data);
    this.bytes += data.length;
  }

  private writeLine(line: string): void {
    if (this.fd === undefined) throw new Error(`capture ${this.file} is closed`);
    const text = `${line}\n`;
    this.lines++;
    if (this.flushBytes === 0 && !this.gzip) {
      fs.writeSync(this.fd, text);
      this.bytes += Buffer.byteLength(text);
      return;
    }
    this.pending.push(text);
    this.pendingBytes += text.length;
    if (this.pendingBytes >= this.flushBytes) this.flush();
  }
}

const CREATE_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such place to create it',
  ENOTDIR: 'a parent is not a directory',
  EEXIST: 'a parent is not a directory', // mkdir's answer on some platforms
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EROFS: 'read-only file system',
};

/** A capture that cannot be opened for writing, as one line naming the file (exit 1, not an internal error). */
function cannotCreate(file: string, error: unknown): MoonstreamError {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === undefined ? (error as Error).message : `${CREATE_ERRORS[code] ?? 'refused'}, ${code}`;
  // the codes are the reader's: FILE_NOT_FOUND when the place does not exist, FILE_UNREADABLE for any other refusal
  return new MoonstreamError(code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE', `${file}: cannot write the capture (${why})`, { cause: error });
}
