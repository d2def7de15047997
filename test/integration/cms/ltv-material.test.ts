import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { pemDecodeAll } from '../../../src/core/bytes.js';
import { collectLtvMaterial, ltvChainsFromCms, type RevocationSource } from '../../../src/cms/ltv-material.js';
import { createHttpRevocationSource } from '../../../src/cms/revocation-http.js';
import { parseOcspResponse } from '../../../src/cms/ocsp.js';
import { signDetachedCms } from '../../../src/cms/signed-data.js';
import { signatureTimestamper } from '../../../src/cms/signature-timestamp.js';
import { createTimestampAuthority } from '../../../src/cms/timestamp-authority.js';
import { createInProcessTimestampClient } from '../../../src/cms/timestamp-client.js';
import { keySigner, makeTestPki, run, type TestIdentity, type TestPki } from '../../interop/cms/test-pki.js';

// OCSP answers come from openssl's own responder logic (`openssl ocsp -index -reqin -respout`),
// CRLs from `openssl ca -gencrl`: both independent of our code, served on 127.0.0.1.
let pki: TestPki;
let server: Server;
let base: string;
let signer: TestIdentity;
let tsa: TestIdentity;
let revoked: TestIdentity;
let noAia: TestIdentity;
let ocspHits = 0;
let crlHits = 0;

function indexLine(id: TestIdentity, status: 'V' | 'R'): string {
  const out = execFileSync('openssl', ['x509', '-in', id.certPath, '-noout', '-serial', '-enddate', '-subject', '-nameopt', 'compat'], {
    encoding: 'utf8',
  });
  const serial = out.match(/serial=(\w+)/)![1]!;
  const end = new Date(out.match(/notAfter=(.+)/)![1]!);
  const p = (n: number) => String(n).padStart(2, '0');
  const t = (d: Date) =>
    `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  const subject = out.match(/subject=(.+)/)![1]!.trim();
  return `${status}\t${t(end)}\t${status === 'R' ? t(new Date(Date.now() - 3600_000)) : ''}\t${serial}\tunknown\t${subject}\n`;
}

beforeAll(async () => {
  pki = makeTestPki();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/ocsp' && req.method === 'POST') {
        ocspHits++;
        const n = randomBytes(4).toString('hex');
        writeFileSync(join(pki.dir, `${n}.req`), Buffer.concat(chunks));
        const r = run(
          'openssl',
          [
            'ocsp',
            '-index',
            'index.txt',
            '-rsigner',
            'root.pem',
            '-rkey',
            'root.key',
            '-CA',
            'root.pem',
            '-reqin',
            `${n}.req`,
            '-respout',
            `${n}.resp`,
            '-ndays',
            '1',
          ],
          pki.dir,
        );
        if (r.code !== 0) {
          res.writeHead(500);
          res.end(r.out);
          return;
        }
        res.writeHead(200, { 'content-type': 'application/ocsp-response' });
        res.end(readFileSync(join(pki.dir, `${n}.resp`)));
      } else if (req.url === '/root.crl') {
        crlHits++;
        res.writeHead(200, { 'content-type': 'application/pkix-crl' });
        res.end(readFileSync(join(pki.dir, 'root.crl')));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ext = `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nauthorityInfoAccess=OCSP;URI:${base}/ocsp\ncrlDistributionPoints=URI:${base}/root.crl`;
  signer = pki.issue('ltv-signer', 'rsa', ext);
  revoked = pki.issue('ltv-revoked', 'p256', ext);
  tsa = pki.issue(
    'ltv-tsa',
    'p256',
    `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\ncrlDistributionPoints=URI:${base}/root.crl`,
  );
  noAia = pki.issue('ltv-noaia', 'p256', 'basicConstraints=critical,CA:FALSE');
  writeFileSync(join(pki.dir, 'index.txt'), indexLine(signer, 'V') + indexLine(revoked, 'R') + indexLine(tsa, 'V'));
  writeFileSync(join(pki.dir, 'crlnumber'), '01\n');
  writeFileSync(
    join(pki.dir, 'ca.cnf'),
    '[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\ncrlnumber=crlnumber\ndefault_md=sha256\ndefault_crl_days=7\n',
  );
  const g = run(
    'openssl',
    ['ca', '-gencrl', '-config', 'ca.cnf', '-keyfile', 'root.key', '-cert', 'root.pem', '-out', 'root.crl.pem'],
    pki.dir,
  );
  expect(g.code, g.out).toBe(0);
  writeFileSync(join(pki.dir, 'root.crl'), pemDecodeAll(readFileSync(join(pki.dir, 'root.crl.pem'), 'utf8'))[0]!);
}, 60_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('LTV material collection', () => {
  it('B-T CMS → chains for signer and TSA → OCSP for the signer, CRL for the TSA (no AIA)', async () => {
    const client = createInProcessTimestampClient(
      createTimestampAuthority({
        signer: keySigner(tsa),
        certificate: tsa.cert,
        policyOid: '1.3.6.1.4.1.99999.4',
        clock: new FakeClock(Date.now()),
      }),
    );
    const cms = await signDetachedCms({
      contentDigest: createHash('sha256').update('doc').digest(),
      signer: keySigner(signer),
      signerCertificate: signer.cert,
      certificates: [],
      timestamp: signatureTimestamper(client),
    });
    const chains = ltvChainsFromCms(cms, [pki.root.cert]);
    expect(chains).toHaveLength(2);
    expect(chains[0]!.map((c) => c.equals(signer.cert) || c.equals(pki.root.cert))).toEqual([true, true]);
    expect(chains[1]![0]!.equals(tsa.cert)).toBe(true);
    ocspHits = crlHits = 0;
    const m = await collectLtvMaterial({ chains, source: createHttpRevocationSource({ timeoutMs: 5000 }), requireRevocation: true });
    expect(m.ocsps).toHaveLength(1);
    expect(m.crls).toHaveLength(1);
    expect(m.certs.some((c) => c.equals(pki.root.cert))).toBe(true);
    expect(m.certs.some((c) => c.equals(tsa.cert))).toBe(true);
    expect(m.revocation.map((r) => r.source).sort()).toEqual(['crl', 'ocsp']);
    expect(m.revocation.find((r) => r.source === 'ocsp')!.status).toBe('good');
    expect(ocspHits).toBe(1);
    expect(crlHits).toBe(1);
    // openssl accepts what we collected: OCSP response signature and status, and the CRL
    writeFileSync(join(pki.dir, 'got.ocsp'), m.ocsps[0]!);
    const o = run(
      'openssl',
      ['ocsp', '-respin', 'got.ocsp', '-issuer', 'root.pem', '-cert', signer.certPath, '-CAfile', 'root.pem', '-no-CApath', '-no-CAstore'],
      pki.dir,
    );
    expect(o.out).toContain('Response verify OK');
    expect(o.out).toMatch(/ltv-signer\.pem: good|: good/);
    writeFileSync(join(pki.dir, 'got.crl'), m.crls[0]!);
    const c = run(
      'openssl',
      ['crl', '-inform', 'DER', '-in', 'got.crl', '-CAfile', 'root.pem', '-noout', '-no-CApath', '-no-CAstore'],
      pki.dir,
    );
    expect(c.out).toContain('verify OK');
  });

  it('reports a revoked certificate as revoked (our OCSP request is understood by openssl)', async () => {
    const m = await collectLtvMaterial({ chains: [[revoked.cert, pki.root.cert]], source: createHttpRevocationSource() });
    expect(m.revocation[0]).toMatchObject({ source: 'ocsp', status: 'revoked' });
    expect(parseOcspResponse(m.ocsps[0]!).responses[0]!.status).toBe('revoked');
    // an unordered chain finds the issuer by name and signature
    const u = await collectLtvMaterial({ chains: [[pki.root.cert, signer.cert]], source: createHttpRevocationSource() });
    expect(u.revocation).toEqual([expect.objectContaining({ source: 'ocsp', status: 'good' })]);
  });

  it('no responder and no CDP → REVOCATION_UNAVAILABLE when required, a "none" entry otherwise', async () => {
    const src = createHttpRevocationSource();
    await expect(collectLtvMaterial({ chains: [[noAia.cert, pki.root.cert]], source: src, requireRevocation: true })).rejects.toMatchObject(
      {
        code: 'REVOCATION_UNAVAILABLE',
      },
    );
    const m = await collectLtvMaterial({ chains: [[noAia.cert, pki.root.cert]], source: src });
    expect(m.revocation[0]!.source).toBe('none');
    expect(m.certs).toHaveLength(2);
  });

  it('a responder that is down falls back to the CRL; both down → REVOCATION_UNAVAILABLE', async () => {
    const failingOcsp: RevocationSource = {
      ocsp: async () => {
        throw new Error('connection refused');
      },
      crl: createHttpRevocationSource().crl,
    };
    const m = await collectLtvMaterial({ chains: [[signer.cert, pki.root.cert]], source: failingOcsp, requireRevocation: true });
    expect(m.revocation[0]!.source).toBe('crl');
    const allDown: RevocationSource = { ocsp: failingOcsp.ocsp, crl: async () => undefined };
    await expect(
      collectLtvMaterial({ chains: [[signer.cert, pki.root.cert]], source: allDown, requireRevocation: true }),
    ).rejects.toMatchObject({
      code: 'REVOCATION_UNAVAILABLE',
    });
  });
});
