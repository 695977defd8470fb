import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LiquidationCalibrator } from './engines/calibrator/index.js';
import { NullCalibrator, nullCalibrator } from './engines/ports.js';
import { createRuntime } from './runtime.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('createRuntime', () => {
  it('runs the learning calibrator by default, and none when given nullCalibrator', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-runtime-'));
    const learning = createRuntime({ dataDir: dir, symbols: ['BTC', 'SOL'] });
    expect(learning.manager.get('BTC')!.calibrator).toBeInstanceOf(LiquidationCalibrator);
    expect(learning.manager.get('SOL')!.calibrator).toBeInstanceOf(LiquidationCalibrator);
    learning.close();
    const none = createRuntime({ dataDir: dir, symbols: ['BTC'], calibrator: nullCalibrator });
    expect(none.manager.get('BTC')!.calibrator).toBeInstanceOf(NullCalibrator);
    none.close();
  });
});
