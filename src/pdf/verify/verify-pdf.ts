/**
 * verifyPdf: validation of every signature and document timestamp of a PDF following
 * docs/signatures-and-validation.md rules A-D with ETSI EN 319 102-1 indications (§5.1.3) and PAdES baseline
 * semantics (ETSI EN 319 142-1). Returns a frozen report value; throws only AppError
 * VERIFY_UNREADABLE for input that is not a PDF at all.
 *
 * Each signature goes through typed steps (steps/): integrity, timestamps (TSA revocation, POE),
 * modifications, certificate path and revocation; this file only orders them and assembles the
 * report.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../../core/errors.js';
import { systemClock } from '../../core/clock.js';
import { Budget, DEFAULT_LIMITS, VerifyLimitError, type VerifyLimits } from './limits.js';
import type { PdfRevisions } from '../syntax/revision-reader.js';
import { limitKey, openForVerification } from './reader.js';
import { PdfDict } from '../syntax/objects.js';
import { isName } from './values.js';
import { diffAfter, viewOf, type DiffResult } from './diff.js';
import { findSignatures, pdfDate, textField } from './signatures.js';
import { deepFreeze } from '../../core/deep-freeze.js';
import { type ChangeReport, type SignatureReport, type StructureFinding, type VerificationReport } from './report.js';
import { applyStructureFindings, checkDocumentStructure } from './steps/document-structure.js';
import type { SignatureWork, VerifyContext } from './steps/context.js';
import { readDss } from './steps/dss-material.js';
import { checkIntegrity } from './steps/integrity.js';
import { applyDocumentTimestampPoe, checkTimestamps } from './steps/timestamps.js';
import { checkModifications } from './steps/modifications.js';
import { certificateSummary, checkCertificatePath } from './steps/certificate-path.js';
import { padesLevel } from './steps/pades-level.js';
import { PrefixHasher } from './steps/prefix-hasher.js';
import { Verdict } from './steps/verdict.js';
import { DEFAULT_POLICY, type VerifyOptions, type VerifyPolicy } from './steps/options.js';
import { changesAfter } from './changes.js';
import { reportState } from './state.js';

export { DEFAULT_POLICY, type VerifyOptions, type VerifyPolicy } from './steps/options.js';

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
    structure: [],
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
  const last = pdf.revisions.length - 1;
  const found = findSignatures(pdf, budget);
  if (found.length > budget.limits.maxSignatures) throw new VerifyLimitError('signatures', 'too many signatures');
  const ctx: VerifyContext = {
    pdf,
    policy,
    at,
    now: (options.clock ?? systemClock).now(),
    budget,
    trust: options.trust,
    revocation: options.revocation,
    offline: options.offline ?? false,
    dss: readDss(pdf),
    prefix: new PrefixHasher(bytes),
  };

  // integrity of every signature, in byte order so the document hash is shared (PrefixHasher)
  const works: SignatureWork[] = [];
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
    const integrity = checkIntegrity(ctx, f);
    works.push({
      ...integrity,
      timestamps: integrity.timestampChecks.map((t) => t.report),
      proofTimes: [],
      diff: undefined,
      coverings: [],
    });
  }
  works.sort((a, b) => a.end - b.end);
  const diffCache = new Map<number, DiffResult>();
  for (const w of works) {
    if (w.signedRevisionIndex === undefined) continue;
    let d = diffCache.get(w.signedRevisionIndex);
    if (!d) diffCache.set(w.signedRevisionIndex, (d = diffAfter(pdf, w.signedRevisionIndex, budget, options.classifyChange)));
    w.diff = d;
  }
  const signedRevisions = works.map((w) => w.signedRevisionIndex).filter((r): r is number => r !== undefined);
  const structure = checkDocumentStructure(pdf, signedRevisions.length ? Math.min(...signedRevisions) : undefined);
  for (const f of structure) if (!docWarnings.includes(f.key)) docWarnings.push(f.key);
  for (const w of works) await checkTimestamps(ctx, w);
  applyDocumentTimestampPoe(works);

  const reports: SignatureReport[] = [];
  for (const w of works) {
    budget.check();
    reports.push(await signatureReport(ctx, w, works, structure, reports.length));
  }
  const overall = new Verdict();
  for (const s of reports) overall.worse(s.indication, s.subIndication);
  if (reports.length === 0) {
    overall.worse('INDETERMINATE', 'NO_SIGNATURE_FOUND');
    docErrors.push('NO_SIGNATURE_FOUND');
  }
  return deepFreeze({
    reportVersion: 1,
    validationTime: at.toISOString(),
    document: {
      sha256: ctx.prefix.digest(),
      bytes: bytes.length,
      revisions: pdf.revisions.length,
      pages: viewOf(pdf, last, budget).pageNums.length,
    },
    indication: overall.indication,
    subIndication: overall.subIndication,
    signatures: reports,
    errors: docErrors,
    warnings: docWarnings,
    structure,
    state: reportState({ indication: overall.indication, signatures: reports }),
  });
}

/** The changes after a signature for people: coverings first (they decide the verdict), then the rest of the diff not already named. */
function locatedChanges(ctx: VerifyContext, w: SignatureWork, diff: DiffResult, signedRevision: number): ChangeReport[] {
  const same = (a: ChangeReport, b: ChangeReport) => a.page === b.page && JSON.stringify(a.rect) === JSON.stringify(b.rect);
  const rest = changesAfter(ctx.pdf, signedRevision, diff, ctx.budget).filter((c) => !w.coverings.some((x) => same(x, c)));
  return [...w.coverings, ...rest];
}

/** Runs the remaining steps of one signature and assembles its report entry. */
async function signatureReport(
  ctx: VerifyContext,
  w: SignatureWork,
  all: readonly SignatureWork[],
  structure: readonly StructureFinding[],
  index: number,
): Promise<SignatureReport> {
  const { errors, warnings } = w;
  const isTst = w.kind === 'documentTimestamp';
  const best = w.proofTimes.length ? new Date(Math.min(...w.proofTimes.map((d) => d.getTime()))) : undefined;
  const verdict = new Verdict();
  if (w.hardFail) verdict.worse(w.hardFail === 'NO_SIGNING_CERTIFICATE_FOUND' ? 'INDETERMINATE' : 'TOTAL_FAILED', w.hardFail);
  if (!w.signerCert) verdict.worse('INDETERMINATE', 'NO_SIGNING_CERTIFICATE_FOUND');
  if (!isTst && (errors.includes('SIGNING_CERTIFICATE_V2_MISMATCH') || errors.includes('SIGNING_CERTIFICATE_V2_ABSENT')))
    verdict.worse('INDETERMINATE', 'NO_SIGNING_CERTIFICATE_FOUND');
  // a timestamp that is not bound to this signature (copied) or does not verify (rule 13)
  for (const t of w.timestamps) {
    if (!t.imprintMatches && !isTst) {
      errors.push('TST_IMPRINT_MISMATCH');
      verdict.worse('INDETERMINATE', 'SIG_CONSTRAINTS_FAILURE');
    } else if (!t.signatureValid && !isTst) {
      errors.push('TST_SIGNATURE_INVALID');
      verdict.worse('INDETERMINATE', 'SIG_CONSTRAINTS_FAILURE');
    }
  }
  applyStructureFindings(structure, errors, verdict);
  const { modifications, mdp } = await checkModifications(ctx, w, all, verdict);
  const path = await checkCertificatePath(ctx, w, best, verdict);
  return {
    index,
    fieldName: w.found.fieldNames[0] ?? null,
    fieldNames: w.found.fieldNames,
    kind: w.kind,
    subFilter: w.subFilter,
    level: padesLevel(ctx.pdf, w, all, path),
    signer: w.signerCert ? certificateSummary(w.signerCert) : null,
    chain: path.chain,
    trustAnchor: path.trustAnchor,
    revocation: path.revocation,
    claimedSigningTime: pdfDate(textField(ctx.pdf, w.found.dict, 'M')),
    bestSignatureTime: (best ?? ctx.at).toISOString(),
    provenSigningTime: best?.toISOString() ?? null,
    timestamps: w.timestamps,
    integrity: w.integrity,
    coverage: w.coverage,
    signedRevision: w.signedRevision,
    modifications,
    ...(w.diff && w.signedRevisionIndex !== undefined ? { changes: locatedChanges(ctx, w, w.diff, w.signedRevisionIndex) } : {}),
    mdp,
    indication: verdict.indication,
    subIndication: verdict.subIndication,
    errors: [...new Set(errors)],
    warnings: [...new Set(warnings)],
  };
}

function byteRangeStartKey(p: PdfRevisions, d: PdfDict): number {
  const br = p.resolve(d.get('ByteRange'));
  const b = Array.isArray(br) ? br[1] : undefined;
  return typeof b === 'number' ? b : Number.MAX_SAFE_INTEGER;
}

/** The signed revision (bytes [0, c+d)) a person should look at (docs/signatures-and-validation.md "The report"). */
export function signedRevisionBytes(pdf: Buffer, report: VerificationReport, signatureIndex: number): Buffer | undefined {
  const s = report.signatures[signatureIndex];
  if (!s || !s.integrity.byteRangeValid || s.signedRevision.length <= 0 || s.signedRevision.length > pdf.length) return undefined;
  return pdf.subarray(0, s.signedRevision.length);
}
