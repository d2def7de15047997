/** Character classes of ISO 32000-1 §7.2.2 (white-space) and §7.2.3 (delimiters). */
export const WS = new Uint8Array(256);
for (const c of [0, 9, 10, 12, 13, 32]) WS[c] = 1;
export const DELIM = new Uint8Array(256);
for (const c of '()<>[]{}/%') DELIM[c.charCodeAt(0)] = 1;
/** Regular characters: neither white-space nor delimiter. */
export const isRegular = (c: number | undefined): boolean => c !== undefined && !WS[c] && !DELIM[c];
export const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;
export const isWs = (c: number | undefined): boolean => c !== undefined && WS[c] === 1;
