/**
 * Envelope channels of REST results (DESIGN.md section 3, `rest.<name>`): the same name
 * on every venue; the envelope's `v` says whose body it is and `q` holds the query.
 */
export const REST_CHANNEL = {
  /** Binance `GET /fapi/v1/depth`. */
  depthSnapshot: 'rest.depthSnapshot',
  /** Binance `/fapi/v1/openInterest`, Bybit `/v5/market/open-interest`, OKX `/api/v5/public/open-interest`. */
  openInterest: 'rest.openInterest',
  /** Binance `/futures/data/topLongShortAccountRatio`. */
  topAccountRatio: 'rest.ratio.topAccount',
  /** Binance `/futures/data/topLongShortPositionRatio`. */
  topPositionRatio: 'rest.ratio.topPosition',
  /** Binance `/futures/data/globalLongShortAccountRatio`. */
  globalAccountRatio: 'rest.ratio.globalAccount',
  /** OKX `GET /api/v5/public/instruments?instType=SWAP`: contract values (`ctVal`). */
  instruments: 'rest.instruments',
} as const;
