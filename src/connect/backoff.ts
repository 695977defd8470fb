/**
 * Capped exponential backoff with jitter for reconnects: nominal delays 1 s, 2 s, 4 s …
 * capped at 32 s, each shortened by a random share of up to `jitter` so that many
 * clients dropped at once do not reconnect in lockstep. The nominal sequence is an upper
 * bound: a delay never exceeds the cap. The connection resets it after the first good
 * frame of a new connection, so a socket that connects and then stays silent keeps
 * backing off.
 *
 * The random source is injected so tests get exact delays.
 */

export interface BackoffOptions {
  /** First delay, ms (default 1 000). */
  readonly initialMs?: number;
  /** Cap, ms (default 32 000). */
  readonly maxMs?: number;
  /** Growth per attempt (default 2). */
  readonly factor?: number;
  /** Largest share a delay is shortened by, 0–1 (default 0.25: a delay lies in [0.75·d, d]). */
  readonly jitter?: number;
  /** Uniform random in [0, 1) (default Math.random). */
  readonly random?: () => number;
}

export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private attempts = 0;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 1_000;
    this.maxMs = options.maxMs ?? 32_000;
    this.factor = options.factor ?? 2;
    this.jitter = options.jitter ?? 0.25;
    this.random = options.random ?? Math.random;
    if (!(this.initialMs > 0) || !(this.maxMs >= this.initialMs)) {
      throw new RangeError(`backoff needs 0 < initialMs ≤ maxMs, got ${this.initialMs} and ${this.maxMs}`);
    }
    if (!(this.factor >= 1)) throw new RangeError(`backoff factor must be ≥ 1, got ${this.factor}`);
    if (!(this.jitter >= 0 && this.jitter <= 1)) throw new RangeError(`backoff jitter must be in [0, 1], got ${this.jitter}`);
  }

  /** The delay before the next attempt, ms; advances the sequence. */
  next(): number {
    const nominal = Math.min(this.maxMs, this.initialMs * this.factor ** Math.min(this.attempts, 64));
    this.attempts++;
    const r = Math.min(Math.max(this.random(), 0), 1);
    return Math.round(nominal * (1 - this.jitter * r));
  }

  /** Back to the first delay (after a good frame). */
  reset(): void {
    this.attempts = 0;
  }

  /** Delays handed out since the last reset. */
  get attempt(): number {
    return this.attempts;
  }
}
