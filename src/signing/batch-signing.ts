import { AppError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import { hashOf, type HashName, type Signer } from '../core/signature-algorithms.js';
import { LEVEL_RANK, parsePadesLevel } from '../core/pades-level.js';
import { assembleSignedData, signDetachedCms } from '../cms/signed-data.js';
import { signerCmsTemplate, type DetachedCmsTemplate } from '../cms/detached-template.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { KeyStore } from '../keys/key-store.js';
import type { CredentialService } from './credential-service.js';
import { checkSignerCertificate, type CertificateStatusPort } from './certificate-checks.js';
import { certId } from './document-identity.js';
import { auditBatch, auditedError, failedItem, screenPdfs } from './batch-items.js';
import { estimatePlaceholder, exactBbPlaceholder, signatureLength, withPlaceholderRetry, type PlaceholderBudget } from './placeholder.js';
import { resolveSigner } from './signer-resolution.js';
import type { CertificateHolderPort } from './certificate-holders.js';
import type { PreparedPdf } from './signing-ports.js';
import type { BatchItemResult, SignOptions, SignerSource } from './types.js';

/**
 * Batch signing (POST /api/v1/sign/batch, docs/signatures-and-validation.md "Batch signing"):
 * one authorization for N documents, as the Cloud Signature Consortium API's credentials/authorize
 * gives one SAD for numSignatures.
 *
 * At PAdES B-B the signer is resolved once for the whole batch: the N units of the authorization
 * are taken in one conditional UPDATE (never more than its count, even when batches race), the key
 * is opened once and the signer certificate is checked once (key usage, validity, revocation).
 * Then each document only gets its incremental update (ISO 32000-1 §7.5.6), its CMS (RFC 5652)
 * and one private-key operation; those run on libuv's threadpool (node:crypto's callback form),
 * so the key works on document k while the main thread prepares document k + 1. One
 * `signing.batch` audit event lists every signed document by index and byte-range digest.
 *
 * Levels with a timestamp or validation data (B-T and above) sign document by document through
 * the one-document path (one `signing.sign` event each): the TSA round trip dominates there.
 */
export interface BatchSigningDeps {
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly keyStore?: KeyStore | undefined;
  readonly credentials?: CredentialService | undefined;
  readonly certificateStatus?: CertificateStatusPort | undefined;
  readonly certificateHolders?: CertificateHolderPort | undefined;
  readonly placeholder?: PlaceholderBudget | undefined;
  /** The one-document path (audited per document). */
  sign(pdf: Buffer, options: SignOptions): Promise<Buffer>;
  /** The incremental update with an empty /Contents of `size` bytes (appearance, field, DocMDP…). */
  prepare(pdf: Buffer, options: SignOptions, certificates: readonly Buffer[], now: Date, size: number): Promise<PreparedPdf>;
}

export interface BatchResult {
  readonly authorizationId?: string;
  readonly results: BatchItemResult[];
}

/** Documents in flight at once: enough to keep the threadpool's key operation and the main thread's preparation overlapped. */
const IN_FLIGHT = 4;

export async function signBatch(deps: BatchSigningDeps, pdfs: readonly Buffer[], options: SignOptions): Promise<BatchResult> {
  const actor = options.actorId ?? 'anonymous';
  if (pdfs.length === 0) throw new AppError('VALIDATION_FAILED', 'a batch needs at least one document');
  const level = parsePadesLevel(options.level);
  let source: SignerSource = options.signer;
  let authorizationId: string | undefined;
  if (source.kind === 'credential' && 'pin' in source) {
    if (!deps.credentials) throw new TypeError('signBatch: no CredentialService configured');
    const auth = await deps.credentials.authorizeBatch(source.credentialId, actor, source.pin, pdfs.length);
    authorizationId = auth.id;
    source = { kind: 'credential', credentialId: source.credentialId, authorizationId: auth.id };
  }
  const perDocument = { ...options, signer: source };
  const out = LEVEL_RANK[level] === 0 ? await signAtOnce(deps, pdfs, perDocument) : await signOneByOne(deps, pdfs, perDocument);
  return { ...(authorizationId ? { authorizationId } : {}), results: out };
}

async function signOneByOne(deps: BatchSigningDeps, pdfs: readonly Buffer[], options: SignOptions): Promise<BatchItemResult[]> {
  const results: BatchItemResult[] = [];
  for (const [index, pdf] of pdfs.entries()) {
    try {
      results.push({ index, ok: true, pdf: await deps.sign(pdf, options) });
    } catch (err) {
      results.push(failedItem(index, err));
    }
  }
  await auditBatch(deps.audit, options, results, {});
  return results;
}

async function signAtOnce(deps: BatchSigningDeps, pdfs: readonly Buffer[], options: SignOptions): Promise<BatchItemResult[]> {
  const actor = options.actorId ?? 'anonymous';
  const { results, todo } = screenPdfs<BatchItemResult>(pdfs);
  if (todo.length === 0) {
    await auditBatch(deps.audit, options, results, {});
    return results;
  }
  let resolved;
  try {
    // A document refused above takes no unit; each one tried below takes one.
    resolved = await resolveSigner(options.signer, actor, deps, options.algorithm, todo.length);
    await checkSignerCertificate({
      certificates: resolved.certificates,
      publicKeySpki: resolved.signer.publicKeySpki,
      at: deps.clock.now(),
      ...(deps.certificateStatus ? { status: deps.certificateStatus } : {}),
    });
  } catch (err) {
    await deps.audit.append({
      actor,
      role: 'signer',
      action: 'signing.batch',
      outcome: 'failure',
      details: { level: 'B-B', documents: pdfs.length, signed: 0, ...auditedError(err) },
    });
    throw err;
  }
  const { signer, certificates } = resolved;
  const now = options.signingTime ?? deps.clock.now();
  const hash = options.digestAlgorithm ?? hashOf(signer.algorithm);
  const chain = certificates.slice(1);
  const size =
    exactBbPlaceholder({ signer, signerCertificate: certificates[0]!, chain, hash }) ??
    estimatePlaceholder(certificates, false, deps.placeholder);
  // Keys whose signatures all have one length (RSA): each document's CMS is the signer's template
  // with its digest and signature copied in (../cms/detached-template.ts; built once per signer
  // certificate and chain, the credential's certificates being interned objects).
  const length = signatureLength(signer.publicKeySpki);
  const template = length?.fixed
    ? signerCmsTemplate({
        signer,
        signerCertificate: certificates[0]!,
        certificates: chain,
        digestAlgorithm: hash,
        signatureBytes: length.max,
      })
    : undefined;
  const signatures: { index: number; signedDigest: string; inputBytes: number; outputBytes: number }[] = [];
  await inTurn(todo, IN_FLIGHT, async (index) => {
    const pdf = pdfs[index]!;
    try {
      const { signed, digest } = await signOne(deps, pdf, options, { signer, certificates, chain, hash, now, size, template });
      results[index] = { index, ok: true, pdf: signed };
      signatures.push({ index, signedDigest: digest.toString('hex'), inputBytes: pdf.length, outputBytes: signed.length });
    } catch (err) {
      results[index] = failedItem(index, err);
    }
  });
  signatures.sort((a, b) => a.index - b.index);
  await auditBatch(deps.audit, options, results, {
    source: resolved.source,
    certificate: certId(certificates[0]!),
    signatures,
  });
  return results;
}

/** One document: its incremental update, the detached CMS over its byte ranges, embedded. */
function signOne(
  deps: BatchSigningDeps,
  pdf: Buffer,
  options: SignOptions,
  k: {
    signer: Signer;
    certificates: Buffer[];
    chain: Buffer[];
    hash: HashName;
    now: Date;
    size: number;
    template: DetachedCmsTemplate | undefined;
  },
): Promise<{ signed: Buffer; digest: Buffer }> {
  return withPlaceholderRetry(k.size, async (size) => {
    const prepared = await deps.prepare(pdf, options, k.certificates, k.now, size);
    const digest = prepared.digest(k.hash);
    const cms = k.template
      ? await signFromTemplate(k.template, digest, k)
      : await signDetachedCms({
          contentDigest: digest,
          signer: k.signer,
          signerCertificate: k.certificates[0]!,
          certificates: k.chain,
          digestAlgorithm: k.hash,
        });
    return { signed: prepared.embed(cms), digest };
  });
}

/** The same CMS as signDetachedCms, from the batch's template (assembled in full should a signature ever have another length). */
async function signFromTemplate(
  template: DetachedCmsTemplate,
  digest: Buffer,
  k: { signer: Signer; certificates: Buffer[]; chain: Buffer[]; hash: HashName },
): Promise<Buffer> {
  const signedAttributes = template.signedAttributes(digest);
  const signature = await k.signer.sign(signedAttributes);
  return (
    template.assemble(digest, signature) ??
    assembleSignedData({
      signedAttributes,
      signature,
      algorithm: k.signer.algorithm,
      digestAlgorithm: k.hash,
      signerCertificate: k.certificates[0]!,
      certificates: k.chain,
    })
  );
}

/** Runs `work` over `items` with at most `limit` at once; resolves when all are done. */
async function inTurn<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
