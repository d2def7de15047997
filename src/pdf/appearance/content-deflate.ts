import { deflateSync } from 'node:zlib';

/**
 * FlateDecode (ISO 32000-1 §7.4.4, RFC 1950/1951) of a content stream of a few kilobytes. zlib's
 * defaults (a 32 KiB window, memLevel 8) make every call set up about 256 KiB of state, which
 * costs more than compressing such a stream: the window is sized to the data instead (2^9 to
 * 2^15 bytes, RFC 1950 CINFO says which; any conforming inflater reads it) and the hash table is
 * small. For streams this short the output is as small as with the defaults.
 */
export function deflateContent(data: Buffer): Buffer {
  let windowBits = 9;
  while (windowBits < 15 && 1 << windowBits < data.length) windowBits++;
  return deflateSync(data, { windowBits, memLevel: Math.min(8, Math.max(2, windowBits - 7)) });
}
