import { describe, expect, it } from 'vitest';
import { MixEvidence } from './mix-estimator.js';

const T = Date.UTC(2026, 2, 1, 12, 0);
const MIN = 60_000;
const close = (actual: readonly number[], expected: readonly number[], digits = 9) => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, digits));
};

describe('mix estimator: observed liquidations over exposed inventory', () => {
  it('rates each tier by its liquidations per unit of swept inventory, not by its share of liquidations', () => {
    // tier 0 swept 1000 and saw 100 USD, tier 1 swept 1000 and saw 300 USD: rates 0.1 : 0.3
    const ev = new MixEvidence(2);
    ev.addEvent(T, 100, [2, 0]);
    ev.addEvent(T, 300, [0, 5]);
    ev.addExposure(T, 0, 1000);
    ev.addExposure(T, 1, 1000);
    const e = ev.estimate(T, [0.5, 0.5], [true, true], { pseudoEvents: 0 });
    close(e.target, [0.25, 0.75]);
    close(e.observedUsd, [100, 300]);
    expect(e.scale).toBeCloseTo(400 / 1000, 12); // Σ n / Σ p·A
    // the same liquidations from a tier that was exposed 3× as much: its rate is a third
    const ev2 = new MixEvidence(2);
    ev2.addEvent(T, 100, [2, 0]);
    ev2.addEvent(T, 300, [0, 5]);
    ev2.addExposure(T, 0, 1000);
    ev2.addExposure(T, 1, 3000);
    close(ev2.estimate(T, [0.5, 0.5], [true, true], { pseudoEvents: 0 }).target, [0.5, 0.5]);
  });

  it('shrinks toward the prior by the pseudo-events: λ = (O + k·n̄) / (A + k·n̄/(s·p))', () => {
    const ev = new MixEvidence(2);
    ev.addEvent(T, 100, [2, 0]);
    ev.addEvent(T, 300, [0, 5]);
    ev.addExposure(T, 0, 1000);
    ev.addExposure(T, 1, 1000);
    // n̄ = 200, s = Σλ/Σp = 0.4 throughout, k = 1: pseudo-exposure 200/(0.4·0.5) = 1000 → λ = 300/2000, 500/2000
    close(ev.estimate(T, [0.5, 0.5], [true, true], { pseudoEvents: 1 }).target, [0.375, 0.625]);
  });

  it('lets a barely exposed tier keep its prior share of the reached mass, however heavy the others turn out', () => {
    // tiers 0 and 1 swept 1000 each with 2000 and 1000 USD of liquidations (far above what
    // the prior's 0.1 each predicts); tier 2 was swept for 0.001 USD and saw nothing; tier 3 never
    const ev = new MixEvidence(4);
    ev.addEvent(T, 2000, [1, 0, 0, 0]);
    ev.addEvent(T, 1000, [0, 1, 0, 0]);
    ev.addExposure(T, 0, 1000);
    ev.addExposure(T, 1, 1000);
    ev.addExposure(T, 2, 0.001);
    // k = 1, n̄ = 1500; fixed point s = 15: λ = 3500/2000, 2500/2000, ≈ 0.1·s = 1.5 → shares of the reached mass 0.3
    const e = ev.estimate(T, [0.1, 0.1, 0.1, 0.7], [true, true, true, true], { pseudoEvents: 1, iterations: 500 });
    close(e.target, [0.3 * (1.75 / 4.5), 0.3 * (1.25 / 4.5), 0.1, 0.7], 5);
  });

  it('keeps tiers price never reached at their prior, and the prior’s mass on the reached ones', () => {
    const ev = new MixEvidence(4);
    ev.addEvent(T, 100, [0, 0, 1, 0]);
    ev.addEvent(T, 100, [0, 0, 0, 1]);
    ev.addExposure(T, 2, 100);
    ev.addExposure(T, 3, 300);
    const e = ev.estimate(T, [0, 0.5, 0.3, 0.2], [false, true, true, true], { pseudoEvents: 0 });
    // rates 1 : 1/3 share the reached mass 0.5 → 0.375, 0.125; tier 1 stays 0.5; tier 0 is disabled
    close(e.target, [0, 0.5, 0.375, 0.125]);
    expect(e.reached).toEqual([false, false, true, true]);
    expect(e.target.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('recovers the true mix of overlapping tiers when the evidence is what the model predicts', () => {
    // 3 tiers whose inventories overlap in price; at each price x_j the liquidated notional
    // is exactly Σ λ*·a(x_j) and each tier's exposure is Σ_j a(x_j): EM's fixed point is λ*
    const truth = [0.2, 0.5, 0.3];
    const ev = new MixEvidence(3, { maxEvents: 1000 });
    const exposure = [0, 0, 0];
    for (let j = 0; j < 40; j++) {
      const a = [Math.exp(-Math.abs(j - 10) / 6), Math.exp(-Math.abs(j - 18) / 6), Math.exp(-Math.abs(j - 26) / 6)];
      ev.addEvent(T, 1000 * a.reduce((s, x, i) => s + x * truth[i]!, 0), a);
      a.forEach((x, i) => (exposure[i]! += 1000 * x));
    }
    exposure.forEach((x, i) => ev.addExposure(T, i, x));
    const e = ev.estimate(T, [0.6, 0.3, 0.1], [true, true, true], { pseudoEvents: 0, iterations: 2000 });
    close(e.target, truth, 3);
  });

  it('weighs evidence by age: a liquidation one half-life old counts half', () => {
    const ev = new MixEvidence(2, { halfLifeMinutes: 60 });
    ev.addEvent(T, 200, [1, 0]); // an hour before `now`: counts 100
    ev.addEvent(T + 60 * MIN, 100, [0, 1]);
    ev.addExposure(T + 60 * MIN, 0, 1000);
    ev.addExposure(T + 60 * MIN, 1, 1000);
    const e = ev.estimate(T + 60 * MIN, [0.5, 0.5], [true, true], { pseudoEvents: 0 });
    close(e.target, [0.5, 0.5]);
    expect(e.weightedEvents).toBeCloseTo(1.5, 12);
  });

  it('falls back to the prior until liquidations meet exposed inventory, and says why', () => {
    const ev = new MixEvidence(2);
    expect(ev.estimate(T, [3, 1], [true, true])).toMatchObject({ target: [0.75, 0.25], reason: 'no liquidation near exposed inventory yet', scale: undefined });
    ev.addEvent(T, 100, [1, 0]);
    expect(ev.estimate(T, [3, 1], [true, true]).reason).toBe('no liquidation near exposed inventory yet');
    ev.addExposure(T, 0, 10);
    expect(ev.estimate(T, [3, 1], [true, true]).reason).toBeUndefined();
  });

  it('drops evidence past the horizon and beyond the event cap, and keeps what it stores rounded', () => {
    const ev = new MixEvidence(2, { horizonMinutes: 30, maxEvents: 3 });
    for (let k = 0; k < 5; k++) ev.addEvent(T + 10 * k * MIN, 100 + k, [1, 0]);
    expect(ev.eventCount).toBe(3); // T+20, T+30, T+40
    ev.addExposure(T, 0, 1 / 3);
    ev.addExposure(T + 40 * MIN, 1, 5);
    ev.prune(T + 55 * MIN); // cutoff T+25
    expect(ev.toJson()).toEqual({
      events: [
        [T + 30 * MIN, 103, [0, 1]],
        [T + 40 * MIN, 104, [0, 1]],
      ],
      exposure: [[T + 40 * MIN, [0, 5]]],
    });
    ev.addEvent(T + 41 * MIN, 1234.56789, [0, 0.123456789]);
    expect(ev.toJson().events.at(-1)).toEqual([T + 41 * MIN, 1234.57, [1, 0.123457]]);
    expect(ev.addEvent(T, 0, [1, 1])).toBe(false);
    expect(ev.addEvent(T, 10, [0, 0])).toBe(false);
  });

  it('refuses options that make no estimator', () => {
    expect(() => new MixEvidence(2, { halfLifeMinutes: 0 })).toThrow(RangeError);
    expect(() => new MixEvidence(2, { maxEvents: 0.5 })).toThrow(RangeError);
    expect(() => new MixEvidence(2, { pseudoEvents: -1 })).toThrow(RangeError);
    expect(() => new MixEvidence(2, { iterations: 0 })).toThrow(RangeError);
  });

  it('restores its saved evidence exactly and rejects a malformed one', () => {
    const ev = new MixEvidence(3);
    ev.addEvent(T, 100, [0.5, 0, 0.25]);
    ev.addExposure(T, 2, 42);
    const copy = new MixEvidence(3);
    expect(copy.restore(JSON.parse(JSON.stringify(ev.toJson())))).toBeUndefined();
    expect(copy.toJson()).toEqual(ev.toJson());
    expect(copy.estimate(T, [1, 1, 1], [true, true, true])).toEqual(ev.estimate(T, [1, 1, 1], [true, true, true]));
    expect(copy.restore({ events: [[T, 1, [7, 0.5]]], exposure: [] })).toBe('an event names a bad tier or density');
    expect(copy.eventCount).toBe(0);
    expect(copy.restore({ events: [], exposure: [[T, [1, 2]]] })).toBe('an exposure row is malformed');
    expect(copy.restore(null)).toBe('not an object');
  });
});
