import { describe, expect, it, vi } from 'vitest';
import { instrumentSpec } from './params.js';

// Different numbers than the real table: the simulator must take whatever the normalizer's table says.
vi.mock('../venues/okx/contract-sizes.js', () => ({ OKX_CONTRACT_SIZES: { BTC: 0.001, ETH: 0.01, SOL: 10 } }));

describe('simulated OKX instruments', () => {
  it('size contracts with the OKX normalizer table (OKX_CONTRACT_SIZES), not a copy of it', () => {
    expect(instrumentSpec('okx', 'BTC').contractSize).toBe(0.001);
    expect(instrumentSpec('okx', 'ETH').contractSize).toBe(0.01);
    expect(instrumentSpec('okx', 'SOL').contractSize).toBe(10);
    expect(instrumentSpec('binance', 'BTC').contractSize).toBe(1);
  });
});
