import { describe, expect, it } from 'vitest';
import { instrumentOf, toSymbol } from './events.js';

describe('toSymbol', () => {
  it.each([
    ['BTCUSDT', 'BTC'],
    ['btcusdt', 'BTC'],
    ['BTC-USDT-SWAP', 'BTC'],
    ['ETHUSDT', 'ETH'],
    ['eth-usdt-swap', 'ETH'],
    ['SOLUSDT', 'SOL'],
    ['XRPUSDT', 'XRP'],
    ['1000PEPEUSDT', '1000PEPE'],
  ])('maps the USDT perpetual %s to %s', (instrument, symbol) => {
    expect(toSymbol(instrument)).toBe(symbol);
  });

  it.each([
    ['BTCUSD_PERP', 'Binance COIN-M: sized in contracts'],
    ['BTCUSDT_250926', 'dated future'],
    ['BTC-USD-SWAP', 'OKX inverse swap'],
    ['BTC-USDC-SWAP', 'USDC-margined'],
    ['BTCUSDC', 'USDC-margined'],
    ['BTC-USDT', 'OKX spot'],
    ['USDT', 'no base asset'],
    ['', 'empty'],
  ])('does not map %s (%s)', (instrument) => {
    expect(toSymbol(instrument)).toBeUndefined();
  });

  it('names each venue instrument of a short symbol', () => {
    expect(instrumentOf('binance', 'BTC')).toBe('BTCUSDT');
    expect(instrumentOf('bybit', 'ETH')).toBe('ETHUSDT');
    expect(instrumentOf('okx', 'SOL')).toBe('SOL-USDT-SWAP');
  });
});
