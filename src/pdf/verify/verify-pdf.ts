/**
 * verifyPdf: validation of every signature and document timestamp of a PDF following
 * docs/signatures-and-validation.md rules A-D with ETSI EN 319 102-1 indications (§5.1.3) and PAdES baseline
 * semantics (ETSI EN 319 142-1). Returns a frozen report value; throws only AppError
 * VERIFY_UNREADABLE for input that is not a PDF at all.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../../core/errors.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { Budget, DEFAULT_LIMITS, VerifyLimitError, type VerifyLimits } from './limits.js';
import type { PdfRevisions } from '../syntax/revision-reader.js';
import { isVerifyLimit, limitKey, openForVerification } from './reader.js';
import { PdfDict, PdfName, PdfStream } from '../syntax/objects.js';
import { dictOf, isName, type PdfValue } from './values.js';
import { OID } from '../../core/oids.js';
import { parseCms, type ParsedCms } from '../../cms/parse.js';
import { newHash } from '../../cms/verify.js';
import { tryCertInfo, type CertInfo } from './cert.js';
import { buildChain, validatePath } from './chain.js';
import { checkSigner, findSignerCert, signatureAlgorithmOf, signedAttributeValues } from './cms.js';
import { adobeArchival, checkRevocation, type RevocationFetcher, type RevocationMaterial } from './revocation.js';
import { checkTimestampToken, type TimestampCheck } from './timestamp.js';
import type { TrustStore } from './trust-store.js';
import { diffAfter, viewOf, type DiffResult } from './diff.js';
import { checkMdp } from './mdp.js';
import { checkByteRange, dictionaryConsistent, findSignatures, pdfDate, textField, type FoundSignature } from './signatures.js';
import {
  deepFreeze,
  type CertificateSummary,
  type Indication,
  type PadesLevel,
  type RevocationUse,
  type SignatureReport,
  type SubIndication,
  type TimestampReport,
  type VerificationReport,
} from './report.js';

export interface VerifyPolicy {
  /** Signed attributes not in DER order: DSS fails them (default), OpenSSL accepts them. */
  nonDerSignedAttributes: 'fail' | 'warn';
  /** Changes classified "other" after signing (reject-by-default). */
  undefinedChanges: 'fail' | 'warn';
  /** MD5/SHA-1 digests. */
  weakDigest: 'fail' | 'warn';
}
export const DEFAULT_POLICY: Readonly<VerifyPolicy> = Object.freeze({
  nonDerSignedAttributes: 'fail',
  undefinedChanges: 'fail',
  weakDigest: 'warn',
});

export interface VerifyOptions {
  trust: TrustStore;
  /** Validation time (default: clock.now()). */
  at?: Date;
  clock?: Clock;
  revocation?: RevocationFetcher;
  offline?: boolean;
  limits?: Partial<VerifyLimits>;
  policy?: Partial<VerifyPolicy>;
}

/** Digests too weak for new signatures (ETSI TS 119 312); reported, policy decides. */
const WEAK_DIGESTS = new Set(['md5', 'sha1']);

const RANK: Record<Indication, number> = { TOTAL_PASSED: 0, INDETERMINATE: 1, TOTAL_FAILED: 2 };

function summary(c: CertInfo): CertificateSummary {
  return {
    subject: c.subject,
    issuer: c.issuer,
    serialNumber: c.serialHex,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    sha256: c.sha256,
  };
}

function formatFailureReport(bytes: Buffer, at: Date, key: string): VerificationReport {
  return deepFreeze({
    reportVersion: 1,
    validationTime: at.toISOString(),
    document: { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length, revisions: 0, pages: null },
    indication: 'TOTAL_FAILED',
    subIndication: 'FORMAT_FAILURE',
    signatures: [],
    errors: [key],
    warnings: [],
  });
}

export async function verifyPdf(bytes: Buffer, options: VerifyOptions): Promise<VerificationReport> {
  if (!Buffer.isBuffer(bytes)) throw new TypeError('verifyPdf: bytes must be a Buffer');
  if (!options?.trust) throw new TypeError('verifyPdf: options.trust is required');
  const limits: VerifyLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const policy: VerifyPolicy = { ...DEFAULT_POLICY, ...options.policy };
  const at = options.at ?? (options.clock ?? systemClock).now();
  if (bytes.length > limits.maxFileBytes) return formatFailureReport(bytes, at, 'LIMIT_SIZE');
  const budget = new Budget(limits);
  let pdf: PdfRevisions;
  try {
    pdf = openForVerification(bytes, limits, budget);
  } catch (e) {
    const key = limitKey(e);
    if (key) return formatFailureReport(bytes, at, key);
    throw new AppError('VERIFY_UNREADABLE', 'input is not a readable PDF', { cause: e });
  }
  try {
    return await run(pdf, bytes, options, policy, at, budget);
  } catch (e) {
    const key = limitKey(e);
    if (key) return formatFailureReport(bytes, at, key);
    // a structure we could not walk: never a crash, a FORMAT_FAILURE report. Anything that is not
    // a known parse error is reported under its own key so tests can tell bugs from bad input.
    // (AppErrors inside run() only come from the DER reader: a CMS or certificate we could not walk)
    if (e instanceof AppError) return formatFailureReport(bytes, at, 'PDF_UNREADABLE_STRUCTURE');
    return formatFailureReport(bytes, at, 'VERIFY_INTERNAL_ERROR');
  }
}

/**
 * SHA-256 of the whole document shared with signature digests: [0, b) is hashed once, the state
 * is copied for the signature (Hash.copy) and continued for the document hash, so a large file is
 * read about once instead of twice.
 */
class PrefixHasher {
  private readonly h = createHash('sha256');
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  /** A copy of the SHA-256 state after [0, off), or undefined if already past it. */
  at(off: number): ReturnType<typeof createHash> | undefined {
    if (off < this.pos || off > this.buf.length) return undefined;
    this.h.update(this.buf.subarray(this.pos, off));
    this.pos = off;
    return this.h.copy();
  }
  digest(): string {
    this.h.update(this.buf.subarray(this.pos));
    this.pos = this.buf.length;
    return this.h.digest('hex');
  }
}

interface Work {
  found: FoundSignature;
  report: Partial<Record<keyof SignatureReport, unknown>> & {
    errors: string[];
    warnings: string[];
    adbeCrls?: Buffer[];
    adbeOcsps?: Buffer[];
  };
  kind: SignatureReport['kind'];
  sd: ParsedCms | undefined;
  signerCert: CertInfo | undefined;
  end: number;
  signedRevision: number | undefined;
  intact: boolean;
  structural: boolean;
  tsTimes: Date[];
  timestamps: TimestampReport[];
  /** The checks behind `timestamps` (same order): their TSA chains still need a revocation check. */
  tsChecks: TimestampCheck[];
  diff: DiffResult | undefined;
  hardFail: SubIndication | undefined;
}

async function run(
  pdf: PdfRevisions,
  bytes: Buffer,
  options: VerifyOptions,
  policy: VerifyPolicy,
  at: Date,
  budget: Budget,
): Promise<VerificationReport> {
  const docWarnings: string[] = [];
  const docErrors: string[] = [];
  if (pdf.recovered) docWarnings.push('PDF_XREF_RECOVERED');
  if (pdf.trailerValue('Encrypt') !== undefined) docWarnings.push('ENCRYPTED_DOCUMENT');
  const N = pdf.revisions.length - 1;
  const found = findSignatures(pdf, budget);
  if (found.length > budget.limits.maxSignatures) throw new VerifyLimitError('signatures', 'too many signatures');

  // DSS material (ETSI EN 319 142-1 §5.4.2) from the final revision
  const dss = dictOf(pdf.resolve(pdf.catalog()?.get('DSS')));
  const dssList = (key: string): Buffer[] => {
    const arr = pdf.resolve(dss?.get(key));
    if (!Array.isArray(arr)) return [];
    const out: Buffer[] = [];
    for (const x of arr) {
      const st = pdf.resolve(x);
      if (st instanceof PdfStream) {
        try {
          out.push(pdf.streamData(st));
        } catch (e) {
          if (isVerifyLimit(e)) throw e;
        }
      }
    }
    return out;
  };
  const dssCerts = dssList('Certs');
  const dssOcsps = dssList('OCSPs');
  const dssCrls = dssList('CRLs');
  const dssRevision = dss ? firstRevisionWith(pdf, 'DSS') : undefined;

  const prefix = new PrefixHasher(bytes);
  const works: Work[] = [];
  found.sort((x, y) => byteRangeStartKey(pdf, x.dict) - byteRangeStartKey(pdf, y.dict));
  for (const f of found) {
    budget.check();
    const contents = pdf.resolve(f.dict.get('Contents'));
    // an unsigned placeholder (zero-filled /Contents) is not a signature (ISO 32000-1 §12.8.1)
    if (contents && typeof contents === 'object' && 'bytes' in contents && (contents as { bytes: Buffer }).bytes.every((x) => x === 0)) {
      docWarnings.push('EMPTY_SIGNATURE_PLACEHOLDER');
      continue;
    }
    // DSS rule: an ETSI.RFC3161 dictionary is a document timestamp only with /Type /DocTimeStamp or no /Type
    const sf = pdf.resolve(f.dict.get('SubFilter'));
    const ty = pdf.resolve(f.dict.get('Type'));
    if (isName(sf, 'ETSI.RFC3161') && ty !== undefined && ty !== null && !isName(ty, 'DocTimeStamp')) {
      docWarnings.push('DOC_TIMESTAMP_TYPE_INVALID');
      continue;
    }
    works.push(analyze(pdf, f, policy, dssCerts, budget, prefix));
  }
  works.sort((a, b) => a.end - b.end);
  const diffCache = new Map<number, DiffResult>();
  for (const w of works) {
    if (w.signedRevision === undefined) continue;
    let d = diffCache.get(w.signedRevision);
    if (!d) diffCache.set(w.signedRevision, (d = diffAfter(pdf, w.signedRevision, budget)));
    w.diff = d;
  }
  // revocation material for a signature: its CMS CRLs, adbe-revocationInfoArchival, then the /DSS
  const materialOf = (w: Work, extraCrls: readonly Buffer[] = []): RevocationMaterial => ({
    ocsps: [
      ...(w.report.adbeOcsps ?? []).map((der) => ({ der, origin: 'ADBE_ARCHIVAL' as const })),
      ...dssOcsps.map((der) => ({ der, origin: 'DSS' as const })),
    ],
    crls: [
      ...[...extraCrls, ...(w.sd?.crls ?? [])].map((der) => ({ der, origin: 'CMS' as const })),
      ...(w.report.adbeCrls ?? []).map((der) => ({ der, origin: 'ADBE_ARCHIVAL' as const })),
      ...dssCrls.map((der) => ({ der, origin: 'DSS' as const })),
    ],
  });
  /**
   * A timestamp gives proof of existence only if no certificate of its TSA chain was revoked at
   * genTime (ETSI EN 319 102-1 §5.6.2.3, §5.2.6). Missing data is a warning only: DSS makes it
   * INDETERMINATE under stricter policies alone. A revocation after genTime does not count.
   */
  const tsaRevocation = async (w: Work, tsc: TimestampCheck): Promise<TimestampReport> => {
    const rep = tsc.report;
    if (!tsc.chain?.anchor || !rep.trusted || !tsc.genTime) return rep;
    const material = materialOf(w, tsc.sd?.crls ?? []);
    const uses: RevocationUse[] = [];
    const messages: string[] = [];
    let revoked = false;
    let unknown = false;
    const chain = tsc.chain.chain;
    for (let i = 0; i + 1 < chain.length; i++) {
      const c = chain[i]!;
      if (c.extensions.has(OID.ocspNoCheck)) continue;
      const rv = await checkRevocation(c, chain[i + 1]!, tsc.genTime, material, options.revocation, options.offline ?? false);
      uses.push({
        certificate: c.subject,
        status: rv.status,
        source: rv.source,
        origin: rv.origin ?? null,
        thisUpdate: rv.thisUpdate ?? null,
        revokedAt: rv.revokedAt ?? null,
      });
      messages.push(...rv.messages);
      if (rv.status === 'revoked') revoked = true;
      else if (rv.status === 'unknown') unknown = true;
    }
    const key = revoked ? 'TSA_CERT_REVOKED' : unknown ? 'TSA_REVOCATION_UNKNOWN' : undefined;
    if (key) {
      messages.push(key);
      w.report.warnings.push(key);
    }
    return { ...rep, trusted: !revoked, revocation: uses, messages: [...rep.messages, ...new Set(messages)] };
  };
  for (const w of works) {
    for (const [i, tsc] of w.tsChecks.entries()) {
      budget.check();
      const t = await tsaRevocation(w, tsc);
      w.timestamps[i] = t;
      if (tsc.genTime && t.valid && t.trusted) w.tsTimes.push(tsc.genTime);
    }
  }
  // document timestamps give POE to everything they cover
  for (const w of works) {
    if (w.kind !== 'documentTimestamp' || !w.intact) continue;
    const ts = w.timestamps[0];
    if (!ts?.valid || !ts.trusted || !ts.genTime) continue;
    for (const o of works) if (o !== w && o.end <= w.end) o.tsTimes.push(new Date(ts.genTime));
  }

  const reports: SignatureReport[] = [];
  let index = 0;
  for (const w of works) {
    budget.check();
    const r = w.report;
    const errors = r.errors;
    const warnings = r.warnings;
    const isTst = w.kind === 'documentTimestamp';
    const best = w.tsTimes.length ? new Date(Math.min(...w.tsTimes.map((d) => d.getTime()))) : undefined;
    let indication: Indication = 'TOTAL_PASSED';
    let sub: SubIndication | null = null;
    const worse = (i: Indication, s: SubIndication) => {
      if (RANK[i] > RANK[indication]) {
        indication = i;
        sub = s;
      }
    };
    if (w.hardFail) worse(w.hardFail === 'NO_SIGNING_CERTIFICATE_FOUND' ? 'INDETERMINATE' : 'TOTAL_FAILED', w.hardFail);
    if (!w.signerCert) worse('INDETERMINATE', 'NO_SIGNING_CERTIFICATE_FOUND');
    if (!isTst && (errors.includes('SIGNING_CERTIFICATE_V2_MISMATCH') || errors.includes('SIGNING_CERTIFICATE_V2_ABSENT')))
      worse('INDETERMINATE', 'NO_SIGNING_CERTIFICATE_FOUND');

    // a timestamp that is not bound to this signature (copied) or does not verify (rule 13)
    for (const t of w.timestamps) {
      if (!t.imprintMatches && !isTst) {
        errors.push('TST_IMPRINT_MISMATCH');
        worse('INDETERMINATE', 'SIG_CONSTRAINTS_FAILURE');
      } else if (!t.signatureValid && !isTst) {
        errors.push('TST_SIGNATURE_INVALID');
        worse('INDETERMINATE', 'SIG_CONSTRAINTS_FAILURE');
      }
    }
    // modifications after the signed revision (rules B and C)
    const d = w.diff;
    const field = viewOf(pdf, N, budget).fields.find((x) => x.name === w.found.fieldNames[0]);
    const lock = dictOf(pdf.resolve(field?.dict.get('Lock')));
    const mdp = checkMdp(pdf, w.found.dict, w.kind, d, budget, lock);
    if (d) {
      if (d.pageCountChanged) {
        errors.push('MODIFICATION_PAGE_COUNT');
        worse('TOTAL_FAILED', 'FORMAT_FAILURE');
      }
      if (d.other) {
        errors.push('MODIFICATION_OTHER');
        if (policy.undefinedChanges === 'fail') worse('TOTAL_FAILED', 'SIG_CONSTRAINTS_FAILURE');
      }
      if (d.annotation) warnings.push('MODIFICATION_ANNOTATION');
      if (d.signatureOrFormFill) warnings.push('MODIFICATION_FORM_FILL');
    }
    if (mdp.violations.length) {
      errors.push(...mdp.violations);
      worse('TOTAL_FAILED', 'SIG_CONSTRAINTS_FAILURE');
    }

    // certificate chain, trust, revocation (rule 12)
    let chain: CertificateSummary[] = [];
    let anchor: string | null = null;
    const revocation: RevocationUse[] = [];
    if (w.signerCert && w.sd) {
      const pool = [...w.sd.certificates, ...dssCerts].map((x) => tryCertInfo(x)).filter((c): c is CertInfo => !!c);
      const built = buildChain(w.signerCert, pool, options.trust);
      chain = built.chain.map(summary);
      anchor = built.anchor?.subject ?? null;
      const leafAt = best ?? at;
      const path = validatePath(built, at, isTst ? 'timestamping' : 'signing', leafAt);
      if (!path.ok) {
        errors.push(...path.messages);
        const s = path.subIndication!;
        worse(s === 'NOT_YET_VALID' || s === 'SIG_CONSTRAINTS_FAILURE' ? 'TOTAL_FAILED' : 'INDETERMINATE', s);
      } else {
        const material = materialOf(w);
        for (let i = 0; i + 1 < built.chain.length; i++) {
          const c = built.chain[i]!;
          if (c.extensions.has('1.3.6.1.5.5.7.48.1.5')) continue; // id-pkix-ocsp-nocheck
          const rv = await checkRevocation(c, built.chain[i + 1]!, leafAt, material, options.revocation, options.offline ?? false);
          revocation.push({
            certificate: c.subject,
            status: rv.status,
            source: rv.source,
            origin: rv.origin ?? null,
            thisUpdate: rv.thisUpdate ?? null,
            revokedAt: rv.revokedAt ?? null,
          });
          warnings.push(...new Set(rv.messages));
          if (rv.status === 'revoked') {
            errors.push('CERT_REVOKED');
            worse('TOTAL_FAILED', 'REVOKED');
          } else if (rv.status === 'unknown') worse('INDETERMINATE', 'TRY_LATER');
        }
      }
    }
    const level = padesLevel(w, works, dssRevision, dssOcsps.length + dssCrls.length > 0);
    const claimed = pdfDate(textField(pdf, w.found.dict, 'M'));
    reports.push({
      index: index++,
      fieldName: w.found.fieldNames[0] ?? null,
      fieldNames: w.found.fieldNames,
      kind: w.kind,
      subFilter: (r.subFilter as string | null) ?? null,
      level,
      signer: w.signerCert ? summary(w.signerCert) : null,
      chain,
      trustAnchor: anchor,
      revocation,
      claimedSigningTime: claimed,
      bestSignatureTime: (best ?? at).toISOString(),
      timestamps: w.timestamps,
      integrity: r.integrity as SignatureReport['integrity'],
      coverage: r.coverage as SignatureReport['coverage'],
      signedRevision: r.signedRevision as SignatureReport['signedRevision'],
      modifications: d
        ? {
            extension: d.extension,
            signatureOrFormFill: d.signatureOrFormFill,
            annotation: d.annotation,
            other: d.other,
            pageCountChanged: d.pageCountChanged,
            level: d.level,
            details: d.details,
          }
        : {
            extension: false,
            signatureOrFormFill: false,
            annotation: false,
            other: false,
            pageCountChanged: false,
            level: 'NONE',
            details: [],
          },
      mdp,
      indication,
      subIndication: sub,
      errors: [...new Set(errors)],
      warnings: [...new Set(warnings)],
    });
  }
  let indication: Indication = 'TOTAL_PASSED';
  let sub: SubIndication | null = null;
  for (const s of reports)
    if (RANK[s.indication] > RANK[indication]) {
      indication = s.indication;
      sub = s.subIndication;
    }
  if (reports.length === 0) {
    indication = 'INDETERMINATE';
    sub = 'NO_SIGNATURE_FOUND';
    docErrors.push('NO_SIGNATURE_FOUND');
  }
  return deepFreeze({
    reportVersion: 1,
    validationTime: at.toISOString(),
    document: {
      sha256: prefix.digest(),
      bytes: bytes.length,
      revisions: pdf.revisions.length,
      pages: viewOf(pdf, N, budget).pageNums.length,
    },
    indication,
    subIndication: sub,
    signatures: reports,
    errors: docErrors,
    warnings: docWarnings,
  });

  function padesLevel(w: Work, all: Work[], dssRev: number | undefined, hasRevData: boolean): PadesLevel {
    const sf = w.report.subFilter;
    if (w.kind === 'documentTimestamp') return 'B-LTA';
    if (sf !== 'ETSI.CAdES.detached') return sf === 'adbe.pkcs7.detached' || sf === 'adbe.pkcs7.sha1' ? 'PKCS7' : 'NOT_ETSI';
    const sigTs = w.timestamps.some((t) => t.type === 'signature');
    const docTsAfter = all.filter((o) => o.kind === 'documentTimestamp' && o.end > w.end);
    if (!sigTs && docTsAfter.length === 0) return 'B-B';
    const lt = hasRevData && dssRev !== undefined && w.signedRevision !== undefined && dssRev > w.signedRevision;
    if (!lt) return 'B-T';
    const ltaEnd = pdf.revisions[dssRev!]?.end ?? Infinity;
    return docTsAfter.some((o) => o.end > ltaEnd - 1 && (o.signedRevision ?? -1) >= dssRev!) ? 'B-LTA' : 'B-LT';
  }

  function firstRevisionWith(p: PdfRevisions, key: string): number | undefined {
    for (let r = 0; r <= N; r++) if (p.catalog(r)?.get(key) !== undefined) return r;
    return undefined;
  }

  function analyze(p: PdfRevisions, f: FoundSignature, pol: VerifyPolicy, extraCerts: Buffer[], b: Budget, prefix: PrefixHasher): Work {
    void b;
    const errors: string[] = [];
    const warnings: string[] = [];
    const dict = f.dict;
    const subFilterV = p.resolve(dict.get('SubFilter'));
    const subFilter = subFilterV instanceof PdfName ? subFilterV.name : null;
    const type = p.resolve(dict.get('Type'));
    let kind: SignatureReport['kind'] = 'approval';
    if (subFilter === 'ETSI.RFC3161') {
      if (type === undefined || type === null || isName(type, 'DocTimeStamp')) kind = 'documentTimestamp';
      else warnings.push('DOC_TIMESTAMP_TYPE_INVALID');
    } else {
      const perms = dictOf(p.resolve(p.catalog()?.get('Perms')));
      const dm = perms?.get('DocMDP');
      if (dm && f.num !== undefined && (dm as { num?: number }).num === f.num) kind = 'certification';
      else if (hasDocMdpReference(p, dict)) kind = 'certification';
    }
    const br = checkByteRange(p, dict);
    errors.push(...br.messages);
    const consistent = br.valid ? dictionaryConsistent(p, f, br.signedRevision) : false;
    if (br.valid && !consistent) errors.push('SIGNATURE_DICTIONARY_INCONSISTENT');
    let hardFail: SubIndication | undefined = !br.valid || br.coverage === 'INVALID' || !consistent ? 'FORMAT_FAILURE' : undefined;
    const w: Work = {
      found: f,
      kind,
      sd: undefined,
      signerCert: undefined,
      end: br.byteRange ? br.byteRange[2]! + br.byteRange[3]! : Number.MAX_SAFE_INTEGER,
      signedRevision: br.signedRevision,
      intact: false,
      structural: br.valid,
      tsTimes: [],
      timestamps: [],
      tsChecks: [],
      diff: undefined,
      hardFail,
      report: {
        errors,
        warnings,
        subFilter,
        coverage: br.coverage,
        signedRevision: { index: br.signedRevision ?? null, length: br.signedLength },
      },
    };
    const integrity = {
      byteRange: br.byteRange,
      byteRangeValid: br.valid,
      digestMatch: false,
      cryptoValid: false,
      signedAttributesDerSorted: true,
      signerCertificateIdentified: false,
      dictionaryConsistent: consistent,
      digestAlgorithm: null as string | null,
      signatureAlgorithm: null as string | null,
    };
    w.report.integrity = integrity;
    const contents = p.resolve(dict.get('Contents'));
    const cms = contents && typeof contents === 'object' && 'bytes' in contents ? (contents as { bytes: Buffer }).bytes : undefined;
    // the digest is computed over the declared ranges whenever they lie inside the file, so the
    // report says whether the bytes match even when the layout itself is invalid (rule A)
    const ranges = (): Buffer[] => (br.hashable ?? []).map(([a, e]) => p.buf.subarray(a, e));
    const rangeDigest = (h: string): Buffer => {
      const rs = br.hashable ?? [];
      const shared = h === 'sha256' && rs.length > 0 && rs[0]![0] === 0 ? prefix.at(rs[0]![1]) : undefined;
      const hash = shared ?? newHash(h);
      ranges().forEach((part, i) => {
        if (!(shared && i === 0)) hash.update(part);
      });
      return hash.digest();
    };
    if (!cms || cms.length === 0) {
      errors.push('CMS_MALFORMED');
      w.hardFail = hardFail ?? 'FORMAT_FAILURE';
      return w;
    }
    if (kind === 'documentTimestamp') {
      const tsc = checkTimestampToken(
        cms,
        'document',
        (h) => (br.hashable ? rangeDigest(h) : Buffer.alloc(0)),
        extraCerts,
        options.trust,
        at,
      );
      w.timestamps = [tsc.report];
      w.sd = tsc.sd;
      w.signerCert = tsc.signerCert;
      integrity.digestMatch = !!br.hashable && tsc.report.imprintMatches;
      integrity.cryptoValid = tsc.report.signatureValid;
      integrity.signerCertificateIdentified = !!tsc.signerCert;
      if (!tsc.sd) {
        errors.push('CMS_MALFORMED');
        hardFail = hardFail ?? 'FORMAT_FAILURE';
      } else if (!integrity.digestMatch) {
        errors.push('DIGEST_MISMATCH');
        hardFail = hardFail ?? 'HASH_FAILURE';
      } else if (!integrity.cryptoValid) {
        errors.push('SIGNATURE_INVALID');
        hardFail = hardFail ?? 'SIG_CRYPTO_FAILURE';
      }
      w.tsChecks = [tsc];
      w.intact = integrity.digestMatch && integrity.cryptoValid;
      w.hardFail = hardFail;
      return w;
    }
    let sd: ParsedCms;
    try {
      sd = parseCms(cms);
    } catch {
      errors.push('CMS_MALFORMED');
      w.hardFail = hardFail ?? 'FORMAT_FAILURE';
      return w;
    }
    w.sd = sd;
    if (sd.signerInfoCount !== 1) {
      errors.push('CMS_NOT_ONE_SIGNER');
      hardFail = hardFail ?? 'FORMAT_FAILURE';
    }
    const s = sd.signerInfos[0];
    if (!s) {
      w.hardFail = hardFail;
      return w;
    }
    const isSha1Filter = subFilter === 'adbe.pkcs7.sha1';
    const eContent = sd.encapsulatedContent;
    if (eContent && !isSha1Filter) {
      errors.push('CMS_ENCAPSULATED_CONTENT');
      hardFail = hardFail ?? 'FORMAT_FAILURE';
    }
    integrity.digestAlgorithm = s.digestAlgorithm;
    const alg = signatureAlgorithmOf(s);
    integrity.signatureAlgorithm = alg.name ?? null;
    if (WEAK_DIGESTS.has(s.digestAlgorithm)) {
      (pol.weakDigest === 'fail' ? errors : warnings).push('DIGEST_ALGORITHM_WEAK');
      if (pol.weakDigest === 'fail') hardFail = hardFail ?? 'CRYPTO_CONSTRAINTS_FAILURE';
    }
    const cert = findSignerCert(s, [...sd.certificates, ...extraCerts]);
    w.signerCert = cert;
    if (!cert) {
      // without the certificate the value cannot be checked: INDETERMINATE unless already failed
      errors.push('SIGNER_CERT_MISSING');
      w.hardFail = hardFail;
      return w;
    }
    // adbe.pkcs7.sha1: the signed content is the SHA-1 of the byte ranges, carried as eContent
    // with encapsulated content the signature covers that content (RFC 5652 §5.4), not the PDF;
    // adbe.pkcs7.sha1 carries the SHA-1 of the byte ranges there
    const contentDigest = (h: string): Buffer => {
      if (eContent) return newHash(h).update(eContent).digest();
      return br.hashable ? rangeDigest(h) : Buffer.alloc(0);
    };
    const chk = checkSigner(sd, s, cert, contentDigest, () => (eContent ? [eContent] : br.hashable ? ranges() : [Buffer.alloc(0)]));
    let digestMatch = !!br.hashable && chk.digestMatch;
    if (eContent) digestMatch = digestMatch && isSha1Filter && rangeDigest('sha1').equals(eContent);
    integrity.digestMatch = digestMatch;
    integrity.cryptoValid = chk.cryptoValid;
    const derSorted = s.signedAttributesDerSorted ?? true;
    integrity.signedAttributesDerSorted = derSorted;
    errors.push(...chk.messages);
    const ess = chk.signingCertificateV2;
    integrity.signerCertificateIdentified = ess === 'match' || ess === 'v1-match';
    if (ess === 'absent') (subFilter === 'ETSI.CAdES.detached' ? errors : warnings).push('SIGNING_CERTIFICATE_V2_ABSENT');
    if (ess === 'mismatch' || ess === 'v1-mismatch') errors.push('SIGNING_CERTIFICATE_V2_MISMATCH');
    if (ess.startsWith('v1')) warnings.push('SIGNING_CERTIFICATE_V1_ONLY');
    if (chk.signingTimePresent && subFilter === 'ETSI.CAdES.detached') warnings.push('SIGNING_TIME_ATTRIBUTE_PRESENT');
    if (!chk.contentTypeOk) warnings.push('SIGNED_ATTRIBUTES_CONTENT_TYPE');
    if (!derSorted) (pol.nonDerSignedAttributes === 'fail' ? errors : warnings).push('SIGNED_ATTRIBUTES_NOT_DER');
    if (!digestMatch) {
      errors.push('DIGEST_MISMATCH');
      hardFail = hardFail ?? 'HASH_FAILURE';
    } else if (!chk.cryptoValid || !chk.algorithmsConsistent) {
      if (!chk.cryptoValid) errors.push('SIGNATURE_INVALID');
      hardFail = hardFail ?? 'SIG_CRYPTO_FAILURE';
    } else if (!derSorted && pol.nonDerSignedAttributes === 'fail') hardFail = hardFail ?? 'SIG_CRYPTO_FAILURE';
    w.intact = digestMatch && chk.cryptoValid;
    // unsigned attributes: signature timestamps (ETSI EN 319 142-1 §5.3, B-T)
    for (const der of s.timestampTokens) {
      const tsc = checkTimestampToken(
        der,
        'signature',
        (h) => newHash(h).update(s.signature).digest(),
        [...sd.certificates, ...extraCerts],
        options.trust,
        at,
      );
      w.timestamps.push(tsc.report);
      w.tsChecks.push(tsc);
    }
    // adbe-revocationInfoArchival (signed attribute)
    const arch = signedAttributeValues(s, OID.adobeRevocationInfoArchival)[0];
    if (arch) {
      try {
        const a = adobeArchival(arch);
        w.report.adbeCrls = a.crls;
        w.report.adbeOcsps = a.ocsps;
      } catch {
        warnings.push('REVOCATION_ARCHIVAL_MALFORMED');
      }
    }
    w.hardFail = hardFail;
    return w;
  }
}

function byteRangeStartKey(p: PdfRevisions, d: PdfDict): number {
  const br = p.resolve(d.get('ByteRange'));
  const b = Array.isArray(br) ? br[1] : undefined;
  return typeof b === 'number' ? b : Number.MAX_SAFE_INTEGER;
}

function hasDocMdpReference(p: PdfRevisions, dict: PdfDict): boolean {
  const refs = p.resolve(dict.get('Reference'));
  if (!Array.isArray(refs)) return false;
  return refs.some((r: PdfValue) => isName(dictOf(p.resolve(r))?.get('TransformMethod'), 'DocMDP'));
}

/** The signed revision (bytes [0, c+d)) a person should look at (docs/signatures-and-validation.md "The report"). */
export function signedRevisionBytes(pdf: Buffer, report: VerificationReport, signatureIndex: number): Buffer | undefined {
  const s = report.signatures[signatureIndex];
  if (!s || !s.integrity.byteRangeValid || s.signedRevision.length <= 0 || s.signedRevision.length > pdf.length) return undefined;
  return pdf.subarray(0, s.signedRevision.length);
}
