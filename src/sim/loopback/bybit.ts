/**
 * Bybit v5 public linear on loopback (VENUES.md 2.1, 2.7), serving a `SimMarket`:
 *
 * WebSocket `/v5/public/linear`:
 * - `{"req_id":…,"op":"subscribe","args":[topics]}` → `{"success":true,"ret_msg":"",
 *   "conn_id":…,"req_id":…,"op":"subscribe"}`, then, for orderbook.50 and tickers, a
 *   snapshot for this subscriber (queued behind the deltas already on their way, so the
 *   deltas that follow chain on it); an unknown topic (the removed `liquidation.*`
 *   included) → `success:false`, `ret_msg:"error:handler not found,topic:…"`, and
 *   nothing of that request is subscribed; an already subscribed topic → `error:already
 *   subscribed,topic:…`;
 * - `{"op":"ping"}` → the linear pong `{"success":true,"ret_msg":"pong",…,"op":"ping"}`;
 * - `unsubscribe` → ack with `op:"unsubscribe"`.
 *
 * REST `/v5/market/open-interest?category=linear&symbol=…&intervalTime=…`: the body from
 * the market (both sides and `singleOpenInterest`); bad parameters → HTTP 200 with
 * `retCode` 10001, as Bybit does.
 */

import { instrumentSpec } from '../params.js';
import { LoopbackVenueServer, queryOf, type Accept, type LoopbackConnection, type RestAnswer } from './server.js';

const TOPIC = /^(allLiquidation|orderbook\.50|publicTrade|tickers)\.([A-Z0-9]+)$/;
const SNAPSHOT_CHANNELS = new Set(['orderbook.50', 'tickers']);
const INTERVALS = new Set(['5min', '15min', '30min', '1h', '4h', '1d']);

export class BybitLoopback extends LoopbackVenueServer {
  readonly venue = 'bybit' as const;
  private instrumentsCache: ReadonlyMap<string, string> | undefined;

  private get instruments(): ReadonlyMap<string, string> {
    this.instrumentsCache ??= new Map(this.market.symbols.map((s) => [instrumentSpec('bybit', s).instrument, s]));
    return this.instrumentsCache;
  }

  protected accept(url: URL): Accept {
    if (url.pathname.replace(/\/+$/, '') !== '/v5/public/linear') return { ok: false, status: 404, reason: `no stream path ${url.pathname}` };
    return { ok: true };
  }

  protected onText(c: LoopbackConnection, text: string): void {
    const connId = `loopback-${c.id}`;
    let message: { req_id?: unknown; op?: unknown; args?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      this.reply(c, { success: false, ret_msg: 'error:request not json', conn_id: connId, req_id: '', op: '' });
      return;
    }
    const reqId = typeof message.req_id === 'string' ? message.req_id : '';
    const op = typeof message.op === 'string' ? message.op : '';
    const answer = (success: boolean, retMsg: string) => this.reply(c, { success, ret_msg: retMsg, conn_id: connId, req_id: reqId, op });
    const args = Array.isArray(message.args) ? message.args.filter((a): a is string => typeof a === 'string') : [];
    switch (op) {
      case 'ping':
        answer(true, 'pong');
        return;
      case 'subscribe': {
        for (const topic of args) {
          const m = TOPIC.exec(topic);
          if (m === null || !this.instruments.has(m[2]!)) {
            this.counters.subscriptionsRejected++;
            return answer(false, `error:handler not found,topic:${topic}`);
          }
          if (c.routes.has(topic)) {
            this.counters.subscriptionsRejected++;
            return answer(false, `error:already subscribed,topic:${topic}`);
          }
        }
        for (const topic of args) this.subscribe(c, topic);
        answer(true, '');
        const snapshots = new Set(args.filter((topic) => SNAPSHOT_CHANNELS.has(topic.slice(0, topic.lastIndexOf('.')))));
        if (snapshots.size > 0) this.market.queueSnapshots('bybit', snapshots, c.id);
        return;
      }
      case 'unsubscribe':
        for (const topic of args) this.unsubscribe(c, topic);
        answer(true, '');
        return;
      default:
        answer(false, `error:unknown op ${op}`);
    }
  }

  protected override truncatedFrame(): string {
    return '{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":17';
  }

  protected rest(url: URL): RestAnswer {
    const time = this.market.now;
    if (url.pathname !== '/v5/market/open-interest') return this.json(404, { retCode: 404, retMsg: 'Not Found' });
    const q = queryOf(url);
    const error = (retMsg: string): RestAnswer => this.json(200, { retCode: 10001, retMsg, result: {}, retExtInfo: {}, time });
    if (q.category !== 'linear') return error(`params error: category ${q.category ?? ''} is not served here`);
    if (!INTERVALS.has(q.intervalTime ?? '')) return error('params error: intervalTime invalid');
    const symbol = this.instruments.get(q.symbol ?? '');
    if (symbol === undefined) return error('params error: symbol invalid');
    return { status: 200, body: this.market.restOpenInterest('bybit', symbol, time) };
  }
}
