/**
 * Test support: the venues' documented message examples (VENUES.md, with its sources),
 * one per channel the simulator emits, and a structural comparison. The simulator's
 * frames must have the same keys, in the same order, with the same JSON types, as
 * these (numbers as decimal strings where the venue sends strings).
 */

/** Channel (`venue/c` as in a capture) → a documented or real example payload. */
export const VENUE_EXAMPLES: Readonly<Record<string, unknown>> = {
  // VENUES.md 1.2, official Diff. Book Depth example inside the combined-stream wrapper of the real 2024 frames
  'binance/depth@100ms': {
    stream: 'btcusdt@depth@100ms',
    data: { e: 'depthUpdate', E: 123456789, T: 123456788, s: 'BTCUSDT', U: 157, u: 160, pu: 149, b: [['0.0024', '10']], a: [['0.0026', '100']] },
  },
  // VENUES.md 1.4, the official SDK's 2026 test payload
  'binance/aggTrade': {
    stream: 'bnbusdt@aggTrade',
    data: { e: 'aggTrade', E: 123456789, s: 'BNBUSDT', a: 5933014, p: '0.001', q: '100', nq: '100', f: 100, l: 105, T: 123456785, m: true, st: 1 },
  },
  // VENUES.md 1.6, real frame (2023)
  'binance/markPrice@1s': {
    stream: 'btcusdt@markPrice@1s',
    data: { e: 'markPriceUpdate', E: 1680652800010, s: 'BTCUSDT', p: '28155.10000000', P: '28141.47600845', i: '28165.04857143', r: '0.00002760', T: 1680652800000 },
  },
  // VENUES.md 1.5, the official SDK's 2026 payload (with ps, st)
  'binance/forceOrder': {
    stream: '!forceOrder@arr',
    data: {
      e: 'forceOrder',
      E: 1568014460893,
      o: { s: 'BTCUSDT', S: 'SELL', o: 'LIMIT', f: 'IOC', q: '0.014', p: '9910', ap: '9910', X: 'FILLED', l: '0.014', z: '0.014', T: 1568014460893 },
      ps: 'BTCUSDT',
      st: 1,
    },
  },
  // real frame of the 2024 capture (../shared/data)
  'binance/bookTicker': {
    stream: 'btcusdt@bookTicker',
    data: { e: 'bookTicker', u: 4984028370881, s: 'BTCUSDT', b: '63943.90', B: '46.371', a: '63944.00', A: '0.095', T: 1721347022507, E: 1721347022507 },
  },
  // VENUES.md 1.7, official REST examples
  'binance/rest.depthSnapshot': { lastUpdateId: 1027024, E: 1589436922972, T: 1589436922959, bids: [['4.00000000', '431.00000000']], asks: [['4.00000200', '12.00000000']] },
  'binance/rest.openInterest': { openInterest: '10659.509', symbol: 'BTCUSDT', time: 1589437530011 },
  // the docs print `timestamp` as a string, the SDK tests and clients as a number (VENUES.md 1.7): we send numbers
  'binance/rest.ratio.topAccount': [{ symbol: 'BTCUSDT', longShortRatio: '1.8105', longAccount: '0.6442', shortAccount: '0.3558', timestamp: 1583139600000 }],
  'binance/rest.ratio.topPosition': [{ symbol: 'BTCUSDT', longShortRatio: '1.4342', longAccount: '0.5891', shortAccount: '0.4108', timestamp: 1583139600000 }],
  'binance/rest.ratio.globalAccount': [{ symbol: 'BTCUSDT', longShortRatio: '0.1960', longAccount: '0.6622', shortAccount: '0.3378', timestamp: 1583139600000 }],
  // VENUES.md 2.2, official example
  'bybit/allLiquidation': { topic: 'allLiquidation.ROSEUSDT', type: 'snapshot', ts: 1739502303204, data: [{ T: 1739502302929, s: 'ROSEUSDT', S: 'Sell', v: '20000', p: '0.04499' }] },
  // VENUES.md 2.4, the published delta (the snapshot has the same shape)
  'bybit/orderbook.50': {
    topic: 'orderbook.50.BTCUSDT',
    type: 'delta',
    ts: 1687940967466,
    data: { s: 'BTCUSDT', b: [['30247.20', '30.028']], a: [['30248.70', '0']], u: 177400507, seq: 66544703342 },
    cts: 1687940967464,
  },
  // VENUES.md 2.5
  'bybit/publicTrade': {
    topic: 'publicTrade.BTCUSDT',
    type: 'snapshot',
    ts: 1672304486868,
    data: [{ T: 1672304486865, s: 'BTCUSDT', S: 'Buy', v: '0.001', p: '16578.50', L: 'PlusTick', i: '20f43950-d8dd-5b31-9112-a178eb6023af', BT: false, seq: 1783284617 }],
  },
  // VENUES.md 2.7 (list item of the current docs; category linear)
  'bybit/rest.openInterest': {
    retCode: 0,
    retMsg: 'OK',
    result: { symbol: 'BTCUSDT', category: 'linear', list: [{ openInterest: '63910691.00000000', singleOpenInterest: '31955346', timestamp: '1780963200000' }], nextPageCursor: 'lastid%3D19408935%26lasttime%3D1780617600' },
    retExtInfo: {},
    time: 1780994051392,
  },
  // VENUES.md 3.2, real frame (ccxt PR 23350)
  'okx/liquidation-orders': {
    arg: { channel: 'liquidation-orders', instType: 'SWAP' },
    data: [{ details: [{ bkLoss: '0', bkPx: '57102.9', ccy: '', posSide: 'long', side: 'sell', sz: '10000', ts: '1723038122631' }], instFamily: 'BTC-USDT', instId: 'BTC-USDT-SWAP', instType: 'SWAP', uly: 'BTC-USDT' }],
  },
  // VENUES.md 3.3, official snapshot
  'okx/books': {
    arg: { channel: 'books', instId: 'BTC-USDT' },
    action: 'snapshot',
    data: [{ asks: [['8476.98', '415', '0', '13']], bids: [['8476.97', '256', '0', '12']], ts: '1597026383085', checksum: 0, prevSeqId: -1, seqId: 123456 }],
  },
  // VENUES.md 3.4, real frame
  'okx/trades': {
    arg: { channel: 'trades', instId: 'BTC-USDT-SWAP' },
    data: [{ instId: 'BTC-USDT-SWAP', tradeId: '2832749635', px: '63913.5', sz: '1', side: 'buy', ts: '1786540435948', count: '1', source: '0', seqId: 333793117432 }],
  },
  // VENUES.md 3.5, official examples
  'okx/funding-rate': {
    arg: { channel: 'funding-rate', instId: 'BTC-USD-SWAP' },
    data: [
      {
        formulaType: 'noRate',
        fundingRate: '0.0001875391284828',
        fundingTime: '1700726400000',
        impactValue: '',
        instId: 'BTC-USD-SWAP',
        instType: 'SWAP',
        interestRate: '',
        method: 'current_period',
        maxFundingRate: '0.00375',
        minFundingRate: '-0.00375',
        nextFundingRate: '',
        nextFundingTime: '1700755200000',
        premium: '0.0001233824646391',
        settFundingRate: '0.0001699799259033',
        settState: 'settled',
        ts: '1700724675402',
      },
    ],
  },
  'okx/open-interest': {
    arg: { channel: 'open-interest', instId: 'BTC-USDT-SWAP' },
    data: [{ instId: 'BTC-USDT-SWAP', instType: 'SWAP', oi: '2216113.01000000309', oiCcy: '22161.1301000000309', oiUsd: '1939251795.54769270396321', ts: '1743041250440' }],
  },
  'okx/mark-price': { arg: { channel: 'mark-price', instId: 'LTC-USD-190628' }, data: [{ instType: 'FUTURES', instId: 'LTC-USD-190628', markPx: '0.1', ts: '1597026383085' }] },
  // VENUES.md 3.6
  'okx/rest.openInterest': { code: '0', msg: '', data: [{ instType: 'SWAP', instId: 'BTC-USDT-SWAP', oi: '5000', oiCcy: '555.55', oiUsd: '50000', ts: '1597026383085' }] },
};

/** Bybit tickers are merged snapshots and partial deltas: checked field by field (every field a string). */
export const BYBIT_TICKER_SNAPSHOT_FIELDS = [
  'symbol',
  'tickDirection',
  'price24hPcnt',
  'lastPrice',
  'prevPrice24h',
  'highPrice24h',
  'lowPrice24h',
  'prevPrice1h',
  'markPrice',
  'indexPrice',
  'openInterest',
  'openInterestValue',
  'turnover24h',
  'volume24h',
  'nextFundingTime',
  'fundingRate',
  'bid1Price',
  'bid1Size',
  'ask1Price',
  'ask1Size',
];

const NUMERIC = /^-?\d+(\.\d+)?$/;

/**
 * Differences between `actual` and `example` in structure: key order, JSON types,
 * and numeric strings where the example has a numeric string. Array elements are
 * compared with the example's first element. Empty list = same shape.
 */
export function shapeDifferences(actual: unknown, example: unknown, path = '$'): string[] {
  if (Array.isArray(example)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${describe(actual)}`];
    if (example.length === 0) return [];
    return actual.flatMap((item, i) => shapeDifferences(item, example[0], `${path}[${i}]`));
  }
  if (example !== null && typeof example === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return [`${path}: expected an object, got ${describe(actual)}`];
    const want = Object.keys(example);
    const got = Object.keys(actual);
    if (want.join(',') !== got.join(',')) return [`${path}: keys ${got.join(',')} instead of ${want.join(',')}`];
    return want.flatMap((k) => shapeDifferences((actual as Record<string, unknown>)[k], (example as Record<string, unknown>)[k], `${path}.${k}`));
  }
  if (typeof actual !== typeof example) return [`${path}: expected ${typeof example}, got ${describe(actual)}`];
  if (typeof example === 'string' && NUMERIC.test(example) && !NUMERIC.test(actual as string)) return [`${path}: expected a numeric string, got ${JSON.stringify(actual)}`];
  return [];
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}
