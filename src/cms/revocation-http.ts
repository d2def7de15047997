import { AppError } from '../core/errors.js';
import { pemDecodeAll } from '../core/bytes.js';
import { certificateInfo, ocspUrls } from './certificate-info.js';
import { readDer } from '../core/der-reader.js';
import type { RevocationSource } from './ltv-material.js';
import { encodeOcspRequest } from './ocsp.js';
import type { FetchLike } from './tsa-http-client.js';

/**
 * The one port for fetching revocation material by URL: OCSP by POST application/ocsp-request
 * (RFC 6960 Appendix A.1), CRLs by GET from a distribution point (RFC 5280 §4.2.1.13). Used both
 * when collecting LTV material at signing (through `revocationSourceFrom`) and by the verifier
 * for online revocation; the wiring puts the in-process responder for our own URLs in front.
 */
export interface RevocationFetcher {
  fetchOcsp(url: string, request: Buffer): Promise<Buffer>;
  fetchCrl(url: string): Promise<Buffer>;
}

/**
 * The fetcher over HTTP: only http/https URLs (LDAP is not fetched), a timeout per request and a
 * size cap (`maxBytes` for both, else 1 MiB for an OCSP response and 32 MiB for a CRL); every
 * failure is REVOCATION_UNAVAILABLE.
 */
export function createHttpRevocationFetcher(o: { fetch?: FetchLike; timeoutMs?: number; maxBytes?: number } = {}): RevocationFetcher {
  const get = boundedHttpGet({ fetch: o.fetch, timeoutMs: o.timeoutMs ?? 10_000 });
  const maxOcsp = o.maxBytes ?? 1024 * 1024;
  const maxCrl = o.maxBytes ?? 32 * 1024 * 1024;
  return {
    fetchOcsp: (url, request) =>
      get(
        url,
        { method: 'POST', headers: { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' }, body: request },
        maxOcsp,
      ),
    fetchCrl: (url) => get(url, { method: 'GET', headers: { accept: 'application/pkix-crl' } }, maxCrl),
  };
}

/**
 * RevocationSource (LTV collection) over a fetcher: the OCSP responder named in the
 * certificate's AIA, CRLs from http/https distribution points; answers must be one DER
 * SEQUENCE (a PEM CRL is accepted and decoded) or the source throws REVOCATION_UNAVAILABLE,
 * which the collector records per certificate.
 */
export function revocationSourceFrom(fetcher: RevocationFetcher): RevocationSource {
  function derOnly(buf: Buffer, url: string): Buffer {
    let der = buf;
    if (buf.subarray(0, 10).toString('latin1').startsWith('-----')) der = pemDecodeAll(buf.toString('latin1'))[0] ?? Buffer.alloc(0);
    try {
      const node = readDer(der, 0, 'REVOCATION_UNAVAILABLE');
      if (node.tag !== 0x30) throw new Error('not a SEQUENCE');
      return Buffer.from(node.raw);
    } catch (e) {
      throw new AppError('REVOCATION_UNAVAILABLE', `${url}: not DER`, { cause: e });
    }
  }

  return {
    async ocsp(cert, issuer) {
      const url = ocspUrls(certificateInfo(cert)).find((u) => /^https?:\/\//i.test(u));
      if (!url) return undefined;
      return derOnly(await fetcher.fetchOcsp(url, encodeOcspRequest(cert, issuer)), url);
    },
    async crl(url) {
      if (!/^https?:\/\//i.test(url)) return undefined;
      return derOnly(await fetcher.fetchCrl(url), url);
    },
  };
}

/** LTV collection straight over HTTP (no in-process responder in front). */
export function createHttpRevocationSource(o: { fetch?: FetchLike; timeoutMs?: number; maxBytes?: number } = {}): RevocationSource {
  return revocationSourceFrom(createHttpRevocationFetcher(o));
}

/**
 * An HTTP request with a timeout and a response size cap, for revocation material (OCSP, CRL) and
 * anything else fetched from URLs inside certificates: only http/https, only status 200; every
 * failure is AppError REVOCATION_UNAVAILABLE.
 */
export function boundedHttpGet(o: {
  fetch?: FetchLike | undefined;
  timeoutMs: number;
}): (url: string, init: { method: string; headers: Record<string, string>; body?: Uint8Array }, maxBytes: number) => Promise<Buffer> {
  const doFetch: FetchLike = o.fetch ?? (globalThis.fetch as unknown as FetchLike);
  return async (url, init, max) => {
    if (!/^https?:\/\//i.test(url)) throw new AppError('REVOCATION_UNAVAILABLE', `${url}: only http and https are fetched`);
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), o.timeoutMs);
    try {
      const res = await doFetch(url, { ...init, signal: ctl.signal });
      if (res.status !== 200) throw new AppError('REVOCATION_UNAVAILABLE', `${url} answered HTTP ${res.status}`);
      if (Number(res.headers.get('content-length') ?? '0') > max)
        throw new AppError('REVOCATION_UNAVAILABLE', `${url}: response too large`);
      const buf = Buffer.from(await res.arrayBuffer());
      if (buf.length > max) throw new AppError('REVOCATION_UNAVAILABLE', `${url}: response too large`);
      return buf;
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw new AppError('REVOCATION_UNAVAILABLE', ctl.signal.aborted ? `${url} did not answer in time` : `${url} unreachable`, {
        cause: e,
      });
    } finally {
      clearTimeout(timer);
    }
  };
}
