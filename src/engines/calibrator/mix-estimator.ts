/**
 * The M-step's target: a maximum a posteriori estimate of the leverage mix traders OPEN
 * with, from liquidations normalized by the inventory price actually exposed (pure, no
 * I/O; the calibrator feeds it).
 *
 * **Why not each tier's share of the responsibility.** A window's responsibilities say
 * which tiers were LIQUIDATED. High-leverage levels sit close to entry, so price reaches
 * them far more often: that share converges to the liquidated mix, not the opened one,
 * and a tier nobody liquidates decays for lack of events. On a simulated day it drove
 * BTC's 150x–250x to 0.82 of the weight where the market opened 0.08 there
 * (`npm run eval:calibrator`).
 *
 * **The model.** Liquidated notional near price `x` arrives at the rate
 * `Σ_L λ_L·a_L(x)`, with `a_L(x)` the kernel density of tier L's inventory at *unit*
 * weight (each position's notional before the split by the weights it opened with, so
 * the evidence does not depend on the weights being estimated) and `λ_L = C·π_L`: `π_L`
 * the tier's share of opened notional, `C` how much liquidation the venues publish per
 * USD of inferred inventory (feeds that publish one liquidation a second, the part of
 * the market the ΔOI inference sees, …). Over the evidence, tier L's inventory swept by
 * price is `A_L` (unit weight). The Poisson log-likelihood
 *   `Σ_i n_i·log Σ_L λ_L a_L(x_i) − Σ_L λ_L A_L`
 * is maximized by EM: `λ_L ← Σ_i n_i·λ_L a_L(x_i)/Σ_K λ_K a_K(x_i) / A_L` — each tier's
 * observed liquidations over what its exposed inventory predicts.
 *
 * **The prior.** `λ_L ~ Gamma` with mean `s·p_L`, worth PRIOR_PSEUDO_EVENTS liquidations of
 * mean size `n̄`, where `s = Σ_R λ / Σ_R p` (re-estimated each iteration) puts the prior
 * on the same scale as the rates: a tier with little exposure keeps its prior share of
 * the reached mass; as evidence accumulates the data take over (the MAP is consistent
 * where the model holds). EM with the conjugate prior:
 *   `λ_L ← (Σ_i n_i r_iL + k·n̄) / (A_L + k·n̄/(s·p_L))`.
 *
 * **What liquidations cannot tell.** Only the products `C·π_L` of REACHED tiers (some
 * exposure) are identified; `C` is not known (measured 1.2–4.5 on simulated markets:
 * the ΔOI inventory holds a fraction of the market's positions, and Binance publishes
 * one liquidation a second). So the split between reached tiers and tiers price never
 * came near (5x: a 20 % move) is not in the data: the estimate keeps the prior's mass on
 * the reached tiers and shares it by the estimated rates, and leaves the others at their
 * prior weight. Assuming `C = 1` instead moves every unreached tier's weight to the
 * reached ones in a low-leverage market just as the responsibility share does.
 *
 * **Evidence.** Each learning liquidation attributed to the inventory (not the fallback)
 * adds `(ts, n_i, a(x_i))`; each minute adds the unit notional its range swept per tier.
 * Evidence is weighted by `0.5^(age/EVIDENCE_HALF_LIFE_MINUTES)`, dropped beyond
 * EVIDENCE_HORIZON_MINUTES or MAX_EVIDENCE_EVENTS, and stored rounded (so a restart from
 * the saved state continues exactly).
 */

import { EVIDENCE_HALF_LIFE_MINUTES, EVIDENCE_HORIZON_MINUTES, MAP_EM_ITERATIONS, MAX_EVIDENCE_EVENTS, PRIOR_PSEUDO_EVENTS } from './constants.js';

const MINUTE_MS = 60_000;

/** One liquidation of the evidence: time, notional, and the unit densities of the tiers that had any. */
export interface EvidenceEvent {
  readonly ts: number;
  readonly usd: number;
  /** Tier indices with a positive unit density, ascending. */
  readonly tiers: readonly number[];
  readonly density: readonly number[];
}

/** Unit notional swept per tier in one minute. */
export interface EvidenceExposure {
  readonly minuteStart: number;
  readonly unitUsd: readonly number[];
}

/** The evidence as the weights file carries it: `[ts, usd, [tier, density, tier, density, …]]` and `[minute, [unit usd per tier]]`. */
export interface MixEvidenceJson {
  readonly events: [number, number, number[]][];
  readonly exposure: [number, number[]][];
}

export interface MixEstimatorOptions {
  /** Evidence half-life, minutes of event time (default EVIDENCE_HALF_LIFE_MINUTES). */
  readonly halfLifeMinutes?: number;
  /** Evidence older than this is dropped (default EVIDENCE_HORIZON_MINUTES). */
  readonly horizonMinutes?: number;
  /** At most this many liquidations are kept (default MAX_EVIDENCE_EVENTS). */
  readonly maxEvents?: number;
  /** Strength of the prior, in liquidations per tier (default PRIOR_PSEUDO_EVENTS). */
  readonly pseudoEvents?: number;
  /** EM iterations per estimate (default MAP_EM_ITERATIONS). */
  readonly iterations?: number;
}

export interface MixEstimate {
  /** Target weights aligned with the ladder: reached tiers by rate, the others at their prior; disabled 0; sums to 1. */
  readonly target: number[];
  /** Tiers with exposure in the evidence. */
  readonly reached: boolean[];
  /** Time-weighted liquidated USD the EM attributes to each tier. */
  readonly observedUsd: number[];
  /** Time-weighted unit notional swept per tier. */
  readonly exposureUnitUsd: number[];
  /** The scale Ĉ (observed USD per unit of prior-weighted exposure); undefined without evidence. */
  readonly scale: number | undefined;
  /** Liquidations in the evidence, and their summed time weights. */
  readonly events: number;
  readonly weightedEvents: number;
  /** Why the target is the prior (no evidence yet), or undefined. */
  readonly reason: string | undefined;
}

/** 6 significant digits: what the evidence keeps (and the weights file stores). */
function sig6(x: number): number {
  return Number(x.toPrecision(6));
}

export class MixEvidence {
  readonly n: number;
  private readonly halfLife: number;
  private readonly horizon: number;
  private readonly maxEvents: number;
  private events: EvidenceEvent[] = [];
  private exposure: EvidenceExposure[] = [];

  constructor(tierCount: number, options: MixEstimatorOptions = {}) {
    this.n = tierCount;
    this.halfLife = options.halfLifeMinutes ?? EVIDENCE_HALF_LIFE_MINUTES;
    this.horizon = options.horizonMinutes ?? EVIDENCE_HORIZON_MINUTES;
    this.maxEvents = options.maxEvents ?? MAX_EVIDENCE_EVENTS;
    if (!(this.halfLife > 0) || !(this.horizon > 0)) throw new RangeError(`evidence half-life and horizon must be > 0 minutes, got ${this.halfLife} and ${this.horizon}`);
    if (!(Number.isInteger(this.maxEvents) && this.maxEvents >= 1)) throw new RangeError(`maxEvents must be a whole number ≥ 1, got ${this.maxEvents}`);
    const pseudo = options.pseudoEvents ?? PRIOR_PSEUDO_EVENTS;
    const iterations = options.iterations ?? MAP_EM_ITERATIONS;
    if (!(pseudo >= 0) || !(Number.isInteger(iterations) && iterations >= 1)) throw new RangeError(`pseudoEvents must be ≥ 0 and iterations a whole number ≥ 1, got ${pseudo} and ${iterations}`);
  }

  get eventCount(): number {
    return this.events.length;
  }

  /** One liquidation with its tiers' unit densities at the trigger (`unitDensity` aligned with the ladder; zeros are left out). */
  addEvent(ts: number, usd: number, unitDensity: ArrayLike<number>): boolean {
    if (!(usd > 0) || !Number.isFinite(usd)) return false;
    const tiers: number[] = [];
    const density: number[] = [];
    for (let i = 0; i < this.n; i++) {
      const a = unitDensity[i]!;
      if (a > 0 && Number.isFinite(a)) {
        tiers.push(i);
        density.push(sig6(a));
      }
    }
    if (tiers.length === 0) return false;
    this.events.push({ ts, usd: sig6(usd), tiers, density });
    if (this.events.length > this.maxEvents) this.events.splice(0, this.events.length - this.maxEvents);
    return true;
  }

  /** Unit notional one minute swept from tier `tierIndex`. */
  addExposure(minuteStart: number, tierIndex: number, unitUsd: number): void {
    if (!(unitUsd > 0) || !Number.isFinite(unitUsd)) return;
    let last = this.exposure.at(-1);
    if (!last || last.minuteStart !== minuteStart) {
      last = { minuteStart, unitUsd: new Array<number>(this.n).fill(0) };
      this.exposure.push(last);
    }
    (last.unitUsd as number[])[tierIndex] = sig6(last.unitUsd[tierIndex]! + unitUsd);
  }

  /** Drop what is newer than `ts` (epoch ms): evidence of a later run restored into an older replay. Returns how many entries went. */
  dropAfter(ts: number): number {
    const events = this.events.length;
    const exposure = this.exposure.length;
    this.events = this.events.filter((e) => e.ts <= ts);
    this.exposure = this.exposure.filter((x) => x.minuteStart <= ts);
    return events - this.events.length + (exposure - this.exposure.length);
  }

  /** Drop what is older than the horizon at `now` (epoch ms). */
  prune(now: number): void {
    const cutoff = now - this.horizon * MINUTE_MS;
    let e = 0;
    while (e < this.events.length && this.events[e]!.ts < cutoff) e++;
    if (e > 0) this.events.splice(0, e);
    let x = 0;
    while (x < this.exposure.length && this.exposure[x]!.minuteStart < cutoff) x++;
    if (x > 0) this.exposure.splice(0, x);
  }

  /**
   * The MAP target at `now` (module comment). `prior` and `enabled` are aligned with the
   * ladder; the prior is normalized over the enabled tiers.
   */
  estimate(now: number, prior: readonly number[], enabled: readonly boolean[], options: Pick<MixEstimatorOptions, 'pseudoEvents' | 'iterations'> = {}): MixEstimate {
    const n = this.n;
    const n0 = options.pseudoEvents ?? PRIOR_PSEUDO_EVENTS;
    const iterations = options.iterations ?? MAP_EM_ITERATIONS;
    const p = normalizedPrior(prior, enabled);
    const weightAt = (ts: number) => Math.pow(0.5, Math.max(0, now - ts) / (this.halfLife * MINUTE_MS));
    const exposure = new Array<number>(n).fill(0);
    for (const x of this.exposure) {
      const f = weightAt(x.minuteStart);
      for (let i = 0; i < n; i++) exposure[i]! += f * x.unitUsd[i]!;
    }
    const reached = exposure.map((a, i) => enabled[i]! && a > 0 && p[i]! > 0);
    const observed = new Array<number>(n).fill(0);
    const base = { reached, exposureUnitUsd: exposure, events: this.events.length };
    // events with density on a reached tier are explained by the model; the rest have no exposed inventory near them
    const used: { f: number; e: EvidenceEvent }[] = [];
    let weightedEvents = 0;
    let total = 0;
    for (const e of this.events) {
      if (!e.tiers.some((i) => reached[i])) continue;
      const f = weightAt(e.ts);
      used.push({ f, e });
      weightedEvents += f;
      total += f * e.usd;
    }
    let priorExposure = 0;
    let massReached = 0;
    for (let i = 0; i < n; i++) {
      if (!reached[i]) continue;
      priorExposure += p[i]! * exposure[i]!;
      massReached += p[i]!;
    }
    if (used.length === 0 || !(total > 0) || !(priorExposure > 0)) {
      return { ...base, target: p, observedUsd: observed, scale: undefined, weightedEvents, reason: used.length === 0 ? 'no liquidation near exposed inventory yet' : 'no exposure yet' };
    }
    const scale = total / priorExposure;
    const meanUsd = total / weightedEvents;
    const lambda = p.map((pi, i) => (reached[i] ? scale * pi : 0));
    const next = new Array<number>(n).fill(0);
    for (let it = 0; it < iterations; it++) {
      // the prior's scale: the rates' total over the prior's reached mass, so a tier with little
      // evidence keeps its prior SHARE of the reached mass (an exposure-weighted scale would hand
      // it more whenever the well-exposed tiers turn out heavier than the prior said)
      let rateTotal = 0;
      for (let i = 0; i < n; i++) if (reached[i]) rateTotal += lambda[i]!;
      const priorScale = rateTotal / massReached;
      observed.fill(0);
      for (const { f, e } of used) {
        let d = 0;
        for (let k = 0; k < e.tiers.length; k++) {
          const i = e.tiers[k]!;
          if (reached[i]) d += lambda[i]! * e.density[k]!;
        }
        if (!(d > 0)) continue;
        const share = (f * e.usd) / d;
        for (let k = 0; k < e.tiers.length; k++) {
          const i = e.tiers[k]!;
          if (reached[i]) observed[i]! += share * lambda[i]! * e.density[k]!;
        }
      }
      for (let i = 0; i < n; i++) {
        if (!reached[i]) continue;
        const pseudoExposure = (n0 * meanUsd) / (priorScale * p[i]!);
        next[i] = (observed[i]! + n0 * meanUsd) / (exposure[i]! + pseudoExposure);
      }
      for (let i = 0; i < n; i++) lambda[i] = next[i]!;
    }
    let rateSum = 0;
    for (let i = 0; i < n; i++) if (reached[i]) rateSum += lambda[i]!;
    const target = p.slice();
    for (let i = 0; i < n; i++) if (reached[i]) target[i] = (lambda[i]! / rateSum) * massReached;
    return { ...base, target, observedUsd: observed, scale, weightedEvents, reason: undefined };
  }

  toJson(): MixEvidenceJson {
    return {
      events: this.events.map((e) => [e.ts, e.usd, e.tiers.flatMap((t, k) => [t, e.density[k]!])]),
      exposure: this.exposure.map((x) => [x.minuteStart, x.unitUsd.slice()]),
    };
  }

  /** Replace the evidence with a saved one; returns a reason when it does not fit (and keeps none). */
  restore(json: unknown): string | undefined {
    const bad = (why: string) => {
      this.events = [];
      this.exposure = [];
      return why;
    };
    if (json === null || typeof json !== 'object') return bad('not an object');
    const { events, exposure } = json as { events?: unknown; exposure?: unknown };
    if (!Array.isArray(events) || !Array.isArray(exposure)) return bad('events or exposure missing');
    const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
    const out: EvidenceEvent[] = [];
    for (const e of events) {
      if (!Array.isArray(e) || e.length !== 3 || !finite(e[0]) || !finite(e[1]) || !Array.isArray(e[2]) || e[2].length % 2 !== 0) return bad('an event is malformed');
      const pairs = e[2] as unknown[];
      const tiers: number[] = [];
      const density: number[] = [];
      for (let k = 0; k < pairs.length; k += 2) {
        const t = pairs[k];
        const a = pairs[k + 1];
        if (!finite(t) || !Number.isInteger(t) || t < 0 || t >= this.n || !finite(a) || !(a > 0)) return bad('an event names a bad tier or density');
        tiers.push(t);
        density.push(a);
      }
      out.push({ ts: e[0], usd: e[1], tiers, density });
    }
    const exp: EvidenceExposure[] = [];
    for (const x of exposure) {
      if (!Array.isArray(x) || x.length !== 2 || !finite(x[0]) || !Array.isArray(x[1]) || x[1].length !== this.n || !x[1].every((v) => finite(v) && v >= 0)) return bad('an exposure row is malformed');
      exp.push({ minuteStart: x[0], unitUsd: (x[1] as number[]).slice() });
    }
    this.events = out.slice(-this.maxEvents);
    this.exposure = exp;
    return undefined;
  }
}

/** The prior over the enabled tiers, summing to 1 (uniform when it has no mass there). */
function normalizedPrior(prior: readonly number[], enabled: readonly boolean[]): number[] {
  let sum = 0;
  for (let i = 0; i < prior.length; i++) if (enabled[i]) sum += Math.max(0, prior[i]!);
  const live = enabled.filter(Boolean).length;
  return prior.map((w, i) => (!enabled[i] ? 0 : sum > 0 ? Math.max(0, w) / sum : 1 / live));
}
