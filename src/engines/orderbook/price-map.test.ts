import { describe, expect, it } from 'vitest';
import { PriceMap } from './price-map.js';

describe('PriceMap', () => {
  it('sets, gets and deletes, returning previous quantities', () => {
    const map = new PriceMap(4);
    expect(map.set(64_000.1, 2)).toBe(0);
    expect(map.set(64_000.1, 3)).toBe(2);
    expect(map.get(64_000.1)).toBe(3);
    expect(map.get(64_000.2)).toBe(0);
    expect(map.delete(64_000.1)).toBe(3);
    expect(map.delete(64_000.1)).toBe(0);
    expect(map.size).toBe(0);
  });

  it('agrees with a Map through growth and many deletions (probe runs stay intact)', () => {
    const map = new PriceMap(4);
    const model = new Map<number, number>();
    let seed = 1;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let step = 0; step < 50_000; step++) {
      const price = 60_000 + Math.floor(rand() * 3000) / 10;
      if (rand() < 0.45) {
        expect(map.delete(price)).toBe(model.get(price) ?? 0);
        model.delete(price);
      } else {
        const qty = 1 + Math.floor(rand() * 100);
        expect(map.set(price, qty)).toBe(model.get(price) ?? 0);
        model.set(price, qty);
      }
    }
    expect(map.size).toBe(model.size);
    for (const [price, qty] of model) expect(map.get(price)).toBe(qty);
  });
});
