/**
 * Maps the corpus manifest's `expect` vocabulary (test/corpus/README.md) onto our report.
 * Only keys about integrity, structure, coverage, modifications and format are mapped: the
 * corpus chains to foreign CAs, so trust-dependent keys (tValid, ltaValid, revocation…) are
 * listed in UNMAPPED_KEYS and skipped explicitly.
 */
import type { SignatureReport, VerificationReport } from '../../src/pdf/verify/report.js';

export interface Check {
  readonly key: string;
  readonly expected: unknown;
  readonly actual: unknown;
  readonly agree: boolean;
}

export const UNMAPPED_KEYS = new Set([
  'parse',
  'signer',
  'reason',
  'note',
  'security',
  'passwords',
  'encrypt',
  'tValid',
  'ltaValid',
  'revocation',
  'revocationData',
  'revocationOrigins',
  'originalDocuments',
  'originalDocumentSha256',
  'originalDocumentSha256B64',
  'originalDocumentOfOneSignatureSha256',
  'otherSignatureOriginalDocuments',
  'dtbsrSha256B64',
  'docTimestampCovers',
  'docTimestamp',
  'documentTimestamp',
  'signatureTimestamp',
  'signatureTimestamps',
  'levels',
  'revisions',
  'shadowContent',
  'pdfModificationsDetected',
  'pageDifferencePages',
  'annotationOverlapPages',
  'annotationOverlapPagesMin',
  'visuallyDifferentFromOriginalDocument',
  'messageKey',
  'savSubIndication',
  'digestAlgorithm',
  'signatureAlgorithm',
  'encryptionAlgorithm',
  'signedAttributes',
  'essAttribute',
  'signerIdentifier',
  'signatureForm',
  'subFilter',
  'validSignatures',
  'isSupported',
  'timeLimitMs',
  'docMDP',
  'fieldMDP',
  'sigFieldLock',
  'warningsAbsent',
  'signingCertificateReferenceUnique',
  'undefinedChange',
  'trustProblem',
  'validation',
  'certification',
  'afterAppendingDocTimestamp',
  'afterAppendingCertToDss',
  'afterDecryptAndRewrite',
  'fieldNames',
  'widgetsAreKids',
  'xrefSection',
  'infoTitle',
  'strict',
  'emptySignatureFields',
  'validatorAfterUpdate',
  'version',
  'structure',
  'lastStartxref',
  'mediaBox',
  'infoSubject',
  'byteRange',
  'catalog',
  'pagesCountEntry',
  'page3Size',
  'compressedObjectsResolvable',
  'pageCount',
  'placeholder',
  'withLaxNumericComparison',
  'withStrictNumericComparison',
  'detachedDocumentTimestamp',
  'signerDocuments',
  'dssDictionaries',
  'timestampSet',
  'signatureFieldNames',
  'summaryFlag',
  'bottomLine',
  'format',
]);

const sigs = (r: VerificationReport) => r.signatures.filter((s) => s.kind !== 'documentTimestamp');
/** pyHanko's `intact`: the digest of the declared ranges matches; DSS also requires a valid ByteRange. */
let strictIntegrity = true;
const intact = (s: SignatureReport) =>
  s.integrity.digestMatch && s.integrity.cryptoValid && (!strictIntegrity || s.integrity.byteRangeValid);
const bLevel = (s: SignatureReport) => intact(s) && s.integrity.signedAttributesDerSorted && !s.errors.includes('ALGORITHM_MISMATCH');
const anyChange = (s: SignatureReport) =>
  s.modifications.extension || s.modifications.signatureOrFormFill || s.modifications.annotation || s.modifications.other;
const LEVELS = ['NONE', 'LTA_UPDATES', 'FORM_FILLING', 'ANNOTATIONS', 'OTHER'];

function coverageOf(s: SignatureReport): string {
  return s.coverage;
}
function coverageAgree(expected: string, s: SignatureReport): boolean {
  if (expected === 'ENTIRE_FILE' || expected === 'ENTIRE_REVISION') return s.coverage === expected;
  return s.coverage === 'INVALID'; // CONTIGUOUS_BLOCK_FROM_START, UNCLEAR: non-standard coverage, we reject it
}

/** Per-signature keys (also used for firstSignature / eachSignature / signatureSet elements). */
function perSignature(e: Record<string, unknown>, s: SignatureReport | undefined, prefix: string): Check[] {
  const out: Check[] = [];
  const add = (key: string, expected: unknown, actual: unknown, agree: boolean) =>
    out.push({ key: `${prefix}${key}`, expected, actual, agree });
  for (const [k, v] of Object.entries(e)) {
    if (!s) {
      add(k, v, 'missing signature', false);
      continue;
    }
    switch (k) {
      case 'integrity':
        add(k, v, intact(s) ? 'pass' : 'fail', (intact(s) ? 'pass' : 'fail') === v);
        break;
      case 'byteRangeValid':
        add(k, v, s.integrity.byteRangeValid, s.integrity.byteRangeValid === v);
        break;
      case 'signatureDictionaryConsistent':
        add(k, v, s.integrity.dictionaryConsistent, s.integrity.dictionaryConsistent === v);
        break;
      case 'bLevelValid':
        add(k, v, bLevel(s), bLevel(s) === v);
        break;
      case 'coverage':
        add(k, v, coverageOf(s), coverageAgree(String(v), s));
        break;
      case 'modifiedAfterSigning':
        if (typeof v === 'boolean') add(k, v, anyChange(s), anyChange(s) === v);
        break;
      case 'fieldName':
        add(k, v, s.fieldName, s.fieldName === v);
        break;
      case 'modificationLevel': {
        const m = String(v).match(/^<=\s*(\w+)$/);
        const ok = m ? LEVELS.indexOf(s.modifications.level) <= LEVELS.indexOf(m[1]!) : s.modifications.level === v;
        add(k, v, s.modifications.level, ok);
        break;
      }
      case 'changes': {
        const c = v as Record<string, boolean>;
        const actual = {
          extension: s.modifications.extension,
          signatureOrFormFill: s.modifications.signatureOrFormFill,
          annotation: s.modifications.annotation,
          undefined: s.modifications.other,
        };
        add(
          k,
          c,
          actual,
          Object.entries(c).every(([ck, cv]) => actual[ck as keyof typeof actual] === cv),
        );
        break;
      }
      case 'overall':
      case 'subIndication': {
        if (k === 'overall' && e.subIndication !== undefined) break; // checked with subIndication
        const about = ['FORMAT_FAILURE', 'HASH_FAILURE', 'SIG_CRYPTO_FAILURE'].includes(String(e.subIndication));
        if (!about) break; // trust-related: not comparable on this corpus
        add(
          'overall/subIndication',
          `${String(e.overall)}/${String(e.subIndication)}`,
          `${s.indication}/${s.subIndication}`,
          s.indication === e.overall && s.subIndication === e.subIndication,
        );
        break;
      }
      default:
        break; // unmapped per-signature key (hasVRI, policyDigestValid, diffMentions, docmdpOk…)
    }
  }
  return out;
}

export function compare(expect: Record<string, unknown>, r: VerificationReport, source: string): Check[] {
  strictIntegrity = source !== 'pyhanko';
  const out: Check[] = [];
  const list = sigs(r);
  const add = (key: string, expected: unknown, actual: unknown, agree: boolean) => out.push({ key, expected, actual, agree });
  const first = list[0];
  for (const [k, v] of Object.entries(expect)) {
    if (UNMAPPED_KEYS.has(k)) continue;
    switch (k) {
      case 'signatures':
        add(k, v, list.length, list.length === v);
        break;
      case 'documentTimestamps':
        if (typeof v === 'number') {
          const n = r.signatures.length - list.length;
          add(k, v, n, n === v);
        }
        break;
      case 'integrity': {
        const a = list.length > 0 && list.every(intact) ? 'pass' : 'fail';
        add(k, v, a, a === v);
        break;
      }
      case 'byteRangeValid': {
        const a = list.length > 0 && list.every((s) => s.integrity.byteRangeValid);
        add(k, v, a, a === v);
        break;
      }
      case 'signatureDictionaryConsistent': {
        const a = list.every((s) => s.integrity.dictionaryConsistent);
        add(k, v, a, a === v);
        break;
      }
      case 'signerCertificateIdentified': {
        const a = list.length > 0 && list.every((s) => s.integrity.signerCertificateIdentified);
        add(k, v, a, a === v);
        break;
      }
      case 'bLevelValid': {
        const a = list.length > 0 && list.every(bLevel);
        add(k, v, a, a === v);
        break;
      }
      case 'modifiedAfterSigning':
        if (typeof v === 'boolean') {
          const a = list.some(anyChange);
          add(k, v, a, a === v);
        }
        break;
      case 'pageCountChanged': {
        const a = list.some((s) => s.modifications.pageCountChanged);
        add(k, v, a, a === v);
        break;
      }
      case 'changes':
      case 'coverage':
      case 'modificationLevel':
        out.push(...perSignature({ [k]: v }, first, ''));
        break;
      case 'overall':
      case 'subIndication':
        if (v === 'NO_SIGNATURE_FOUND') add(k, v, list.length === 0 ? 'NO_SIGNATURE_FOUND' : r.indication, list.length === 0);
        else if (typeof v === 'string' && (k === 'subIndication' || expect.subIndication === undefined)) {
          const sub = k === 'subIndication' ? v : expect.subIndication;
          const about = ['FORMAT_FAILURE', 'HASH_FAILURE', 'SIG_CRYPTO_FAILURE'].includes(String(sub));
          if (about)
            add(
              'overall/subIndication',
              `${String(expect.overall)}/${String(sub)}`,
              `${r.indication}/${r.subIndication}`,
              r.indication === expect.overall && r.subIndication === sub,
            );
        }
        break;
      case 'firstSignature':
        out.push(...perSignature(v as Record<string, unknown>, list[0], 'first.'));
        break;
      case 'secondSignature':
        out.push(...perSignature(v as Record<string, unknown>, list[1], 'second.'));
        break;
      case 'eachSignature':
        for (const [i, s] of list.entries()) out.push(...perSignature(v as Record<string, unknown>, s, `each[${i}].`));
        break;
      case 'signatureSet':
        out.push(...matchSet(v as Record<string, unknown>[], r.signatures));
        break;
      case 'timestamps': {
        if (v && typeof v === 'object' && typeof (v as { valid?: unknown }).valid === 'number') {
          const all = r.signatures.flatMap((s) => s.timestamps);
          const valid = all.filter((t) => t.valid).length;
          const invalid = all.length - valid;
          const e = v as { valid: number; invalid: number };
          add('timestamps.valid/invalid', `${e.valid}/${e.invalid}`, `${valid}/${invalid}`, valid === e.valid && invalid === e.invalid);
        }
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/** Unordered expectations: find a distinct signature satisfying each element (small n: brute force). */
function matchSet(expected: Record<string, unknown>[], all: readonly SignatureReport[]): Check[] {
  const n = expected.length;
  const pick: number[] = [];
  const used = new Set<number>();
  const ok = (i: number): boolean => {
    if (i === n) return true;
    for (let j = 0; j < all.length; j++) {
      if (used.has(j)) continue;
      if (perSignature(expected[i]!, all[j], '').every((c) => c.agree)) {
        used.add(j);
        pick[i] = j;
        if (ok(i + 1)) return true;
        used.delete(j);
      }
    }
    return false;
  };
  const agree = ok(0);
  return [
    {
      key: 'signatureSet',
      expected,
      actual: agree
        ? pick
        : all.map((s) =>
            perSignature(expected[0] ?? {}, s, '')
              .filter((c) => !c.agree)
              .map((c) => c.key),
          ),
      agree,
    },
  ];
}
