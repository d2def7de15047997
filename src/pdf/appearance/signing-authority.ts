import { AppError } from '../../core/errors.js';

/**
 * Signing-authority lines above a signature (Decree 30/2020/NĐ-CP Art. 13 and Appendix I §II.9):
 * "TM." (on behalf of a collective body), "KT." (signing for the head), "TUQ." (by delegated
 * authority), "Q." (acting head) and "TL." (by order), each followed by the body or position,
 * e.g. "TM. ỦY BAN NHÂN DÂN" then "KT. CHỦ TỊCH"; the signer's own title ("PHÓ CHỦ TỊCH")
 * follows on its own line. Lines are printed in capitals as given, one per line, never wrapped.
 */
export const AUTHORITY_PREFIXES = ['TM.', 'KT.', 'TUQ.', 'Q.', 'TL.'] as const;

const MAX_LINES = 4;
const MAX_LENGTH = 80;

/** Splits '/'-separated or repeated values into trimmed lines and checks each one's prefix. */
export function parseAuthorityLines(values: readonly string[]): string[] {
  const lines = values
    .flatMap((v) => v.split('/'))
    .map((l) => l.normalize('NFC').trim().replace(/\s+/g, ' '))
    .filter((l) => l.length > 0);
  if (lines.length > MAX_LINES) throw invalid(`at most ${MAX_LINES} signing-authority lines`);
  for (const line of lines) {
    if (line.length > MAX_LENGTH) throw invalid(`a signing-authority line has at most ${MAX_LENGTH} characters`);
    if (!AUTHORITY_PREFIXES.some((p) => line.toUpperCase().startsWith(p + ' '))) {
      throw invalid(`"${line}" must start with ${AUTHORITY_PREFIXES.join(', ')} followed by the body or position (Decree 30/2020 Art. 13)`);
    }
  }
  return lines;
}

/** A title line (e.g. "PHÓ CHỦ TỊCH"): one line, trimmed, at most 80 characters. */
export function parseTitle(value: string): string {
  const t = value.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (!t || t.length > MAX_LENGTH || /[\r\n]/.test(value))
    throw new AppError('VALIDATION_FAILED', `the title must be one line of 1 to ${MAX_LENGTH} characters`, { details: { field: 'title' } });
  return t;
}

/** The heading lines of a stamp: authority lines, then the title, upper-cased (Appendix I: bold capitals). */
export function headingLines(authorityLines: readonly string[] | undefined, title: string | undefined): string[] {
  return [...(authorityLines ?? []), ...(title ? [title] : [])].map((l) => l.toLocaleUpperCase('vi'));
}

function invalid(message: string): AppError {
  return new AppError('VALIDATION_FAILED', message, { details: { field: 'authorityLines' } });
}
