import { AppError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import {
  checkTimestampAuthority,
  createTimestampAuthority,
  createInProcessTimestampClient,
  createHttpRevocationSource,
  type TimestampAuthority,
  type TimestampClient,
  type RevocationSource,
} from '../cms/index.js';
import type { FetchLike } from '../cms/tsa-http-client.js';
import type { KysoContext } from './context.js';
import type { PkiWiring } from './pki.js';
import { mustNotAnswer, ownCertificateState } from '../pki/ca-certificate-status.js';

/**
 * The province's RFC 3161 TSA (issue 4) over the 'tsa' certificate of the hierarchy; its key goes
 * through the key store. Start-up refuses an obviously wrong clock (CLOCK_INVALID, before the TSA
 * certificate's notBefore or after its notAfter).
 */
export async function createTsa(
  ctx: KysoContext,
  pki: PkiWiring,
  clock: Clock = ctx.clock,
): Promise<{ tsa: TimestampAuthority; client: TimestampClient }> {
  const rec = await pki.store.cas.get('tsa');
  if (!rec) throw new AppError('CA_UNKNOWN', 'no TSA certificate: run "kyso init"');
  const signer = await ctx.keys.signer(rec.keyUri);
  checkTimestampAuthority({ clock, certificate: rec.certificateDer, signer });
  const chain: Buffer[] = [];
  let parent = rec.parentId ? await pki.store.cas.get(rec.parentId) : undefined;
  for (let i = 0; parent && i < 5; i++) {
    chain.push(parent.certificateDer);
    parent = parent.parentId && parent.parentId !== parent.id ? await pki.store.cas.get(parent.parentId) : undefined;
  }
  const tsa = createTimestampAuthority({
    signer,
    certificate: rec.certificateDer,
    chain,
    policyOid: ctx.config.tsaPolicyOid,
    clock,
    unfitReason: async () => {
      const state = await ownCertificateState(pki.store.certificates, rec, clock.now());
      return mustNotAnswer(state) ? `the TSA certificate is ${state}` : undefined;
    },
  });
  return { tsa, client: createInProcessTimestampClient(tsa) };
}

/**
 * A fetch that answers our own public PKI URLs in-process (OCSP POST, CRL GET, CA certs) and
 * passes everything else to the network: LTV collection for our certificates never depends on
 * the service reaching itself over the public URL.
 */
export function localPkiFetch(pki: PkiWiring, publicUrl: string): FetchLike {
  const base = publicUrl.replace(/\/+$/, '');
  const reply = (der: Buffer, type: string) => ({
    status: 200,
    headers: { get: (n: string) => (n.toLowerCase() === 'content-type' ? type : null) },
    arrayBuffer: async () => der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer,
  });
  return async (url, init) => {
    if (url === `${base}/pki/ocsp` && init.method === 'POST' && init.body)
      return reply((await pki.ocsp.respond(Buffer.from(init.body))).der, 'application/ocsp-response');
    const crl = url.startsWith(`${base}/pki/crl/`) ? /^([a-z0-9-]+)\.crl$/.exec(url.slice(`${base}/pki/crl/`.length)) : null;
    if (crl?.[1]) return reply((await pki.crl.latest(crl[1])).der, 'application/pkix-crl');
    const r = await fetch(url, {
      method: init.method,
      headers: init.headers,
      ...(init.body ? { body: init.body } : {}),
      signal: init.signal,
    });
    return { status: r.status, headers: r.headers, arrayBuffer: () => r.arrayBuffer() };
  };
}

export function revocationSource(pki: PkiWiring, publicUrl: string): RevocationSource {
  return createHttpRevocationSource({ fetch: localPkiFetch(pki, publicUrl), timeoutMs: 10_000 });
}
