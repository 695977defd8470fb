import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileQueue } from './file-queue.js';
import { JsonlLog, rotatedFiles, rotatedName } from './jsonl-log.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-log-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 10, 23, 12, 0);

function readLines(file: string): unknown[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe('JsonlLog', () => {
  it('appends one JSON object per line, buffered until flush', () => {
    const file = path.join(dir, 'calibrator-BTC.jsonl');
    const log = new JsonlLog(file);
    log.append({ type: 'event', ts: T0 }, T0);
    log.append({ type: 'event', ts: T0 + 1 }, T0 + 1);
    expect(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '').toBe('');
    log.flush();
    expect(readLines(file)).toEqual([
      { type: 'event', ts: T0 },
      { type: 'event', ts: T0 + 1 },
    ]);
    log.close();
  });

  it('rotates by size before the file would pass the limit', () => {
    const file = path.join(dir, 'calibrator-ETH.jsonl');
    const log = new JsonlLog(file, { maxBytes: 100, bufferBytes: 0 });
    const record = { type: 'event', ts: T0, pad: 'x'.repeat(20) }; // 55 bytes with newline
    log.append(record, T0);
    log.append(record, T0 + 60_000); // 110 > 100: rotate first
    log.append(record, T0 + 120_000); // 110 > 100: rotate again (same minute name gets a suffix)
    log.close();
    const files = rotatedFiles(file);
    expect(files.map((f) => path.basename(f))).toEqual([
      'calibrator-ETH.20261123_1201.jsonl',
      'calibrator-ETH.20261123_1202.jsonl',
      'calibrator-ETH.jsonl',
    ]);
    for (const f of files) expect(readLines(f)).toHaveLength(1);
    expect(log.stats.rotations).toBe(2);
  });

  it('rotates through a write queue with each line in the file it was appended to, even before the disk caught up', async () => {
    const file = path.join(dir, 'calibrator-SOL.jsonl');
    const queue = new FileQueue();
    const log = new JsonlLog(file, { maxBytes: 130, bufferBytes: 0, queue });
    for (let i = 0; i < 5; i++) log.append({ type: 'event', ts: T0 + i * 60_000, i, pad: 'x'.repeat(10) }, T0 + i * 60_000);
    log.close();
    await queue.drain();
    const lines = rotatedFiles(file).map((f) => (readLines(f) as { i: number }[]).map((l) => l.i));
    expect(lines).toEqual([[0, 1], [2, 3], [4]]);
    expect(queue.stats).toMatchObject({ errors: 0, pending: 0 });
  });

  it('rotates by age measured in event time', () => {
    const file = path.join(dir, 'calibrator-SOL.jsonl');
    const log = new JsonlLog(file, { maxAgeMs: 3_600_000, bufferBytes: 0 });
    log.append({ ts: T0 }, T0);
    log.append({ ts: T0 + 3_599_999 }, T0 + 3_599_999);
    log.append({ ts: T0 + 3_600_000 }, T0 + 3_600_000);
    log.close();
    const files = rotatedFiles(file);
    expect(files).toHaveLength(2);
    expect(readLines(files[0]!)).toHaveLength(2);
    expect(readLines(files[1]!)).toEqual([{ ts: T0 + 3_600_000 }]);
  });

  it('continues an existing log and measures its age from its first line', () => {
    const file = path.join(dir, 'c.jsonl');
    fs.writeFileSync(file, `${JSON.stringify({ ts: T0 })}\n`);
    const log = new JsonlLog(file, { maxAgeMs: 86_400_000, bufferBytes: 0 });
    log.append({ ts: T0 + 1000 }, T0 + 1000);
    log.append({ ts: T0 + 86_400_000 }, T0 + 86_400_000);
    log.close();
    const files = rotatedFiles(file);
    expect(files).toHaveLength(2);
    expect(readLines(files[0]!)).toEqual([{ ts: T0 }, { ts: T0 + 1000 }]);
  });

  it('names rotated files after the UTC rotation minute', () => {
    expect(rotatedName('/d/calibrator-BTC.jsonl', Date.UTC(2026, 0, 2, 3, 4, 59))).toBe(
      '/d/calibrator-BTC.20260102_0304.jsonl',
    );
  });
});
