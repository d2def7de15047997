/**
 * Fuzzing of the untrusted-input parsers other than the verifier (fuzz.test.ts): the PDF reader
 * (open, page tree, form fields and the copy-intake preflight), the PKCS#10 CSR parser, the OCSP
 * request parser (RFC 6960 §4.1) and the RFC 3161 TimeStampReq parser. Seeds are the corpus PDFs
 * and valid requests generated here (openssl for keys and CSRs, kyso's own encoders for OCSP and
 * TSA requests); each input ends in a result or an AppError within its time budget.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeOcspRequest, ocspCertId } from '../../src/cms/ocsp.js';
import { encodeTimestampRequest, parseTimestampRequest } from '../../src/cms/timestamp-request.js';
import { octets, seq, tlv } from '../../src/core/der.js';
import { parseCsr } from '../../src/pki/csr.js';
import { parseOcspRequest } from '../../src/pki/ocsp.js';
import { formFields, pageCount, preflightPdf, PdfDocument } from '../../src/pdf/syntax/index.js';
import { PDF_INPUT_BUDGET } from '../../src/pdf/syntax/limits.js';
import { corpusRoot } from '../fixtures/corpus.js';
import { FuzzTally } from './fuzz-budget.js';
import { fuzzRuns, fuzzSeed, fuzzTimeout, mutateAll, mutations } from './fuzz-mutations.js';

const ROOT = corpusRoot();
const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8')) as { files: { path: string; bytes: number }[] };
const pdfSeeds = manifest.files.filter((f) => f.bytes < 150_000).map((f) => readFileSync(join(ROOT, f.path)));

let dir: string;
const csrSeeds: Buffer[] = [];
const ocspSeeds: Buffer[] = [];
const tsaSeeds: Buffer[] = [];

function openssl(...args: string[]): Buffer {
  return execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kyso-fuzz-'));
  const keys = [
    ['-newkey', 'rsa:2048'],
    ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  ];
  for (const [i, k] of keys.entries()) {
    const key = join(dir, `k${i}.pem`);
    const subj = '/C=VN/ST=Quảng Ninh/O=UBND xã Hạ Long/CN=Nguyễn Thị Hằng/UID=CCCD:022198001111';
    csrSeeds.push(openssl('req', '-new', ...k, '-nodes', '-keyout', key, '-subj', subj, '-utf8', '-outform', 'DER'));
    const cert = openssl('req', '-x509', '-key', key, '-subj', subj, '-utf8', '-days', '30', '-outform', 'DER');
    // RFC 6960 §4.1.1: one CertID, several, and one with a nonce extension (RFC 8954).
    ocspSeeds.push(encodeOcspRequest(cert, cert));
    const id = ocspCertId(cert, cert);
    ocspSeeds.push(seq(seq(seq(seq(id), seq(id), seq(id)))));
    const nonce = seq(seq(tlv(0x06, Buffer.from('2b0601050507300102', 'hex')), octets(octets(randomBytes(16)))));
    ocspSeeds.push(seq(seq(seq(seq(id)), tlv(0xa2, nonce))));
  }
  // PEM text too: the CSR parser takes both.
  csrSeeds.push(
    Buffer.from(`-----BEGIN CERTIFICATE REQUEST-----\n${csrSeeds[1]!.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`),
  );
  for (const hash of ['sha256', 'sha384', 'sha512'] as const) {
    const digest = createHash(hash).update('kyso').digest();
    tsaSeeds.push(encodeTimestampRequest({ hash, digest }));
    tsaSeeds.push(encodeTimestampRequest({ hash, digest, nonce: 0x1234567890abcdefn, certReq: true, policyOid: '1.3.6.1.4.1.99999.1.1' }));
  }
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Seeds mutated, structurally generated requests (when given), and now and then pure random bytes. */
function inputs(seeds: () => readonly Buffer[], generated?: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.nat(), mutations).map(([i, ms]) => mutateAll(seeds()[i % seeds().length]!, ms)) },
    { weight: generated ? 3 : 0, arbitrary: generated ?? fc.constant(Buffer.alloc(0)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)) },
  );
}

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
const oidBytes = fc.oneof(
  fc
    .constantFrom('2b0e03021a', '608648016503040201', '608648016503040202', '608648016503040203', '2b0601050507300102')
    .map((h) => Buffer.from(h, 'hex')),
  bytes(12),
);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

/** RFC 6960 §4.1.1 OCSPRequest shapes with every field's content chosen freely (DER lengths kept right). */
const ocspGenerated: fc.Arbitrary<Buffer> = fc
  .record({
    version: opt(bytes(3)),
    ids: fc.array(fc.record({ alg: oidBytes, nameHash: bytes(40), keyHash: bytes(40), serial: bytes(24) }), { maxLength: 12 }),
    nonce: opt(fc.record({ oid: oidBytes, value: bytes(40) })),
  })
  .map((r) =>
    seq(
      seq(
        ...(r.version ? [tlv(0xa0, tlv(0x02, r.version))] : []),
        seq(...r.ids.map((id) => seq(seq(seq(tlv(0x06, id.alg)), octets(id.nameHash), octets(id.keyHash), tlv(0x02, id.serial))))),
        ...(r.nonce ? [tlv(0xa2, seq(seq(tlv(0x06, r.nonce.oid), octets(octets(r.nonce.value)))))] : []),
      ),
    ),
  );

/** RFC 3161 §2.4.1 TimeStampReq shapes with free field contents. */
const tsaGenerated: fc.Arbitrary<Buffer> = fc
  .record({
    version: bytes(3),
    alg: oidBytes,
    digest: bytes(80),
    policy: opt(oidBytes),
    nonce: opt(bytes(40)),
    certReq: opt(bytes(2)),
    extensions: opt(bytes(40)),
  })
  .map((r) =>
    seq(
      tlv(0x02, r.version),
      seq(seq(tlv(0x06, r.alg)), octets(r.digest)),
      ...(r.policy ? [tlv(0x06, r.policy)] : []),
      ...(r.nonce ? [tlv(0x02, r.nonce)] : []),
      ...(r.certReq ? [tlv(0x01, r.certReq)] : []),
      ...(r.extensions ? [tlv(0xa0, seq(seq(tlv(0x06, r.extensions))))] : []),
    ),
  );

async function fuzz(tally: FuzzTally, arb: fc.Arbitrary<Buffer>, numRuns: number, seed: number, fn: (b: Buffer) => unknown) {
  await fc.assert(
    fc.asyncProperty(arb, async (input) => {
      await tally.run(input, () => fn(input));
    }),
    // Unbiased: fast-check's bias towards 0 would mostly cut the seed at its first byte.
    { numRuns, seed, plugins: [fc.unbiased()] },
  );
  tally.report();
  expect(tally.inputs).toBeGreaterThanOrEqual(numRuns);
}

describe('fuzzing the parsers of untrusted input', () => {
  it(
    'PDF reader: open, page count, form fields and the intake preflight → a result or an AppError',
    async () => {
      expect(pdfSeeds.length).toBeGreaterThan(20);
      // The reader's own deadline bounds each input; the tally's budget only catches what escapes it.
      const budget = { ...PDF_INPUT_BUDGET, timeBudgetMs: 5_000 };
      await fuzz(
        new FuzzTally('pdf-reader', 10_000),
        inputs(() => pdfSeeds),
        fuzzRuns(2_000),
        fuzzSeed(15),
        (pdf) => {
          const doc = PdfDocument.open(pdf, { limits: { deadline: Date.now() + 5_000 } });
          pageCount(doc);
          formFields(doc);
          return preflightPdf(pdf, budget);
        },
      );
    },
    fuzzTimeout(),
  );

  it(
    'CSR parser (PKCS#10, DER and PEM) → a parsed request or an AppError',
    async () => {
      await fuzz(
        new FuzzTally('csr', 2_000),
        inputs(() => csrSeeds),
        fuzzRuns(5_000),
        fuzzSeed(16),
        (b) => parseCsr(b[0] === 0x2d ? b.toString('latin1') : b),
      );
    },
    fuzzTimeout(),
  );

  it(
    'OCSP request parser → a request or an AppError',
    async () => {
      await fuzz(
        new FuzzTally('ocsp-request', 2_000),
        inputs(() => ocspSeeds, ocspGenerated),
        fuzzRuns(5_000),
        fuzzSeed(17),
        (b) => parseOcspRequest(b),
      );
    },
    fuzzTimeout(),
  );

  it(
    'TSA request parser → a request or a failInfo (never throws)',
    async () => {
      await fuzz(
        new FuzzTally('tsa-request', 2_000),
        inputs(() => tsaSeeds, tsaGenerated),
        fuzzRuns(5_000),
        fuzzSeed(18),
        (b) => {
          const r = parseTimestampRequest(b);
          expect(typeof r.ok).toBe('boolean');
          return r;
        },
      );
    },
    fuzzTimeout(),
  );
});
