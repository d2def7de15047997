#!/usr/bin/env node
// The three-signer flow of an administrative result (docs/domain.md: the five steps of a procedure): the appraiser
// (thẩm định), the approver (phê duyệt) and the agency seal (đóng dấu) sign the same decision one
// after the other; each signature is its own incremental update, so the earlier ones stay valid.
//
// Runs against the built modules: npm run build && node examples/three-signers.mjs [OUT_DIR]
// Needs the openssl CLI to make a throwaway demo PKI (root CA + three signers as PKCS#12 files).
// Check the result:  pdfsig OUT_DIR/3-dong-dau.pdf   (after trusting OUT_DIR/pki/root.pem, see README)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = (p) => pathToFileURL(join(here, '..', 'dist', p)).href;
if (!existsSync(join(here, '..', 'dist', 'signing', 'index.js'))) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(2);
}
const { SignService, MemorySignSessionRepository, createPdfSignatureEngine } = await import(dist('signing/index.js'));
const { systemClock } = await import(dist('core/clock.js'));

const out = process.argv[2] ?? join(tmpdir(), 'kyso-three-signers');
const pki = join(out, 'pki');
mkdirSync(pki, { recursive: true });

// ---- a demo PKI (never use it for anything real) --------------------------------------------
const openssl = (...args) => execFileSync('openssl', args, { cwd: pki, stdio: ['ignore', 'ignore', 'pipe'] });
if (!existsSync(join(pki, 'root.pem'))) {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'root.key',
    '-out',
    'root.pem',
    '-days',
    '3650',
    '-utf8',
    '-subj',
    '/C=VN/O=Kyso demo/CN=Kyso Demo Root CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
}
writeFileSync(
  join(pki, 'ee.cnf'),
  [
    '[ee]',
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,nonRepudiation',
    // emailProtection: what poppler/NSS require of a document signer; 1.3.6.1.5.5.7.3.36 is documentSigning (RFC 9336).
    'extendedKeyUsage=emailProtection,1.3.6.1.5.5.7.3.36',
    'subjectKeyIdentifier=hash',
    'authorityKeyIdentifier=keyid',
  ].join('\n'),
);
function signerP12(id, subject) {
  if (!existsSync(join(pki, `${id}.p12`))) {
    openssl('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${id}.key`, '-out', `${id}.csr`, '-utf8', '-subj', subject);
    openssl(
      'x509',
      '-req',
      '-in',
      `${id}.csr`,
      '-CA',
      'root.pem',
      '-CAkey',
      'root.key',
      '-CAcreateserial',
      '-days',
      '365',
      '-sha256',
      '-extfile',
      'ee.cnf',
      '-extensions',
      'ee',
      '-out',
      `${id}.pem`,
    );
    openssl(
      'pkcs12',
      '-export',
      '-inkey',
      `${id}.key`,
      '-in',
      `${id}.pem`,
      '-certfile',
      'root.pem',
      '-passout',
      'pass:demo-password',
      '-out',
      `${id}.p12`,
    );
  }
  return { kind: 'pkcs12', pkcs12: readFileSync(join(pki, `${id}.p12`)), password: 'demo-password' };
}
const appraiser = signerP12('appraiser', '/C=VN/ST=Quảng Ninh/O=UBND huyện Vân Đồn/OU=Phòng Kinh tế và Hạ tầng/CN=Nguyễn Văn Thẩm');
const approver = signerP12('approver', '/C=VN/ST=Quảng Ninh/O=UBND tỉnh Quảng Ninh/OU=UBND huyện Vân Đồn/CN=Trần Thị Phê Duyệt');
const agency = signerP12('agency', '/C=VN/ST=Quảng Ninh/O=UBND tỉnh Quảng Ninh/CN=Ủy ban nhân dân huyện Vân Đồn');

// ---- the signing service (in-memory ports; the server wires the database adapters) -----------
const audit = { append: async (e) => (console.log(`  audit: ${e.action} ${e.outcome}`), {}) };
const service = new SignService({
  engine: createPdfSignatureEngine(),
  clock: systemClock,
  audit,
  sessions: new MemorySignSessionRepository(),
});

const decision = readFileSync(join(here, 'quyet-dinh.pdf'));
const signature = readFileSync(join(here, 'signature.png'));
const seal = readFileSync(join(here, 'seal.png'));

console.log('1. appraiser (thẩm định)');
const s1 = await service.sign(decision, {
  signer: appraiser,
  reason: 'Thẩm định hồ sơ',
  location: 'Vân Đồn, Quảng Ninh',
  visible: { page: 1, rect: [60, 215, 150, 80] },
  appearance: { kind: 'individual', image: signature, texts: { title: 'NGƯỜI THẨM ĐỊNH' } },
});
writeFileSync(join(out, '1-tham-dinh.pdf'), s1);

console.log('2. approver (phê duyệt)');
const s2 = await service.sign(s1, {
  signer: approver,
  reason: 'Phê duyệt',
  location: 'Vân Đồn, Quảng Ninh',
  visible: { page: 1, rect: [340, 215, 160, 90] },
  appearance: { kind: 'individual', image: signature },
});
writeFileSync(join(out, '2-phe-duyet.pdf'), s2);

console.log('3. agency seal (đóng dấu)');
const s3 = await service.sign(s2, {
  signer: agency,
  reason: 'Đóng dấu cơ quan',
  location: 'Vân Đồn, Quảng Ninh',
  // Decree 30/2020 Appendix I: the red seal lies over the left third of the approver's signature.
  visible: { page: 1, rect: [318, 222, 80, 80] },
  appearance: { kind: 'organization', image: seal, sealOnly: true },
});
writeFileSync(join(out, '3-dong-dau.pdf'), s3);

const grew = [decision, s1, s2, s3].map((b) => b.length).join(' → ');
const appendOnly =
  s3.subarray(0, s2.length).equals(s2) && s2.subarray(0, s1.length).equals(s1) && s1.subarray(0, decision.length).equals(decision);
console.log(`\nbytes: ${grew}; every revision is a prefix of the next: ${appendOnly}`);
console.log(`wrote ${join(out, '1-tham-dinh.pdf')}, 2-phe-duyet.pdf, 3-dong-dau.pdf (demo root: ${join(pki, 'root.pem')})`);
