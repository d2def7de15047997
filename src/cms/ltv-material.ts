import { X509Certificate, createHash } from 'node:crypto';
import { AppError } from '../core/errors.js';
import { certificateInfo, crlUrls, isSelfIssued, namesEqual, type CertificateInfo } from './certificate-info.js';
import { internCertificate } from './certificate-intern.js';
import { parseCms } from './parse.js';
import { parseOcspResponse } from './ocsp.js';
import { findSignerCertificate } from './verify.js';
import { walkIssuers } from '../pki/path/issuer-walk.js';
import { renderName } from '../pki/names.js';

/**
 * Validation material for PAdES B-LT (ETSI EN 319 142-1 §5.4.2 /DSS): the certificates of the
 * signer's and the TSA's chains and, for every non-anchor certificate, an OCSP response
 * (preferred, RFC 6960) or a CRL (RFC 5280). Fetching goes through the RevocationSource port;
 * the PDF part (/DSS writing) is src/pdf/sign's appendDss.
 */
export interface RevocationSource {
  /** DER OCSPResponse for `cert` issued by `issuer`, or undefined when there is no responder. */
  ocsp(cert: Buffer, issuer: Buffer): Promise<Buffer | undefined>;
  /** DER CertificateList from a distribution point URL, or undefined when not retrievable by this source. */
  crl(url: string): Promise<Buffer | undefined>;
}

export interface RevocationEntry {
  readonly subject: string;
  readonly serialNumber: string;
  readonly source: 'ocsp' | 'crl' | 'none';
  readonly status?: 'good' | 'revoked' | 'unknown';
  readonly problem?: string;
}

export interface LtvMaterial {
  readonly certs: Buffer[];
  readonly ocsps: Buffer[];
  readonly crls: Buffer[];
  /** What was found per certificate, for logs and for refusing B-LT when something is missing. */
  readonly revocation: RevocationEntry[];
}

/**
 * RFC 4514-style subject for logs and error details; never fails the collection. Remembered per
 * name slice: certificateInfo of an interned certificate hands back the same slice every time.
 */
function displayName(nameDer: Buffer): string {
  let s = displayNames.get(nameDer);
  if (s === undefined) {
    try {
      s = renderName(nameDer);
    } catch {
      s = '(unreadable name)';
    }
    displayNames.set(nameDer, s);
  }
  return s;
}
const displayNames = new WeakMap<Buffer, string>();

/**
 * internCertificate, skipping the objects it has already handed out: the chains gathered for one
 * signature hold the same interned certificates several times (the signer's, the TSA's, the
 * pool's), and interning one again means keying a map by its whole DER. An object remembered
 * here that the intern table has since dropped stays a correct certificate, only one whose
 * per-object caches may be filled once more.
 */
function intern(der: Buffer): Buffer {
  if (interned.has(der)) return der;
  const own = internCertificate(der);
  interned.add(own);
  return own;
}
const interned = new WeakSet<Buffer>();

const fingerprints = new WeakMap<Buffer, string>();

function fingerprint(der: Buffer): string {
  let f = fingerprints.get(der);
  if (f === undefined) {
    f = createHash('sha256').update(der).digest('hex');
    fingerprints.set(der, f);
  }
  return f;
}

/**
 * Issuer by folded name (namesEqual) and signature, for gathering material only: the verifier's
 * stricter gate (src/pki/path/cert.ts `issuedBy`: AKI/SKI, keyCertSign) judges the chain later.
 */
function issuedBy(child: Buffer, parent: Buffer): boolean {
  // The answer depends on the two certificates' bytes only, and the same few (the CA, the
  // OCSP responder, the TSA) come back with every signature: remembered, bounded.
  const key = fingerprint(child) + fingerprint(parent);
  const known = issuedByCache.get(key);
  if (known !== undefined) return known;
  const r = checkIssuedBy(child, parent);
  if (issuedByCache.size >= ISSUED_BY_CACHE_SIZE) issuedByCache.clear();
  issuedByCache.set(key, r);
  return r;
}

const ISSUED_BY_CACHE_SIZE = 1024;
const issuedByCache = new Map<string, boolean>();

function checkIssuedBy(child: Buffer, parent: Buffer): boolean {
  try {
    const c = certificateInfo(child);
    const p = certificateInfo(parent);
    if (!namesEqual(c.issuer, p.subject)) return false;
    return new X509Certificate(child).verify(new X509Certificate(parent).publicKey);
  } catch {
    return false;
  }
}

/** Orders `pool` into a chain from `leaf` up to a self-issued certificate or the last issuer found. */
export function buildChain(leaf: Buffer, pool: readonly Buffer[]): Buffer[] {
  return walkIssuers(leaf, {
    candidates: pool,
    issuedBy,
    isEnd: (c) => isSelfIssued(certificateInfo(c)),
    same: (a, b) => a.equals(b),
  }).path;
}

/**
 * The chains to cover for a CMS signature: the signer's (from the CMS certificates and `extra`),
 * and the TSA's for each signature-time-stamp token. `extra` may hold the trust anchors.
 */
export function ltvChainsFromCms(cmsDer: Buffer, extra: readonly Buffer[] = []): Buffer[][] {
  const cms = parseCms(cmsDer);
  const chains: Buffer[][] = [];
  const pool = [...cms.certificates, ...extra].map(intern);
  for (const si of cms.signerInfos) {
    const leaf = findSignerCertificate(si, pool);
    if (leaf) chains.push(buildChain(leaf, pool));
    for (const token of si.timestampTokens) chains.push(...ltvChainsFromCms(token, [...pool]));
  }
  return chains;
}

/**
 * Collect certificates, OCSP responses and CRLs for `chains` (each leaf first). OCSP first, CRL
 * from the distribution points when there is no OCSP answer. With `requireRevocation`, a
 * non-anchor certificate without any revocation data fails with REVOCATION_UNAVAILABLE (a
 * requested B-LT must not silently become B-T).
 */
export async function collectLtvMaterial(o: {
  chains: readonly (readonly Buffer[])[];
  source: RevocationSource;
  requireRevocation?: boolean;
  /** Always add CRLs too, even when OCSP answered. */
  includeCrls?: boolean;
}): Promise<LtvMaterial> {
  const certs = new Map<string, Buffer>();
  const ocsps = new Map<string, Buffer>();
  const crls = new Map<string, Buffer>();
  const crlByUrl = new Map<string, Buffer | undefined>();
  const done = new Set<string>();
  const revocation: RevocationEntry[] = [];
  const wanted: { cert: Buffer; info: CertificateInfo; issuer: Buffer | undefined }[] = [];
  for (const given of o.chains) {
    const chain = given.map(intern);
    for (let i = 0; i < chain.length; i++) {
      const cert = chain[i]!;
      const fp = fingerprint(cert);
      certs.set(fp, cert);
      const info = certificateInfo(cert);
      if (isSelfIssued(info) || done.has(fp)) continue;
      done.add(fp);
      // the issuer by name and signature, not by position: callers may pass unordered chains
      wanted.push({ cert, info, issuer: chain.find((p) => p !== cert && issuedBy(cert, p)) ?? chain[i + 1] });
    }
  }
  // Every OCSP request at once: remote responders answer in parallel, and the in-process
  // responder reads the stored status of all these certificates together. The answers are
  // then taken in order, with the CRLs as before.
  const answers = await Promise.all(
    wanted.map(async ({ cert, issuer }): Promise<{ resp: Buffer | undefined } | { problem: string }> => {
      if (!issuer) return { problem: 'issuer certificate not in the chain' };
      try {
        return { resp: await o.source.ocsp(cert, issuer) };
      } catch (e) {
        return { problem: e instanceof Error ? e.message : 'OCSP failed' };
      }
    }),
  );
  for (const [k, { info }] of wanted.entries()) {
    // the display name from the DER already parsed: a node X509Certificate costs about a millisecond each
    const subject = displayName(info.subject);
    const serialNumber = info.serialNumber.toString(16);
    let entry: RevocationEntry | undefined;
    const problems: string[] = [];
    const answer = answers[k]!;
    if ('problem' in answer) problems.push(answer.problem);
    else if (answer.resp) {
      try {
        const resp = answer.resp;
        const parsed = parseOcspResponse(resp);
        const single = parsed.responses.find((r) => r.serialNumber === info.serialNumber);
        if (parsed.status !== 0) problems.push(`OCSP responder status ${parsed.status}`);
        else if (!single) problems.push('OCSP response is about another certificate');
        else {
          ocsps.set(fingerprint(resp), resp);
          for (const c of parsed.certificates.map(intern)) certs.set(fingerprint(c), c);
          entry = { subject, serialNumber, source: 'ocsp', status: single.status };
        }
      } catch (e) {
        problems.push(e instanceof Error ? e.message : 'OCSP failed');
      }
    }
    if (!entry || o.includeCrls) {
      for (const url of crlUrls(info)) {
        try {
          if (!crlByUrl.has(url)) crlByUrl.set(url, await o.source.crl(url));
          const crl = crlByUrl.get(url);
          if (crl) {
            crls.set(fingerprint(crl), crl);
            entry ??= { subject, serialNumber, source: 'crl' };
            break;
          }
        } catch (e) {
          problems.push(e instanceof Error ? e.message : 'CRL download failed');
        }
      }
    }
    revocation.push(
      entry ?? { subject, serialNumber, source: 'none', problem: problems.join('; ') || 'no OCSP responder or CRL distribution point' },
    );
  }
  const missing = revocation.filter((r) => r.source === 'none');
  if (o.requireRevocation && missing.length) {
    throw new AppError('REVOCATION_UNAVAILABLE', 'revocation data could not be obtained for every certificate', {
      details: { missing: missing.map((m) => ({ subject: m.subject, problem: m.problem })) },
    });
  }
  return { certs: [...certs.values()], ocsps: [...ocsps.values()], crls: [...crls.values()], revocation };
}
