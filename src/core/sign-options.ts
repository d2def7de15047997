import { AppError } from './errors.js';

/**
 * The vocabulary of signing options shared by the PDF layer, the signing service, certified
 * copies, the HTTP schemas and the CLI. The option shapes themselves (SignOptions) are in
 * src/signing/types.ts; the PAdES levels are in ./pades-level.ts.
 */

/** Visible stamp kinds of Decree 30/2020/NĐ-CP Appendix I: an official's signature, an organization's seal, a copy stamp. */
export const APPEARANCE_KINDS = ['individual', 'organization', 'copy'] as const;
export type AppearanceKind = (typeof APPEARANCE_KINDS)[number];

/**
 * DocMDP permissions P of a certification signature (ISO 32000-1 §12.8.2.2, Table 254):
 * 1 no changes, 2 form filling and signing, 3 also annotations.
 */
export const DOCMDP_PERMISSIONS = [1, 2, 3] as const;
export type DocMdpPermission = (typeof DOCMDP_PERMISSIONS)[number];

/** FieldMDP lock (ISO 32000-1 §12.7.4.5, Table 233): which fields become read-only once signed. */
export type FieldLock = { readonly action: 'All' } | { readonly action: 'Include' | 'Exclude'; readonly fields: readonly string[] };

/** /SubFilter of a PAdES signature (CAdES-based) or of a document time-stamp (ETSI EN 319 142-1). */
export type SubFilter = 'ETSI.CAdES.detached' | 'ETSI.RFC3161';

/** A certification permission given as text (a CLI flag): "1", "2" or "3", else VALIDATION_FAILED. */
export function parseDocMdpPermission(value: string, what = 'certify'): DocMdpPermission {
  const p = DOCMDP_PERMISSIONS.find((n) => String(n) === value.trim());
  if (p === undefined) throw new AppError('VALIDATION_FAILED', `${what} must be ${DOCMDP_PERMISSIONS.join(', ')}`);
  return p;
}

export function parseAppearanceKind(value: string, what = 'appearance'): AppearanceKind {
  const k = APPEARANCE_KINDS.find((a) => a === value);
  if (k === undefined) throw new AppError('VALIDATION_FAILED', `${what} must be one of ${APPEARANCE_KINDS.join(', ')}`);
  return k;
}
