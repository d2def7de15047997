import { AppError } from './errors.js';

/**
 * The one check for human-readable text that ends up in certificates, signatures, registers and
 * rendered pages: names of organizations, authorities and officials, titles, reasons, subject
 * DN fields. Such text is shown to people who decide whether to trust a document, so characters
 * that make it look different from what it is are refused (Unicode TR36 §2 "Visual Security
 * Issues", TR39 §3.1 "General Security Profile"):
 *
 * - Cc control characters, including NUL (truncation in C libraries, log injection);
 * - Cf format characters: bidi embeddings, overrides and isolates (U+202A–202E, U+2066–2069,
 *   U+200E/200F) reorder what is displayed; zero-width characters (U+200B–200D, U+2060, U+FEFF)
 *   make two names that look equal differ; tag characters hide text;
 * - Co private use, Cs lone surrogates, Cn unassigned code points and noncharacters;
 * - Zl / Zp line and paragraph separators (a one-line field rendered on several lines);
 * - more than MAX_COMBINING combining marks in a row ("stacked" marks that overdraw
 *   neighbouring lines), counted after normalisation.
 *
 * Vietnamese is written with Latin letters and combining diacritics (up to two marks on one
 * vowel, e.g. "ệ" = e + U+0323 + U+0302). Text is first NFC-normalised (UAX #15), so both the
 * precomposed and the decomposed spelling are accepted and stored the same way.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}\p{Zl}\p{Zp}]/u;
const COMBINING_RUN = /\p{M}{4,}/u;
const MAX_COMBINING = 3;

/** Why `value` is unsafe (the offending code point), or undefined when it is fine. Expects NFC input. */
export function unsafeTextReason(value: string): string | undefined {
  const m = UNSAFE.exec(value);
  if (m) {
    const cp = m[0].codePointAt(0)!;
    return `contains ${codePointLabel(cp)} (${categoryOf(m[0])}), which is not allowed in names and texts`;
  }
  if (COMBINING_RUN.test(value)) return `has more than ${MAX_COMBINING} combining marks on one letter`;
  return undefined;
}

/** NFC-normalises `value` and returns it, or throws TEXT_UNSAFE naming the field and the character. */
export function safeText(value: string, field: string): string {
  const nfc = value.normalize('NFC');
  const reason = unsafeTextReason(nfc);
  if (reason) {
    const m = UNSAFE.exec(nfc);
    throw new AppError('TEXT_UNSAFE', `${field} ${reason}`, {
      details: { field, ...(m ? { codePoint: codePointLabel(m[0].codePointAt(0)!) } : {}) },
    });
  }
  return nfc;
}

function codePointLabel(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

function categoryOf(ch: string): string {
  for (const [cat, re] of CATEGORIES) if (re.test(ch)) return cat;
  return 'unsafe';
}

const CATEGORIES: ReadonlyArray<readonly [string, RegExp]> = [
  ['control character', /\p{Cc}/u],
  ['format character', /\p{Cf}/u],
  ['private-use character', /\p{Co}/u],
  ['lone surrogate', /\p{Cs}/u],
  ['unassigned code point', /\p{Cn}/u],
  ['line or paragraph separator', /[\p{Zl}\p{Zp}]/u],
];
