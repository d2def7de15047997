/**
 * Revocation status from embedded material (CMS crls, adbe-revocationInfoArchival, DSS /CRLs
 * /OCSPs) or online through an injected port (RFC 6960 OCSP POST, RFC 5280 CRL GET). Responses
 * are validated: signature by the issuer or a delegated responder (EKU id-kp-OCSPSigning issued
 * by the issuer, RFC 6960 §4.2.2.2), CertID match, thisUpdate ≤ time ≤ nextUpdate (freshness).
 */
import { createHash } from 'node:crypto';
import { children, decodeInteger, decodeTime, isContext, readDer } from '../../core/der-reader.js';
import { isKnownHash, OID } from '../../core/oids.js';
import { encodeOcspRequest, parseOcspResponse } from '../../cms/ocsp.js';
import type { RevocationFetcher } from '../../cms/revocation-http.js';
import { newHash, verifySignedStructure } from '../../cms/verify.js';
import { issuedBy, tryCertInfo, type CertInfo } from './cert.js';

/** Port for online revocation fetching (one definition, in src/cms); the validator never opens sockets itself. */
export { createHttpRevocationFetcher, type RevocationFetcher } from '../../cms/revocation-http.js';

export type RevocationOrigin = 'CMS' | 'ADBE_ARCHIVAL' | 'DSS' | 'ONLINE';

export interface RevocationMaterial {
  readonly crls: { der: Buffer; origin: RevocationOrigin }[];
  readonly ocsps: { der: Buffer; origin: RevocationOrigin }[];
}

export interface RevocationResult {
  readonly status: 'good' | 'revoked' | 'unknown';
  readonly source: 'OCSP' | 'CRL' | 'NONE';
  readonly origin: RevocationOrigin | undefined;
  readonly thisUpdate: string | undefined;
  readonly nextUpdate: string | undefined;
  readonly revokedAt: string | undefined;
  readonly messages: string[];
}

const NONE = (messages: string[]): RevocationResult => ({
  status: 'unknown',
  source: 'NONE',
  origin: undefined,
  thisUpdate: undefined,
  nextUpdate: undefined,
  revokedAt: undefined,
  messages,
});

/**
 * Status of `cert` at `at`: embedded OCSP first, then CRLs, then the fetcher (unless offline).
 * A revocation after `at` does not count (ETSI EN 319 102-1 §5.2.5). `depth` > 0 marks the check
 * of a delegated OCSP responder's own certificate, whose responses are then taken as they are
 * (no further recursion).
 */
export async function checkRevocation(
  cert: CertInfo,
  issuer: CertInfo,
  at: Date,
  material: RevocationMaterial,
  fetcher: RevocationFetcher | undefined,
  offline: boolean,
  depth = 0,
): Promise<RevocationResult> {
  const messages: string[] = [];
  const ctx: OcspContext = { material, fetcher, offline, depth };
  for (const o of material.ocsps) {
    const r = await evalOcsp(o.der, cert, issuer, at, o.origin, messages, ctx);
    if (r) return r;
  }
  for (const c of material.crls) {
    const r = evalCrl(c.der, cert, issuer, at, c.origin, messages);
    if (r) return r;
  }
  if (fetcher && !offline) {
    for (const url of cert.ocspUrls) {
      try {
        const der = await fetcher.fetchOcsp(url, encodeOcspRequest(cert.der, issuer.der));
        const r = await evalOcsp(der, cert, issuer, at, 'ONLINE', messages, ctx, true);
        if (r) return r;
      } catch {
        messages.push('REVOCATION_OCSP_UNREACHABLE');
      }
    }
    for (const url of cert.crlUrls) {
      try {
        const der = await fetcher.fetchCrl(url);
        const r = evalCrl(der, cert, issuer, at, 'ONLINE', messages, true);
        if (r) return r;
      } catch {
        messages.push('REVOCATION_CRL_UNREACHABLE');
      }
    }
  }
  messages.push('REVOCATION_DATA_MISSING');
  return NONE(messages);
}

function evalCrl(
  der: Buffer,
  cert: CertInfo,
  issuer: CertInfo,
  at: Date,
  origin: RevocationOrigin,
  messages: string[],
  fresh = false,
): RevocationResult | undefined {
  try {
    const top = readDer(der);
    const tbs = children(children(top)[0]!);
    let i = 0;
    if (tbs[0]!.tag === 0x02) i++;
    const issuerName = tbs[i + 1]!.raw;
    if (!issuerName.equals(cert.issuerDer)) return undefined;
    if (!verifySignedStructure(top.raw, issuer.key())) {
      messages.push('REVOCATION_CRL_SIGNATURE_INVALID');
      return undefined;
    }
    const thisUpdate = decodeTime(tbs[i + 2]!);
    let k = i + 3;
    let nextUpdate: Date | undefined;
    if (tbs[k]?.tag === 0x17 || tbs[k]?.tag === 0x18) nextUpdate = decodeTime(tbs[k++]!);
    let revokedAt: Date | undefined;
    if (tbs[k]?.tag === 0x30) {
      for (const e of children(tbs[k]!)) {
        const f = children(e);
        if (decodeInteger(f[0]!) === cert.serial) revokedAt = decodeTime(f[1]!);
      }
    }
    if (thisUpdate > new Date(Math.max(at.getTime(), Date.now()))) messages.push('REVOCATION_CRL_FROM_FUTURE');
    if (fresh && nextUpdate && nextUpdate < new Date()) messages.push('REVOCATION_CRL_STALE');
    const revoked = revokedAt !== undefined && revokedAt <= at;
    // a CRL issued before the time of interest cannot prove "good" at that time unless still current
    if (!revoked && thisUpdate < at && nextUpdate && nextUpdate < at) {
      messages.push('REVOCATION_CRL_NOT_FRESH');
      return undefined;
    }
    return {
      status: revoked ? 'revoked' : 'good',
      source: 'CRL',
      origin,
      thisUpdate: thisUpdate.toISOString(),
      nextUpdate: nextUpdate?.toISOString(),
      revokedAt: revokedAt?.toISOString(),
      messages,
    };
  } catch {
    messages.push('REVOCATION_CRL_MALFORMED');
    return undefined;
  }
}

interface OcspContext {
  readonly material: RevocationMaterial;
  readonly fetcher: RevocationFetcher | undefined;
  readonly offline: boolean;
  readonly depth: number;
}

async function evalOcsp(
  der: Buffer,
  cert: CertInfo,
  issuer: CertInfo,
  at: Date,
  origin: RevocationOrigin,
  messages: string[],
  ctx: OcspContext,
  fresh = false,
): Promise<RevocationResult | undefined> {
  try {
    // OCSPResponse wrapper (RFC 6960 §4.2.1) or a bare BasicOCSPResponse (as in DSS /OCSPs)
    const r = parseOcspResponse(der);
    if (r.status !== 0 || !r.basic) return undefined;
    const single = r.responses.find(({ certId: id }) => {
      if (!isKnownHash(id.hashAlgorithm) || id.serialNumber !== cert.serial) return false;
      const h = (b: Buffer) => newHash(id.hashAlgorithm).update(b).digest();
      return id.issuerNameHash.equals(h(issuer.subjectDer)) && id.issuerKeyHash.equals(h(issuer.publicKeyBits));
    });
    if (!single) return undefined;
    // responder: the issuer itself, or a delegated responder certificate issued by it
    const certs = r.certificates.map((c) => tryCertInfo(Buffer.from(c))).filter((c): c is CertInfo => !!c);
    const rid = r.responderId;
    const matches = (c: CertInfo) =>
      !rid
        ? false
        : 'byName' in rid
          ? c.subjectDer.equals(rid.byName)
          : createHash('sha1').update(c.publicKeyBits).digest().equals(rid.byKey);
    let signer: CertInfo | undefined;
    if (matches(issuer)) signer = issuer;
    else {
      const d = certs.find(matches);
      if (d && issuedBy(d, issuer) && d.eku?.includes(OID.kpOcspSigning)) {
        signer = d;
        if (!d.extensions.has(OID.ocspNoCheck)) messages.push('OCSP_RESPONDER_NO_CHECK_ABSENT');
      }
    }
    if (!signer) {
      messages.push('REVOCATION_OCSP_RESPONDER_UNAUTHORIZED');
      return undefined;
    }
    if (!verifySignedStructure(r.basic, signer.key())) {
      messages.push('REVOCATION_OCSP_SIGNATURE_INVALID');
      return undefined;
    }
    const { thisUpdate, nextUpdate, revokedAt } = single;
    // a delegated responder without id-pkix-ocsp-nocheck must itself be unrevoked when it
    // answered (RFC 6960 §4.2.2.2.1; ETSI EN 319 102-1 §5.2.6): its answer is unusable otherwise.
    // Missing data for it stays the OCSP_RESPONDER_NO_CHECK_ABSENT warning already given.
    if (signer !== issuer && !signer.extensions.has(OID.ocspNoCheck) && ctx.depth === 0) {
      const own = await checkRevocation(signer, issuer, thisUpdate, ctx.material, ctx.fetcher, ctx.offline, ctx.depth + 1);
      if (own.status === 'revoked') {
        messages.push('OCSP_RESPONDER_REVOKED');
        return undefined;
      }
    }
    const times = { thisUpdate: thisUpdate.toISOString(), nextUpdate: nextUpdate?.toISOString() };
    if (fresh && nextUpdate && nextUpdate < new Date()) messages.push('REVOCATION_OCSP_STALE');
    if (single.status === 'revoked' && revokedAt) {
      return {
        status: revokedAt <= at ? 'revoked' : 'good',
        source: 'OCSP',
        origin,
        ...times,
        revokedAt: revokedAt.toISOString(),
        messages,
      };
    }
    if (single.status === 'good') {
      if (thisUpdate < at && nextUpdate && nextUpdate < at) {
        messages.push('REVOCATION_OCSP_NOT_FRESH');
        return undefined;
      }
      return { status: 'good', source: 'OCSP', origin, ...times, revokedAt: undefined, messages };
    }
    return { status: 'unknown', source: 'OCSP', origin, ...times, revokedAt: undefined, messages };
  } catch {
    messages.push('REVOCATION_OCSP_MALFORMED');
    return undefined;
  }
}

/** CRLs and OCSP responses inside an adbe-revocationInfoArchival attribute (ISO 32000-1 §12.8.3.3.2). */
export function adobeArchival(value: Buffer): { crls: Buffer[]; ocsps: Buffer[] } {
  const out = { crls: [] as Buffer[], ocsps: [] as Buffer[] };
  for (const t of children(readDer(value))) {
    if (isContext(t, 0)) for (const c of children(children(t)[0]!)) out.crls.push(Buffer.from(c.raw));
    if (isContext(t, 1)) for (const c of children(children(t)[0]!)) out.ocsps.push(Buffer.from(c.raw));
  }
  return out;
}
