import { describe, expect, it } from 'vitest';
import { parseOcspResponse } from '../../../src/cms/ocsp.js';
import { certificateInfo, crlUrls, ocspUrls } from '../../../src/cms/certificate-info.js';
import { revocationSourceFrom, type RevocationFetcher } from '../../../src/cms/revocation-http.js';
import { ownRevocationFetcher } from '../../../src/pki/own-revocation.js';
import type { SubjectFields } from '../../../src/pki/ports.js';
import { ADMIN, makeCsr, makePki } from './support/pki-fixture.js';

const subject: SubjectFields = { commonName: 'Đỗ Thị Thu Hà', organization: 'UBND tỉnh Quảng Ninh', uids: ['CCCD:001084567890'] };

/** Records what reaches the network side; answers nothing. */
function network(): RevocationFetcher & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    fetchOcsp: async (url) => {
      calls.push(`ocsp ${url}`);
      throw new Error('network');
    },
    fetchCrl: async (url) => {
      calls.push(`crl ${url}`);
      throw new Error('network');
    },
  };
}

async function setup() {
  const pki = await makePki();
  const issued = await pki.issuance.issue(ADMIN, { profile: 'individual', subject, key: { csr: makeCsr().der } });
  const next = network();
  const fetcher = ownRevocationFetcher({ ocsp: pki.ocsp, crl: pki.crl, baseUrl: pki.config.baseUrl }, next);
  return { pki, issued, next, fetcher };
}

describe('the in-process responder for our own revocation URLs', () => {
  it('ok/LTV collection over the one port: OCSP and CRL for our certificate come from the services, not the network', async () => {
    const { pki, issued, next, fetcher } = await setup();
    const source = revocationSourceFrom(fetcher);
    const info = certificateInfo(issued.der);
    expect(ocspUrls(info)[0]).toBe(`${pki.config.baseUrl}/pki/ocsp`);
    const ocsp = await source.ocsp(issued.der, issued.chain[0]!);
    expect(parseOcspResponse(ocsp!).responses[0]?.status).toBe('good');
    const crl = await source.crl(crlUrls(info)[0]!);
    expect(crl).toEqual((await pki.crl.latest(issued.certificate.caId)).der);
    expect(next.calls).toEqual([]);
  });

  it('ok/a revocation is visible at once through the port (the OCSP cache is invalidated by the lifecycle)', async () => {
    const { pki, issued, fetcher } = await setup();
    const source = revocationSourceFrom(fetcher);
    await pki.lifecycle.revoke(ADMIN, { id: issued.certificate.id }, { reason: 'keyCompromise' });
    const ocsp = await source.ocsp(issued.der, issued.chain[0]!);
    expect(parseOcspResponse(ocsp!).responses[0]?.status).toBe('revoked');
  });

  it('attack/look-alike URLs are not ours: they go to the network side, never to the CRL service', async () => {
    const { pki, next, fetcher } = await setup();
    const base = pki.config.baseUrl;
    const foreign = [
      `${base}/pki/crl/../root.crl`,
      `${base}/pki/crl/root.crl?x=1`,
      `${base}/pki/crl/ROOT.crl`,
      `${base}.evil.example/pki/crl/root.crl`,
      `http://crl.example.vn/pki/crl/root.crl`,
    ];
    for (const url of foreign) await expect(fetcher.fetchCrl(url)).rejects.toThrow('network');
    await expect(fetcher.fetchOcsp(`${base}/pki/ocsp/extra`, Buffer.from([0x30, 0]))).rejects.toThrow('network');
    expect(next.calls).toEqual([...foreign.map((u) => `crl ${u}`), `ocsp ${base}/pki/ocsp/extra`]);
  });

  it('fail/a CA that publishes no CRL, or an unknown one, is CA_UNKNOWN (not a network fetch)', async () => {
    const { pki, next, fetcher } = await setup();
    await expect(fetcher.fetchCrl(`${pki.config.baseUrl}/pki/crl/ocsp-root.crl`)).rejects.toMatchObject({ code: 'CA_UNKNOWN' });
    await expect(fetcher.fetchCrl(`${pki.config.baseUrl}/pki/crl/nope.crl`)).rejects.toMatchObject({ code: 'CA_UNKNOWN' });
    expect(next.calls).toEqual([]);
  });
});
