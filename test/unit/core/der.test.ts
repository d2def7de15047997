import { describe, expect, it } from 'vitest';
import * as asn1js from 'asn1js';
import { bits, generalizedTime, int, namedBits, octets, oid, seq, setOf, tlv, utcTime, utf8, x509Time } from '../../../src/core/der.js';
import { toArrayBuffer } from '../../../src/core/bytes.js';

/** Cross-checks our DER writer against asn1js's independent decoder. */
function decode(der: Buffer): asn1js.AsnType {
  const r = asn1js.fromBER(toArrayBuffer(der));
  expect(r.offset).toBe(der.length);
  return r.result;
}

describe('DER writer', () => {
  it.each([0, 1, 127, 128, 255, 256, 65535, 65536, 16_777_216])('ok/length %i round-trips through asn1js', (n) => {
    const der = octets(Buffer.alloc(n, 7));
    const v = decode(der) as asn1js.OctetString;
    expect(v.valueBlock.valueHexView.length).toBe(n);
  });
  it('ok/integers are minimal and positive', () => {
    expect(int(0).toString('hex')).toBe('020100');
    expect(int(127).toString('hex')).toBe('02017f');
    expect(int(128).toString('hex')).toBe('02020080');
    expect(int(Buffer.from([0, 0, 0x80])).toString('hex')).toBe('02020080');
    expect(int(2n ** 64n).toString('hex')).toBe('0209010000000000000000');
    expect(() => int(-1)).toThrow(TypeError);
  });
  it('ok/OIDs match asn1js', () => {
    for (const o of ['1.2.840.113549.1.1.11', '2.5.29.37', '0.9.2342.19200300.100.1.1', '2.999.1']) {
      expect((decode(oid(o)) as asn1js.ObjectIdentifier).valueBlock.toString()).toBe(o);
    }
  });
  it('ok/SET OF is sorted as DER requires (X.690 §11.6)', () => {
    const a = utf8('b');
    const b = utf8('a');
    const c = int(5);
    expect(setOf([a, b, c])).toEqual(Buffer.concat([Buffer.from([0x31, 9]), c, b, a]));
  });
  it('ok/named bits drop trailing zero bits (X.690 §11.2.2)', () => {
    expect(namedBits([0, 1]).toString('hex')).toBe('030206c0'); // digitalSignature, nonRepudiation
    expect(namedBits([5, 6]).toString('hex')).toBe('03020106'); // keyCertSign, cRLSign
    expect(namedBits([8]).toString('hex')).toBe('0303070080'); // decipherOnly
  });
  it('ok/times follow RFC 5280 §4.1.2.5', () => {
    const d = new Date('2049-12-31T23:59:59Z');
    expect(utcTime(d).subarray(2).toString()).toBe('491231235959Z');
    expect(x509Time(new Date('2050-01-01T00:00:00Z')).subarray(2).toString()).toBe('20500101000000Z');
    expect(generalizedTime(new Date('2026-11-26T01:02:03.450Z'), true).subarray(2).toString()).toBe('20261126010203.45Z');
  });
  it('ok/nested structures decode', () => {
    const der = seq(oid('1.2.3'), bits(Buffer.from([1, 2])), tlv(0xa0, [utf8('Nguyễn Văn An')]));
    const v = decode(der) as asn1js.Sequence;
    expect(v.valueBlock.value.length).toBe(3);
  });
});
