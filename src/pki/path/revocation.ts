/**
 * Revocation status from embedded material (CMS crls, adbe-revocationInfoArchival, DSS /CRLs
 * /OCSPs) or online through an injected port (RFC 6960 OCSP POST, RFC 5280 CRL GET). Responses
 * are validated: signature by the issuer or a delegated responder (EKU id-kp-OCSPSigning issued
 * by the issuer, RFC 6960 §4.2.2.2), CertID match, thisUpdate ≤ time ≤ nextUpdate (freshness).
 */
import { createHash } from 'node:crypto';
import { children, decodeInteger, decodeOid, decodeTime, isContext, readDer, type DerNode } from '../../core/der-reader.js';
import { REASON_CODES } from '../revocation-reasons.js';
import { isKnownHash, OID } from '../../core/oids.js';
import { encodeOcspRequest, parseOcspResponse } from '../../cms/ocsp.js';
import { boundedHttpGet } from '../../cms/revocation-http.js';
import { newHash, verifySignedStructure } from '../../cms/verify.js';
import { issuedBy, tryCertInfo, type CertInfo } from './cert.js';

/** Port for online revocation fetching; the validator never opens sockets itself. */
export interface RevocationFetcher {
  fetchOcsp(url: string, request: Buffer): Promise<Buffer>;
  fetchCrl(url: string): Promise<Buffer>;
}

/** A fetch-based adapter with a timeout per request and a size cap (only http/https URLs). */
export function createHttpRevocationFetcher(o: { timeoutMs?: number; maxBytes?: number } = {}): RevocationFetcher {
  const get = boundedHttpGet({ timeoutMs: o.timeoutMs ?? 5000 });
  const maxBytes = o.maxBytes ?? 10 * 1024 * 1024;
  return {
    fetchOcsp: (url, request) =>
      get(url, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: request }, maxBytes),
    fetchCrl: (url) => get(url, { method: 'GET', headers: {} }, maxBytes),
  };
}

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
  /** CRLReason name (RFC 5280 §5.3.1) of a revocation, when the CRL entry or OCSP answer gives one. */
  readonly reason?: string | undefined;
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
 * (no further recursion). `now` is the caller's clock (freshness of fetched data), never Date.now().
 */
export async function checkRevocation(
  cert: CertInfo,
  issuer: CertInfo,
  at: Date,
  material: RevocationMaterial,
  fetcher: RevocationFetcher | undefined,
  offline: boolean,
  now: Date,
  depth = 0,
): Promise<RevocationResult> {
  const messages: string[] = [];
  const ctx: OcspContext = { material, fetcher, offline, depth, now };
  for (const o of material.ocsps) {
    const r = await evalOcsp(o.der, cert, issuer, at, o.origin, messages, ctx);
    if (r) return r;
  }
  for (const c of material.crls) {
    const r = evalCrl(c.der, cert, issuer, at, now, c.origin, messages);
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
        const r = evalCrl(der, cert, issuer, at, now, 'ONLINE', messages, true);
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
  now: Date,
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
    let reason: string | undefined;
    if (tbs[k]?.tag === 0x30) {
      for (const e of children(tbs[k]!)) {
        const f = children(e);
        if (decodeInteger(f[0]!) !== cert.serial) continue;
        revokedAt = decodeTime(f[1]!);
        reason = f[2] ? crlEntryReason(f[2]) : undefined;
      }
    }
    // "now" is the caller's injected clock, so a validation is reproducible (ETSI EN 319 102-1 §5.2.5)
    if (thisUpdate > new Date(Math.max(at.getTime(), now.getTime()))) messages.push('REVOCATION_CRL_FROM_FUTURE');
    if (fresh && nextUpdate && nextUpdate < now) messages.push('REVOCATION_CRL_STALE');
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
      reason,
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
  readonly now: Date;
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
      const own = await checkRevocation(signer, issuer, thisUpdate, ctx.material, ctx.fetcher, ctx.offline, ctx.now, ctx.depth + 1);
      if (own.status === 'revoked') {
        messages.push('OCSP_RESPONDER_REVOKED');
        return undefined;
      }
    }
    const times = { thisUpdate: thisUpdate.toISOString(), nextUpdate: nextUpdate?.toISOString() };
    if (fresh && nextUpdate && nextUpdate < ctx.now) messages.push('REVOCATION_OCSP_STALE');
    if (single.status === 'revoked' && revokedAt) {
      return {
        status: revokedAt <= at ? 'revoked' : 'good',
        source: 'OCSP',
        origin,
        ...times,
        revokedAt: revokedAt.toISOString(),
        reason: single.revocationReason === undefined ? undefined : reasonName(single.revocationReason),
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

const REASON_BY_CODE = new Map<number, string>(Object.entries(REASON_CODES).map(([name, code]) => [code, name]));

/** CRLReason name of a code (RFC 5280 §5.3.1); unknown codes keep their number. */
function reasonName(code: number): string {
  return REASON_BY_CODE.get(code) ?? (code === 8 ? 'removeFromCRL' : `reason${code}`);
}

/** The reasonCode extension (RFC 5280 §5.3.1) among a CRL entry's crlEntryExtensions. */
function crlEntryReason(extensions: DerNode): string | undefined {
  for (const ext of children(extensions)) {
    const f = children(ext);
    if (decodeOid(f[0]!) !== OID.crlReason) continue;
    const value = readDer(f[f.length - 1]!.content);
    return value.tag === 0x0a && value.content.length === 1 ? reasonName(value.content[0]!) : undefined;
  }
  return undefined;
}

/** Reasons that say the key may have been misused before the revocation date (RFC 5280 §5.3.1). */
export function isCompromise(reason: string | undefined | null): boolean {
  return reason === 'keyCompromise' || reason === 'cACompromise' || reason === 'aACompromise';
}
