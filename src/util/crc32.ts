/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial), pure so that binary codecs and the
 * OKX book checksum work without node:zlib.
 */

const TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** Unsigned CRC-32 of `bytes[start, end)`. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, seed = 0): number {
  let crc = ~seed;
  for (let i = start; i < end; i++) crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** CRC-32 of a string's UTF-8 bytes, as a signed 32-bit integer (OKX's convention). */
export function crc32SignedOfString(text: string): number {
  return crc32(new TextEncoder().encode(text)) | 0;
}
