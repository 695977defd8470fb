import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadJson, writeJsonAtomic, type AtomicFs } from './atomic-json.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-atomic-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('writeJsonAtomic', () => {
  it('writes compact JSON and creates missing directories', () => {
    const file = path.join(dir, 'a', 'b', 'state.json');
    writeJsonAtomic(file, { x: 1, y: [1, 2] });
    expect(fs.readFileSync(file, 'utf8')).toBe('{"x":1,"y":[1,2]}\n');
  });

  it('leaves the old file intact when the process dies between write and rename', () => {
    const file = path.join(dir, 'weights.json');
    writeJsonAtomic(file, { version: 1 });
    const crashing: AtomicFs = {
      openSync: fs.openSync,
      writeSync: (fd, data) => fs.writeSync(fd, data as string),
      fsyncSync: fs.fsyncSync,
      closeSync: fs.closeSync,
      renameSync: () => {
        throw new Error('simulated crash before rename');
      },
      unlinkSync: () => {
        // a crashed process cleans nothing up
      },
      mkdirSync: fs.mkdirSync,
    };
    expect(() => writeJsonAtomic(file, { version: 2 }, { fs: crashing })).toThrow('simulated crash');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ version: 1 });
    // the half-done temporary file is left beside it and does not confuse the loader
    expect(fs.readdirSync(dir).some((n) => n.startsWith('weights.json.tmp-'))).toBe(true);
    expect(loadJson(file)).toEqual({ status: 'ok', value: { version: 1 } });
  });

  it('leaves the old file intact when the write itself fails midway', () => {
    const file = path.join(dir, 'zones.json');
    writeJsonAtomic(file, { zones: [1] });
    const failing: AtomicFs = {
      openSync: fs.openSync,
      writeSync: (fd) => {
        fs.writeSync(fd, '{"zones":[1,2');
        throw new Error('ENOSPC');
      },
      fsyncSync: fs.fsyncSync,
      closeSync: fs.closeSync,
      renameSync: fs.renameSync,
      unlinkSync: fs.unlinkSync,
      mkdirSync: fs.mkdirSync,
    };
    expect(() => writeJsonAtomic(file, { zones: [1, 2] }, { fs: failing })).toThrow('ENOSPC');
    expect(loadJson(file)).toEqual({ status: 'ok', value: { zones: [1] } });
  });
});

describe('loadJson', () => {
  it('reports a missing file as absent', () => {
    expect(loadJson(path.join(dir, 'nope.json'))).toEqual({ status: 'absent' });
  });

  it('moves a corrupt file aside with a warning and reports it', () => {
    const file = path.join(dir, 'zones.json');
    fs.writeFileSync(file, '{"zones":[{"price":6');
    const warnings: string[] = [];
    const result = loadJson(file, { onWarning: (m) => warnings.push(m), now: () => 1700000000000 });
    expect(result.status).toBe('corrupt');
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.existsSync(`${file}.corrupt-1700000000000`)).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('zones.json is corrupt');
    expect(warnings[0]).toContain('zones.json.corrupt-1700000000000');
  });

  it('treats an empty (truncated) file as corrupt', () => {
    const file = path.join(dir, 'w.json');
    fs.writeFileSync(file, '');
    expect(loadJson(file, { now: () => 5 }).status).toBe('corrupt');
    expect(fs.existsSync(`${file}.corrupt-5`)).toBe(true);
  });
});
