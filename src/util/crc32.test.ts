import { describe, expect, it } from 'vitest';
import { crc32, crc32SignedOfString } from './crc32.js';

describe('crc32', () => {
  it('matches the standard check value for "123456789"', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('is 0 for empty input', () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('covers only the requested range', () => {
    const bytes = new TextEncoder().encode('xx123456789yy');
    expect(crc32(bytes, 2, 11)).toBe(0xcbf43926);
  });

  it('returns the signed form OKX publishes', () => {
    // 0xcbf43926 as int32
    expect(crc32SignedOfString('123456789')).toBe(0xcbf43926 | 0);
    expect(crc32SignedOfString('123456789')).toBeLessThan(0);
  });
});
