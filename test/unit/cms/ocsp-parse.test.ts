import { describe, expect, it } from 'vitest';
import {
  algId,
  enumerated,
  explicit,
  generalizedTime,
  implicitCons,
  implicitPrim,
  int,
  octets,
  oid,
  seq,
  bits,
} from '../../../src/core/der.js';
import { OID } from '../../../src/core/oids.js';
import { parseOcspResponse } from '../../../src/cms/ocsp.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-02T00:00:00Z');
const tRev = new Date('2025-12-24T10:00:00Z');
const certId = (serial: number) => seq(algId(OID.sha256, 'null'), octets(Buffer.alloc(32, 1)), octets(Buffer.alloc(32, 2)), int(serial));
const good = seq(certId(7), implicitPrim(0, Buffer.alloc(0)), generalizedTime(t0), explicit(0, generalizedTime(t1)));
const revoked = seq(certId(8), implicitCons(1, generalizedTime(tRev)), generalizedTime(t0));
const keyHash = Buffer.alloc(20, 9);
const tbs = seq(explicit(2, octets(keyHash)), generalizedTime(t0), seq(good, revoked));
const basic = seq(tbs, algId('1.2.840.10045.4.3.2'), bits(Buffer.alloc(64)), explicit(0, seq(seq(int(1)))));
const wrapped = seq(enumerated(0), explicit(0, seq(oid(OID.ocspBasic), octets(basic))));

describe('parseOcspResponse', () => {
  it('reads wrapped and bare BasicOCSPResponses alike: responder key id, CertIDs, times, revocation', () => {
    for (const der of [wrapped, basic]) {
      const r = parseOcspResponse(der);
      expect(r.status).toBe(0);
      expect(r.basic!.equals(basic)).toBe(true);
      expect(r.responderId).toEqual({ byKey: keyHash });
      expect(r.producedAt).toEqual(t0);
      expect(r.certificates).toHaveLength(1);
      const [g, v] = r.responses;
      expect(g).toMatchObject({ serialNumber: 7n, status: 'good', thisUpdate: t0, nextUpdate: t1, revokedAt: undefined });
      expect(g!.certId).toMatchObject({ hashAlgorithm: 'sha256', serialNumber: 7n });
      expect(g!.certId.issuerKeyHash.equals(Buffer.alloc(32, 2))).toBe(true);
      expect(v).toMatchObject({ serialNumber: 8n, status: 'revoked', revokedAt: tRev, nextUpdate: undefined });
    }
  });
  it('an unsuccessful status has no body; garbage is REVOCATION_UNAVAILABLE', () => {
    expect(parseOcspResponse(seq(enumerated(3)))).toMatchObject({ status: 3, basic: undefined, responses: [] });
    expect(() => parseOcspResponse(wrapped.subarray(0, 40))).toThrow(expect.objectContaining({ code: 'REVOCATION_UNAVAILABLE' }));
  });
});
