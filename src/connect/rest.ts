/**
 * REST requests and periodic polls, venue-agnostic (the venue modules supply a
 * `RestVenueSpec` and `RestRequest`s; src/venues/ knows the paths and weights).
 *
 * `RestClient` (one per venue) sends GET requests through an injected `fetch`-like
 * transport and never hammers a venue:
 * - a timeout per request (AbortController on the wall clock);
 * - at most `maxConcurrent` requests in flight;
 * - never more often than every `minIntervalMs` (5 s) per endpoint (path + query),
 *   retries included;
 * - a request-weight budget per fixed window aligned on the epoch (Binance: 2400 per
 *   UTC minute, depth limit 1000 costs 20), synchronised with the venue's own count
 *   when it reports one in a header (`X-MBX-USED-WEIGHT-1M`);
 * - 429 / 418 (or whatever the venue uses) pause every request to the venue until
 *   `Retry-After` (or a default), and requests that cannot wait that long fail at once;
 * - 5xx and network errors are retried with backoff (never sooner than the endpoint's
 *   minimum interval); other 4xx, timeouts and bad bodies are not.
 * Every outcome is a `RestResult`: failures are results with a reason and a one-line
 * message naming venue, endpoint and status, never exceptions.
 *
 * `RestPoller` runs the periodic polls (open interest every 15 s per symbol and venue,
 * concurrently; trader ratios every 60 s) and on-demand requests (a depth snapshot when
 * a book resyncs), and hands every result — success or failure — to one `onResult`
 * callback, so the caller records `rest.<name>` envelopes and normalizes them, and can
 * leave a failed venue out of the open-interest aggregate explicitly.
 */

import { messageOf } from '../errors.js';
import type { TimerHandle, WallClock } from '../wall-clock.js';
import { silentLogger, type Logger } from './logger.js';

// ---- transport ----

export interface HttpResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export interface HttpRequestInit {
  readonly method: 'GET';
  readonly signal: AbortSignal;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A `fetch`-like function. Node's global `fetch` is one. */
export type HttpTransport = (url: string, init: HttpRequestInit) => Promise<HttpResponseLike>;

/** The default transport: Node 20's global fetch. */
export const fetchTransport: HttpTransport = (url, init) =>
  fetch(url, { method: init.method, signal: init.signal, headers: init.headers ? { ...init.headers } : undefined });

// ---- specs ----

/** What a venue tells the REST mechanism. */
export interface RestVenueSpec {
  /** Venue id, as on envelopes (`binance`). */
  readonly venue: string;
  /** `https://fapi.binance.com` (no trailing slash needed). */
  readonly baseUrl: string;
  /** Request-weight budget per window aligned on the epoch (Binance: 2400 per 60 000 ms = per UTC minute). */
  readonly weightBudget?: { readonly limit: number; readonly windowMs: number };
  /** Response header with the weight the venue has counted in the current window (`X-MBX-USED-WEIGHT-1M`). */
  readonly usedWeightHeader?: string;
  /**
   * Statuses that mean "stop asking", with the pause when the response has no
   * `Retry-After` (default {429: 60 s, 418: 120 s}; Bybit adds 403: 10 min).
   */
  readonly pauseOnStatus?: Readonly<Record<number, number>>;
  /** A venue error inside a 2xx body (Bybit `retCode`, OKX `code`): a one-line problem, or undefined when fine. */
  readonly bodyProblem?: (body: unknown) => string | undefined;
  readonly headers?: Readonly<Record<string, string>>;
}

export type QueryParams = Readonly<Record<string, string | number>>;

export interface RestRequest {
  /** Envelope name: the result is recorded as `rest.<name>` (`depthSnapshot`, `openInterest`, `ratio.topAccount`). */
  readonly name: string;
  /** `/fapi/v1/openInterest` */
  readonly path: string;
  /** Query parameters, in the order they go on the URL. */
  readonly query: QueryParams;
  /** Request weight (default 1; Binance depth limit 1000 → 20). */
  readonly weight?: number;
}

// ---- results ----

export type RestFailureReason =
  /** No answer within the timeout. */
  | 'timeout'
  /** Connection refused / reset / DNS: retried, then this. */
  | 'network'
  /** 5xx after the retries. */
  | 'server'
  /** Another non-2xx status (not retried). */
  | 'http'
  /** 429 (or the venue's rate-limit status): the venue is paused. */
  | 'rate-limited'
  /** 418: IP banned for a while; the venue is paused. */
  | 'banned'
  /** Not sent: the venue is paused after a rate-limit answer for longer than the request may wait. */
  | 'paused'
  /** Not sent: the weight budget has no room in time (or the request alone exceeds it). */
  | 'budget'
  /** Not sent in time: the endpoint's minimum interval or the concurrency limit held it too long. */
  | 'queue-timeout'
  /** 2xx but not JSON. */
  | 'invalid-body'
  /** 2xx JSON carrying a venue error code. */
  | 'venue-error'
  /** The client was stopped. */
  | 'stopped';

interface RestResultBase {
  readonly venue: string;
  readonly name: string;
  readonly path: string;
  readonly query: QueryParams;
  readonly url: string;
  /** Clock time the result was known (receive time of the body on success), epoch ms. */
  readonly receivedAt: number;
  /** Requests actually sent (0 when it never left the queue). */
  readonly attempts: number;
}

export interface RestSuccess extends RestResultBase {
  readonly ok: true;
  readonly status: number;
  /** The body exactly as received (record it with `CaptureWriter.writeRaw`). */
  readonly text: string;
  /** The body, parsed once. */
  readonly body: unknown;
}

export interface RestFailure extends RestResultBase {
  readonly ok: false;
  readonly reason: RestFailureReason;
  /** HTTP status when there was a response. */
  readonly status: number | undefined;
  /** One line naming venue, endpoint and what went wrong. */
  readonly message: string;
}

export type RestResult = RestSuccess | RestFailure;

// ---- client ----

export interface RestClientOptions {
  readonly clock: WallClock;
  /** Default: global fetch. */
  readonly transport?: HttpTransport;
  /** Default: silent. The client logs pauses; the poller logs failures and recoveries. */
  readonly logger?: Logger;
  /** Per request, ms (default 10 000). */
  readonly timeoutMs?: number;
  /** Requests in flight per venue (default 4). */
  readonly maxConcurrent?: number;
  /** Minimum time between two requests to the same endpoint (path + query), ms (default 5 000). */
  readonly minIntervalMs?: number;
  /** Retries after a 5xx or network error (default 2). */
  readonly retries?: number;
  /** First retry delay, doubling (default 1 000); the endpoint's minimum interval still applies. */
  readonly retryBaseMs?: number;
  /** How long a request may wait to be sent before it fails, ms (default 30 000; polls pass their period). */
  readonly queueTimeoutMs?: number;
}

export interface RequestOptions {
  /** Overrides the client's `queueTimeoutMs` for this request. */
  readonly queueTimeoutMs?: number;
}

export interface RestClientStats {
  readonly venue: string;
  readonly requests: number;
  readonly sent: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly failures: Readonly<Partial<Record<RestFailureReason, number>>>;
  readonly retries: number;
  readonly inFlight: number;
  readonly queued: number;
  readonly weight: { readonly used: number; readonly limit: number; readonly windowStart: number } | undefined;
  /** Requests are paused until then after a rate-limit answer (undefined when not paused). */
  readonly pausedUntil: number | undefined;
  readonly lastError: { readonly at: number; readonly message: string } | undefined;
}

interface Pending {
  readonly request: RestRequest;
  readonly key: string;
  readonly url: string;
  readonly endpoint: string;
  readonly weight: number;
  readonly enqueuedAt: number;
  readonly deadline: number;
  readonly resolve: (result: RestResult) => void;
  attempts: number;
  notBefore: number;
  lastFailure: RestFailure | undefined;
}

const DEFAULT_PAUSES: Readonly<Record<number, number>> = { 429: 60_000, 418: 120_000 };

export class RestClient {
  readonly spec: RestVenueSpec;
  readonly minIntervalMs: number;
  private readonly clock: WallClock;
  private readonly transport: HttpTransport;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly maxConcurrent: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly queueTimeoutMs: number;
  private readonly pauses: Readonly<Record<number, number>>;
  private readonly baseUrl: string;
  private readonly queue: Pending[] = [];
  private readonly lastStart = new Map<string, number>();
  private readonly controllers = new Set<AbortController>();
  private readonly inFlightDone = new Set<Promise<void>>();
  private inFlight = 0;
  private pausedUntil = Number.NEGATIVE_INFINITY;
  private pauseReason = '';
  private windowStart = Number.NaN;
  private used = 0;
  private wakeTimer: TimerHandle | undefined;
  private wakeAt = Number.POSITIVE_INFINITY;
  private stopped = false;
  private readonly counts = { requests: 0, sent: 0, succeeded: 0, failed: 0, retries: 0 };
  private readonly failures: Partial<Record<RestFailureReason, number>> = {};
  private lastError: { at: number; message: string } | undefined;

  constructor(spec: RestVenueSpec, options: RestClientOptions) {
    this.spec = spec;
    this.clock = options.clock;
    this.transport = options.transport ?? fetchTransport;
    this.log = options.logger ?? silentLogger;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxConcurrent = Math.max(1, Math.floor(options.maxConcurrent ?? 4));
    this.minIntervalMs = options.minIntervalMs ?? 5_000;
    this.retries = Math.max(0, Math.floor(options.retries ?? 2));
    this.retryBaseMs = options.retryBaseMs ?? 1_000;
    this.queueTimeoutMs = options.queueTimeoutMs ?? 30_000;
    this.pauses = spec.pauseOnStatus ?? DEFAULT_PAUSES;
    this.baseUrl = spec.baseUrl.replace(/\/+$/, '');
    if (spec.weightBudget !== undefined && !(spec.weightBudget.limit > 0 && spec.weightBudget.windowMs > 0)) {
      throw new RangeError(`${spec.venue}: the weight budget needs a positive limit and window`);
    }
  }

  get venue(): string {
    return this.spec.venue;
  }

  /** The endpoint identity used for the minimum interval and coalescing: `GET /path?query`. */
  endpointOf(request: RestRequest): string {
    const qs = queryString(request.query);
    return `GET ${request.path}${qs === '' ? '' : `?${qs}`}`;
  }

  /** Send a GET (queued within the limits). Never rejects: failures are results. */
  request(request: RestRequest, options: RequestOptions = {}): Promise<RestResult> {
    this.counts.requests++;
    const now = this.clock.now();
    const qs = queryString(request.query);
    const url = `${this.baseUrl}${request.path}${qs === '' ? '' : `?${qs}`}`;
    const endpoint = this.endpointOf(request);
    const weight = request.weight ?? 1;
    return new Promise<RestResult>((resolve) => {
      const pending: Pending = {
        request,
        key: endpoint,
        url,
        endpoint,
        weight,
        enqueuedAt: now,
        deadline: now + (options.queueTimeoutMs ?? this.queueTimeoutMs),
        resolve,
        attempts: 0,
        notBefore: now,
        lastFailure: undefined,
      };
      if (this.stopped) {
        this.finish(pending, this.failure(pending, 'stopped', undefined, 'not sent: the client is stopped'));
        return;
      }
      const budget = this.spec.weightBudget;
      if (budget !== undefined && weight > budget.limit) {
        this.finish(
          pending,
          this.failure(pending, 'budget', undefined, `not sent: weight ${weight} exceeds the budget of ${budget.limit} per ${seconds(budget.windowMs)}`),
        );
        return;
      }
      this.queue.push(pending);
      this.pump();
    });
  }

  /** Abort everything in flight, fail everything queued, and wait for the in-flight requests to settle. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    for (const pending of this.queue.splice(0)) {
      this.finish(pending, this.failure(pending, 'stopped', undefined, 'not sent: the client is stopped'));
    }
    for (const controller of this.controllers) controller.abort();
    await Promise.all([...this.inFlightDone]);
  }

  stats(): RestClientStats {
    const now = this.clock.now();
    const budget = this.spec.weightBudget;
    let weight: RestClientStats['weight'];
    if (budget !== undefined) {
      const start = windowStartOf(now, budget.windowMs);
      weight = { used: start === this.windowStart ? this.used : 0, limit: budget.limit, windowStart: start };
    }
    return {
      venue: this.spec.venue,
      ...this.counts,
      failures: { ...this.failures },
      inFlight: this.inFlight,
      queued: this.queue.length,
      weight,
      pausedUntil: this.pausedUntil > now ? this.pausedUntil : undefined,
      lastError: this.lastError ? { ...this.lastError } : undefined,
    };
  }

  // ---- internals ----

  /** Start what may start, fail what cannot start in time, and sleep until the next change. */
  private pump(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    const budget = this.spec.weightBudget;
    /** Set once a request that is otherwise ready waits for budget: later ones do not overtake it. */
    let budgetBlockedUntil: number | undefined;
    let wake = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.queue.length; ) {
      const p = this.queue[i]!;
      const intervalReadyAt = (this.lastStart.get(p.key) ?? Number.NEGATIVE_INFINITY) + this.minIntervalMs;
      const baseReadyAt = Math.max(p.notBefore, this.pausedUntil, intervalReadyAt);
      let budgetReadyAt = Number.NEGATIVE_INFINITY;
      if (budget !== undefined && p.weight > 0) {
        if (budgetBlockedUntil !== undefined) budgetReadyAt = budgetBlockedUntil;
        else {
          budgetReadyAt = this.budgetReadyAt(p.weight, now);
          if (budgetReadyAt > now && baseReadyAt <= now) budgetBlockedUntil = budgetReadyAt;
        }
      }
      const readyAt = Math.max(baseReadyAt, budgetReadyAt);
      if (readyAt <= now && this.inFlight < this.maxConcurrent) {
        this.queue.splice(i, 1);
        this.send(p, now);
        continue;
      }
      if (readyAt > p.deadline || now >= p.deadline) {
        this.queue.splice(i, 1);
        this.finish(p, this.notSentInTime(p, now, readyAt, budgetReadyAt, intervalReadyAt));
        continue;
      }
      wake = Math.min(wake, readyAt > now ? readyAt : Number.POSITIVE_INFINITY, p.deadline);
      i++;
    }
    this.sleepUntil(wake);
  }

  private sleepUntil(at: number): void {
    if (at === this.wakeAt && this.wakeTimer !== undefined) return;
    this.clock.clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeAt = at;
    if (at === Number.POSITIVE_INFINITY) return;
    this.wakeTimer = this.clock.setTimeout(
      () => {
        this.wakeTimer = undefined;
        this.wakeAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.max(0, at - this.clock.now()),
    );
  }

  /** Why a request could not be sent before its deadline. */
  private notSentInTime(p: Pending, now: number, readyAt: number, budgetReadyAt: number, intervalReadyAt: number): RestFailure {
    if (p.lastFailure !== undefined) return p.lastFailure;
    if (this.pausedUntil >= readyAt && this.pausedUntil > now) {
      return this.failure(p, 'paused', undefined, `not sent: requests to ${this.spec.venue} are paused until ${isoTime(this.pausedUntil)} (${this.pauseReason})`);
    }
    if (budgetReadyAt >= readyAt && budgetReadyAt > now) {
      const budget = this.spec.weightBudget!;
      return this.failure(p, 'budget', undefined, `not sent: the weight budget (${budget.limit} per ${seconds(budget.windowMs)}) has no room before ${isoTime(budgetReadyAt)}`);
    }
    if (intervalReadyAt >= readyAt && intervalReadyAt > now) {
      return this.failure(p, 'queue-timeout', undefined, `not sent: the endpoint may be asked only every ${seconds(this.minIntervalMs)}`);
    }
    return this.failure(
      p,
      'queue-timeout',
      undefined,
      `not sent within ${seconds(p.deadline - p.enqueuedAt)}: all ${this.maxConcurrent} request slots were busy`,
    );
  }

  /** When `weight` fits into the budget: now, or the start of the next window (a fresh window fits any weight ≤ the limit). */
  private budgetReadyAt(weight: number, now: number): number {
    const budget = this.spec.weightBudget!;
    this.rollWindow(now);
    return this.used + weight <= budget.limit ? now : this.windowStart + budget.windowMs;
  }

  private rollWindow(now: number): void {
    const start = windowStartOf(now, this.spec.weightBudget!.windowMs);
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.used = 0;
    }
  }

  private send(p: Pending, now: number): void {
    p.attempts++;
    this.counts.sent++;
    if (p.attempts > 1) this.counts.retries++;
    this.lastStart.set(p.key, now);
    if (this.spec.weightBudget !== undefined && p.weight > 0) {
      this.rollWindow(now);
      this.used += p.weight;
    }
    this.inFlight++;
    const done = this.attempt(p).finally(() => {
      this.inFlight--;
      this.inFlightDone.delete(done);
      this.pump();
    });
    this.inFlightDone.add(done);
  }

  private async attempt(p: Pending): Promise<void> {
    const controller = new AbortController();
    this.controllers.add(controller);
    let timedOut = false;
    const timer = this.clock.setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    let status: number | undefined;
    let text: string;
    let retryAfter: string | null = null;
    let usedWeight: string | null = null;
    try {
      const response = await this.transport(p.url, { method: 'GET', signal: controller.signal, headers: this.spec.headers });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      if (this.spec.usedWeightHeader !== undefined) usedWeight = response.headers.get(this.spec.usedWeightHeader);
      text = await response.text();
    } catch (error) {
      this.clock.clearTimeout(timer);
      this.controllers.delete(controller);
      if (this.stopped) return this.finish(p, this.failure(p, 'stopped', status, 'aborted: the client is stopped'));
      if (timedOut) return this.finish(p, this.failure(p, 'timeout', status, `no answer within ${seconds(this.timeoutMs)}`));
      return this.retryOrFinish(p, 'network', undefined, networkError(error), undefined);
    }
    this.clock.clearTimeout(timer);
    this.controllers.delete(controller);
    const now = this.clock.now();
    if (usedWeight !== null) this.syncUsedWeight(usedWeight, now);

    if (status >= 200 && status < 300) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return this.finish(p, this.failure(p, 'invalid-body', status, `HTTP ${status} but the body is not JSON: ${excerpt(text)}`));
      }
      let problem: string | undefined;
      try {
        problem = this.spec.bodyProblem?.(body);
      } catch (error) {
        problem = `the body check threw: ${messageOf(error)}`;
      }
      if (problem !== undefined) return this.finish(p, this.failure(p, 'venue-error', status, `venue error: ${problem}`));
      this.counts.succeeded++;
      return this.finish(p, {
        ok: true,
        venue: this.spec.venue,
        name: p.request.name,
        path: p.request.path,
        query: p.request.query,
        url: p.url,
        receivedAt: now,
        attempts: p.attempts,
        status,
        text,
        body,
      });
    }
    const defaultPause = this.pauses[status];
    if (defaultPause !== undefined) {
      const fromHeader = parseRetryAfter(retryAfter, now);
      const pauseMs = fromHeader ?? defaultPause;
      const until = now + pauseMs;
      const banned = status === 418;
      this.pauseReason = `HTTP ${status}${banned ? ', IP banned' : ''}`;
      if (until > this.pausedUntil) this.pausedUntil = until;
      const why = fromHeader === undefined ? 'default' : 'Retry-After';
      const message = `HTTP ${status} (${banned ? 'IP banned' : 'rate-limited'}); pausing every request to ${this.spec.venue} for ${seconds(pauseMs)} (${why})`;
      this.log.warn(`${this.spec.venue} ${p.endpoint}: ${message}`);
      return this.finish(p, this.failure(p, banned ? 'banned' : 'rate-limited', status, message));
    }
    if (status >= 500) {
      return this.retryOrFinish(p, 'server', status, `HTTP ${status}: ${excerpt(text)}`, parseRetryAfter(retryAfter, now));
    }
    return this.finish(p, this.failure(p, 'http', status, `HTTP ${status}: ${excerpt(text)}`));
  }

  /** A retryable failure (5xx, network): queue the next attempt, or report it when the retries are spent. */
  private retryOrFinish(p: Pending, reason: RestFailureReason, status: number | undefined, what: string, retryAfterMs: number | undefined): void {
    const failure = this.failure(p, reason, status, p.attempts > 1 ? `${what} (${p.attempts} attempts)` : what);
    if (this.stopped || p.attempts > this.retries) return this.finish(p, failure);
    const backoff = Math.min(32_000, this.retryBaseMs * 2 ** (p.attempts - 1));
    p.notBefore = this.clock.now() + Math.max(backoff, retryAfterMs ?? 0);
    // Reported as is if the retry cannot be sent before the request's deadline.
    p.lastFailure = failure;
    this.queue.push(p);
  }

  private finish(p: Pending, result: RestResult): void {
    if (!result.ok) {
      this.counts.failed++;
      this.failures[result.reason] = (this.failures[result.reason] ?? 0) + 1;
      this.lastError = { at: result.receivedAt, message: result.message };
    }
    p.resolve(result);
  }

  private failure(p: Pending, reason: RestFailureReason, status: number | undefined, what: string): RestFailure {
    return {
      ok: false,
      venue: this.spec.venue,
      name: p.request.name,
      path: p.request.path,
      query: p.request.query,
      url: p.url,
      receivedAt: this.clock.now(),
      attempts: p.attempts,
      reason,
      status,
      message: `${this.spec.venue} ${p.endpoint}: ${what}`,
    };
  }

  private syncUsedWeight(header: string, now: number): void {
    const reported = Number(header);
    if (!Number.isFinite(reported) || this.spec.weightBudget === undefined) return;
    this.rollWindow(now);
    if (reported > this.used) this.used = reported;
  }
}

// ---- poller ----

export interface PollSpec {
  readonly venue: string;
  readonly request: RestRequest;
  /** Period, ms (≥ the client's minimum interval per endpoint: open interest 15 000, ratios 60 000). */
  readonly everyMs: number;
}

export interface PollStats {
  readonly venue: string;
  readonly name: string;
  readonly endpoint: string;
  readonly everyMs: number;
  readonly runs: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Ticks skipped because the previous poll of the endpoint had not finished. */
  readonly skipped: number;
  readonly consecutiveFailures: number;
  readonly lastOkAt: number | undefined;
  readonly lastFailure: { readonly at: number; readonly reason: RestFailureReason; readonly message: string } | undefined;
}

export interface RestPollerStats {
  readonly polls: readonly PollStats[];
  readonly venues: readonly RestClientStats[];
  /** On-demand requests answered by an identical request already in flight. */
  readonly coalesced: number;
  /** Exceptions thrown by `onResult` (caught). */
  readonly callbackErrors: number;
}

export interface RestPollerOptions {
  readonly clock: WallClock;
  /** One client per venue. */
  readonly clients: readonly RestClient[];
  /** Every result, success or failure, of polls and on-demand requests, once. */
  readonly onResult: (result: RestResult) => void;
  /** Default: silent. */
  readonly logger?: Logger;
}

interface Poll {
  readonly spec: PollSpec;
  readonly client: RestClient;
  readonly endpoint: string;
  timer: TimerHandle | undefined;
  runs: number;
  succeeded: number;
  failed: number;
  skipped: number;
  consecutiveFailures: number;
  lastOkAt: number | undefined;
  lastFailure: { at: number; reason: RestFailureReason; message: string } | undefined;
}

export class RestPoller {
  private readonly clock: WallClock;
  private readonly clients = new Map<string, RestClient>();
  private readonly onResult: (result: RestResult) => void;
  private readonly log: Logger;
  private readonly polls: Poll[] = [];
  /** In-flight requests by venue + endpoint, for coalescing and overlap skipping. */
  private readonly inFlight = new Map<string, Promise<RestResult>>();
  private started = false;
  private stopped = false;
  private coalesced = 0;
  private callbackErrors = 0;

  constructor(options: RestPollerOptions) {
    this.clock = options.clock;
    this.onResult = options.onResult;
    this.log = options.logger ?? silentLogger;
    for (const client of options.clients) {
      if (this.clients.has(client.venue)) throw new Error(`RestPoller: two clients for venue ${client.venue}`);
      this.clients.set(client.venue, client);
    }
  }

  /** Add a periodic poll (before or after `start`). */
  add(spec: PollSpec): void {
    const client = this.clientOf(spec.venue);
    if (!(spec.everyMs >= client.minIntervalMs)) {
      throw new RangeError(
        `${spec.venue} ${client.endpointOf(spec.request)}: polling every ${spec.everyMs} ms is more often than the ${client.minIntervalMs} ms allowed per endpoint`,
      );
    }
    const poll: Poll = {
      spec,
      client,
      endpoint: client.endpointOf(spec.request),
      timer: undefined,
      runs: 0,
      succeeded: 0,
      failed: 0,
      skipped: 0,
      consecutiveFailures: 0,
      lastOkAt: undefined,
      lastFailure: undefined,
    };
    this.polls.push(poll);
    if (this.started && !this.stopped) this.schedule(poll);
  }

  /** Run every poll now and then on its fixed cadence (no drift: the period is a timer interval). */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const poll of this.polls) this.schedule(poll);
  }

  /**
   * An on-demand request (a depth snapshot for a resync). An identical request already
   * in flight answers it too; the result is delivered to `onResult` once either way.
   */
  request(venue: string, request: RestRequest, options: RequestOptions = {}): Promise<RestResult> {
    const client = this.clientOf(venue);
    const key = `${venue} ${client.endpointOf(request)}`;
    const running = this.inFlight.get(key);
    if (running !== undefined) {
      this.coalesced++;
      return running;
    }
    return this.run(key, client, request, options, undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const poll of this.polls) this.clock.clearInterval(poll.timer);
    await Promise.all([...this.clients.values()].map((c) => c.stop()));
    await Promise.all([...this.inFlight.values()]);
  }

  stats(): RestPollerStats {
    return {
      polls: this.polls.map((p) => ({
        venue: p.spec.venue,
        name: p.spec.request.name,
        endpoint: p.endpoint,
        everyMs: p.spec.everyMs,
        runs: p.runs,
        succeeded: p.succeeded,
        failed: p.failed,
        skipped: p.skipped,
        consecutiveFailures: p.consecutiveFailures,
        lastOkAt: p.lastOkAt,
        lastFailure: p.lastFailure ? { ...p.lastFailure } : undefined,
      })),
      venues: [...this.clients.values()].map((c) => c.stats()),
      coalesced: this.coalesced,
      callbackErrors: this.callbackErrors,
    };
  }

  private clientOf(venue: string): RestClient {
    const client = this.clients.get(venue);
    if (client === undefined) throw new Error(`RestPoller: no REST client for venue "${venue}"`);
    return client;
  }

  private schedule(poll: Poll): void {
    this.tick(poll);
    poll.timer = this.clock.setInterval(() => this.tick(poll), poll.spec.everyMs);
  }

  private tick(poll: Poll): void {
    if (this.stopped) return;
    const key = `${poll.spec.venue} ${poll.endpoint}`;
    if (this.inFlight.has(key)) {
      poll.skipped++;
      return;
    }
    poll.runs++;
    void this.run(key, poll.client, poll.spec.request, { queueTimeoutMs: poll.spec.everyMs }, poll);
  }

  private run(key: string, client: RestClient, request: RestRequest, options: RequestOptions, poll: Poll | undefined): Promise<RestResult> {
    const promise = client.request(request, options).then((result) => {
      this.inFlight.delete(key);
      if (poll !== undefined) this.account(poll, result);
      else if (!result.ok) this.log.warn(result.message);
      if (!this.stopped) this.deliver(result);
      return result;
    });
    this.inFlight.set(key, promise);
    return promise;
  }

  private account(poll: Poll, result: RestResult): void {
    if (result.ok) {
      if (poll.consecutiveFailures > 0) {
        this.log.info(`${result.venue} ${poll.endpoint}: answering again after ${poll.consecutiveFailures} failed polls`);
      }
      poll.succeeded++;
      poll.consecutiveFailures = 0;
      poll.lastOkAt = result.receivedAt;
      return;
    }
    poll.failed++;
    poll.consecutiveFailures++;
    poll.lastFailure = { at: result.receivedAt, reason: result.reason, message: result.message };
    // The first failure of a streak is logged; the rest are counted (a dead venue would flood the log).
    if (poll.consecutiveFailures === 1) this.log.warn(`${result.message} (poll failed; counted until it answers again)`);
  }

  private deliver(result: RestResult): void {
    try {
      this.onResult(result);
    } catch (error) {
      this.callbackErrors++;
      this.log.error(`${result.venue} ${result.name}: the result handler threw: ${messageOf(error)}`);
    }
  }
}

// ---- helpers ----

function queryString(query: QueryParams): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) params.append(key, String(value));
  return params.toString();
}

function windowStartOf(now: number, windowMs: number): number {
  return now - (((now % windowMs) + windowMs) % windowMs);
}

/** `Retry-After` as ms from now: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function networkError(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const base = messageOf(error);
  if (code !== undefined) return `network error: ${code}${typeof cause?.message === 'string' && !cause.message.includes(code) ? ` (${cause.message})` : ''}`;
  return `network error: ${base}`;
}

function excerpt(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  if (oneLine === '') return '(empty body)';
  return oneLine.length > 160 ? `${oneLine.slice(0, 160)}…` : oneLine;
}

function seconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

function isoTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 19)}Z`;
}
