/**
 * Events per second over a recent window, in fixed one-second buckets: O(1) per record,
 * no allocation after construction. The rate covers the last `windowSeconds` complete
 * seconds (the current, partial second is left out so the figure does not sag at the
 * start of every second); before a full window has elapsed it divides by the seconds
 * actually covered.
 */
export class RateMeter {
  private readonly buckets: Float64Array;
  private readonly windowSeconds: number;
  /** The second (epoch s) the bucket at `head` counts. */
  private currentSecond = Number.NaN;
  private head = 0;
  private firstSecond = Number.NaN;

  constructor(windowSeconds = 10) {
    if (!(windowSeconds >= 1)) throw new RangeError(`rate window must be ≥ 1 s, got ${windowSeconds}`);
    this.windowSeconds = Math.floor(windowSeconds);
    this.buckets = new Float64Array(this.windowSeconds + 1);
  }

  record(nowMs: number, amount = 1): void {
    this.roll(Math.floor(nowMs / 1000));
    this.buckets[this.head]! += amount;
  }

  /** Mean per second over the last complete seconds of the window. */
  perSecond(nowMs: number): number {
    const second = Math.floor(nowMs / 1000);
    this.roll(second);
    if (Number.isNaN(this.firstSecond)) return 0;
    const covered = Math.min(this.windowSeconds, second - this.firstSecond);
    if (covered <= 0) return 0;
    let sum = 0;
    const size = this.buckets.length;
    for (let i = 1; i <= covered; i++) sum += this.buckets[(this.head - i + size) % size]!;
    return sum / covered;
  }

  private roll(second: number): void {
    if (Number.isNaN(this.currentSecond)) {
      this.currentSecond = second;
      this.firstSecond = second;
      return;
    }
    if (second <= this.currentSecond) return;
    const size = this.buckets.length;
    const steps = Math.min(second - this.currentSecond, size);
    for (let i = 0; i < steps; i++) {
      this.head = (this.head + 1) % size;
      this.buckets[this.head] = 0;
    }
    this.currentSecond = second;
  }
}
