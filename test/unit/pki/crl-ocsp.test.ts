import { generateKeyPairSync, createHash, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as pkijs from 'pkijs';
import * as asn1js from 'asn1js';
import { toArrayBuffer } from '../../../src/core/bytes.js';
import { isAppError } from '../../../src/core/errors.js';
import { algId, int, octets, seq, explicit, oid } from '../../../src/core/der.js';
import { signWithKey } from '../../../src/core/signature-algorithms.js';
import { buildCrl, encodeCrlEntry } from '../../../src/pki/crl-builder.js';
import { encodeSubject, normalizeSubject } from '../../../src/pki/names.js';
import { decodeOcspGetPath, parseOcspRequest, ocspErrorResponse } from '../../../src/pki/ocsp.js';
import { parseRevocationReason } from '../../../src/pki/revocation-reasons.js';
import { generateSerial, serialToHex } from '../../../src/pki/serial.js';
import type { RevokedEntry } from '../../../src/pki/ports.js';

const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const signer = {
  algorithm: 'ECDSA-SHA256' as const,
  publicKeySpki: pair.publicKey.export({ format: 'der', type: 'spki' }),
  sign: async (d: Uint8Array) => signWithKey('ECDSA-SHA256', pair.privateKey, d),
};
const issuerName = encodeSubject(normalizeSubject({ commonName: 'CA cá nhân' }));

describe('CRL builder', () => {
  async function build(n: number) {
    const reasons = [
      'keyCompromise',
      'certificateHold',
      'unspecified',
      'cessationOfOperation',
      'affiliationChanged',
      'superseded',
    ] as const;
    const entries: RevokedEntry[] = [];
    for (let i = 0; i < n; i++) {
      entries.push({
        serial: serialToHex(generateSerial()),
        revokedAt: new Date(1_760_000_000_000 + i * 1000),
        reason: reasons[i % reasons.length]!,
        invalidityDate: i % 10 === 0 ? new Date(1_750_000_000_000) : null,
      });
    }
    const der = await buildCrl(
      {
        issuerNameDer: issuerName,
        issuerKeyId: Buffer.alloc(20, 7),
        crlNumber: 42,
        thisUpdate: new Date('2026-03-01T00:00:00Z'),
        nextUpdate: new Date('2026-03-02T00:00:00Z'),
        entries: entries.map(encodeCrlEntry),
      },
      signer,
    );
    return { der, entries };
  }

  it('ok/v2, numbered, AKI, reasons and invalidity dates, signature verifies (pkijs)', async () => {
    const { der, entries } = await build(1000);
    // asn1js v4 caps a parse at 10,000 nodes by default (DoS guard): raise it for a large CRL.
    const parsed = asn1js.fromBER(toArrayBuffer(der), { maxNodes: 200_000 } as never);
    expect(parsed.offset).toBe(der.length);
    const crl = new pkijs.CertificateRevocationList({ schema: parsed.result });
    expect(crl.version).toBe(1);
    expect(crl.revokedCertificates?.length).toBe(1000);
    const first = crl.revokedCertificates![0]!;
    expect(Buffer.from(first.userCertificate.valueBlock.valueHexView).toString('hex')).toBe(entries[0]!.serial);
    const exts = first.crlEntryExtensions?.extensions ?? [];
    expect(exts.map((e) => e.extnID)).toEqual(['2.5.29.21', '2.5.29.24']);
    // unspecified → no reasonCode extension (RFC 5280 §5.3.1)
    expect(crl.revokedCertificates![2]!.crlEntryExtensions).toBeUndefined();
    const hold = crl.revokedCertificates![1]!.crlEntryExtensions!.extensions[0]!;
    expect((asn1js.fromBER(hold.extnValue.valueBlock.valueHexView).result as asn1js.Enumerated).valueBlock.valueDec).toBe(6);
    const crlExt = crl.crlExtensions?.extensions.map((e) => e.extnID);
    expect(crlExt).toEqual(['2.5.29.35', '2.5.29.20']);
    const num = crl.crlExtensions!.extensions[1]!;
    expect((asn1js.fromBER(num.extnValue.valueBlock.valueHexView).result as asn1js.Integer).valueBlock.valueDec).toBe(42);
    expect(verify('sha256', Buffer.from(crl.tbsView), pair.publicKey, Buffer.from(crl.signatureValue.valueBlock.valueHexView))).toBe(true);
  });

  it('ok/100,000 entries: openssl reads every entry', async () => {
    const { der } = await build(100_000);
    expect(der.length).toBeGreaterThan(3_000_000);
    const out = spawnSync('openssl', ['crl', '-inform', 'DER', '-noout', '-text'], { input: der, maxBuffer: 256 << 20, encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout.split('Serial Number:').length - 1).toBe(100_000);
  });
  it('ok/an empty CRL omits revokedCertificates', async () => {
    const der = await buildCrl(
      {
        issuerNameDer: issuerName,
        issuerKeyId: Buffer.alloc(20, 1),
        crlNumber: 1,
        thisUpdate: new Date(),
        nextUpdate: new Date(Date.UTC(2030, 0)),
        entries: [],
      },
      signer,
    );
    expect(pkijs.CertificateRevocationList.fromBER(toArrayBuffer(der)).revokedCertificates).toBeUndefined();
  });
});

describe('revocation reasons', () => {
  it('ok/names (any case) and numbers', () => {
    expect(parseRevocationReason('keyCompromise')).toBe('keyCompromise');
    expect(parseRevocationReason('KEYCOMPROMISE')).toBe('keyCompromise');
    expect(parseRevocationReason(5)).toBe('cessationOfOperation');
    expect(parseRevocationReason('3')).toBe('affiliationChanged');
    expect(parseRevocationReason(undefined)).toBe('unspecified');
  });
  it.each([7, 8, 11, -1, 'certificateHold', 6, 'removeFromCRL', 'lost', '1.5'])('fail/%s → REVOCATION_REASON_INVALID', (r) => {
    try {
      parseRevocationReason(r);
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e, 'REVOCATION_REASON_INVALID')).toBe(true);
    }
  });
});

describe('OCSP request parsing', () => {
  const certId = (serial: Buffer) =>
    seq(algId('1.3.14.3.2.26', 'null'), octets(Buffer.alloc(20, 1)), octets(Buffer.alloc(20, 2)), int(serial));
  const nonceExt = seq(oid('1.3.6.1.5.5.7.48.1.2'), octets(octets(Buffer.alloc(16, 9))));
  it('ok/single request with nonce; GET path decoding (URL-encoded, base64url)', () => {
    const s = generateSerial();
    const req = seq(seq(seq(seq(certId(s))), explicit(2, seq(nonceExt))));
    const p = parseOcspRequest(req);
    expect(p.certIds.length).toBe(1);
    expect(p.certIds[0]!.serial).toBe(s.toString('hex'));
    expect(p.certIds[0]!.hashAlgorithm).toBe('sha1');
    expect(p.nonceExtension).toEqual(nonceExt);
    const b64 = req.toString('base64');
    expect(decodeOcspGetPath(encodeURIComponent(b64))).toEqual(req);
    expect(decodeOcspGetPath(req.toString('base64url'))).toEqual(req);
    // a request whose base64 has a '+', decoded by a form-style decoder into a space
    let plus = req;
    while (!plus.toString('base64').includes('+')) plus = seq(seq(seq(seq(certId(generateSerial())))));
    expect(decodeOcspGetPath(plus.toString('base64').replace(/\+/g, ' '))).toEqual(plus);
  });
  it.each([
    ['empty', Buffer.alloc(0)],
    ['garbage', Buffer.from('GET / HTTP/1.1')],
    ['no requests', seq(seq(seq()))],
    [
      'negative serial',
      seq(
        seq(
          seq(
            seq(seq(algId('1.3.14.3.2.26', 'null'), octets(Buffer.alloc(20)), octets(Buffer.alloc(20)), Buffer.from([0x02, 0x01, 0xff]))),
          ),
        ),
      ),
    ],
    ['too many', seq(seq(seq(...Array.from({ length: 11 }, () => seq(certId(generateSerial()))))))],
    ['oversize', Buffer.alloc(9000, 0x30)],
    [
      'non-minimal length (X.690 §10.1)',
      ((r: Buffer) => Buffer.concat([Buffer.from([0x30, 0x81, r.length - 2]), r.subarray(2)]))(
        seq(seq(seq(seq(certId(generateSerial()))))),
      ),
    ],
    [
      'indefinite length (BER only)',
      ((r: Buffer) => Buffer.concat([Buffer.from([0x30, 0x80]), r.subarray(2), Buffer.from([0, 0])]))(
        seq(seq(seq(seq(certId(generateSerial()))))),
      ),
    ],
    [
      'huge nonce',
      seq(seq(seq(seq(certId(generateSerial()))), explicit(2, seq(seq(oid('1.3.6.1.5.5.7.48.1.2'), octets(octets(Buffer.alloc(64)))))))),
    ],
  ])('fail/%s → OCSP_MALFORMED_REQUEST', (_n, der) => {
    try {
      parseOcspRequest(der);
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e, 'OCSP_MALFORMED_REQUEST')).toBe(true);
    }
  });
  it('fail/GET path that is not base64 → OCSP_MALFORMED_REQUEST', () => {
    for (const p of ['%%%', 'not base64!', '']) {
      try {
        decodeOcspGetPath(p);
        expect.unreachable();
      } catch (e) {
        expect(isAppError(e, 'OCSP_MALFORMED_REQUEST')).toBe(true);
      }
    }
  });
  it('ok/error responses are a bare status (RFC 6960 §4.2.1)', () => {
    expect(ocspErrorResponse('malformedRequest').toString('hex')).toBe('30030a0101');
    expect(ocspErrorResponse('unauthorized').toString('hex')).toBe('30030a0106');
    void createHash;
  });
});
