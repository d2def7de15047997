import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { int, octets, oid, seq, utf8 } from '../../../src/core/der.js';
import {
  children,
  decodeInteger,
  decodeOid,
  decodeTime,
  expectTag,
  isContext,
  isDerSorted,
  octetString,
  readDer,
} from '../../../src/core/der-reader.js';
import { isAppError } from '../../../src/core/errors.js';

const hex = (h: string): Buffer => Buffer.from(h.replace(/\s/g, ''), 'hex');

describe('readDer', () => {
  it('keeps exact slices and absolute offsets for nested elements', () => {
    const der = Buffer.concat([Buffer.from([0xff]), seq(int(5), seq(utf8('ab'), oid('1.2.840.113549.1.7.2')))]);
    const top = readDer(der, 1);
    expect(top.start).toBe(1);
    expect(top.raw.equals(der.subarray(1))).toBe(true);
    const [n, inner] = children(top);
    expect(decodeInteger(n!)).toBe(5n);
    const [s, o] = children(inner!);
    expect(s!.content.toString()).toBe('ab');
    expect(der.subarray(s!.start, s!.end).equals(s!.raw)).toBe(true);
    expect(decodeOid(o!)).toBe('1.2.840.113549.1.7.2');
  });

  it('reads BER indefinite lengths (X.690 §8.1.3.6) and refuses them with { der: true }', () => {
    const ber = hex('30 80 02 01 07 24 80 04 02 aa bb 04 01 cc 00 00 00 00');
    const top = readDer(ber);
    expect(top.indefinite).toBe(true);
    expect(top.raw.length).toBe(ber.length);
    const [i, os] = children(top);
    expect(decodeInteger(i!)).toBe(7n);
    expect(octetString(os!).toString('hex')).toBe('aabbcc');
    expect(() => readDer(ber, 0, 'CSR_MALFORMED', { der: true })).toThrow(expect.objectContaining({ code: 'CSR_MALFORMED' }));
  });

  it('refuses non-minimal lengths only in DER mode', () => {
    const nonMinimal = hex('04 81 02 aa bb');
    expect(readDer(nonMinimal).content.toString('hex')).toBe('aabb');
    expect(() => readDer(nonMinimal, 0, 'BAD_REQUEST', { der: true })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('reads high tag numbers (X.690 §8.1.2.4) and context tags of both forms', () => {
    const t = readDer(hex('bf 81 00 03 02 01 01'));
    expect(t.tagClass).toBe(2);
    expect(t.tagNumber).toBe(128);
    expect(isContext(t, 128)).toBe(true);
    expect(decodeInteger(children(t)[0]!)).toBe(1n);
    expect(isContext(readDer(hex('80 00')), 0)).toBe(true);
  });

  it('decodes OIDs with arcs beyond 2^53 and negative INTEGERs', () => {
    expect(decodeOid(readDer(oid('2.25.329800735698586629295641978511506172918')))).toBe('2.25.329800735698586629295641978511506172918');
    expect(decodeInteger(readDer(hex('02 01 80')))).toBe(-128n);
    expect(decodeInteger(readDer(int(2n ** 70n)))).toBe(2n ** 70n);
  });

  it('reads UTCTime windows and BER-style GeneralizedTime (fractions, offsets, no seconds)', () => {
    const t = (tag: number, s: string) => decodeTime(readDer(Buffer.concat([Buffer.from([tag, s.length]), Buffer.from(s, 'latin1')])));
    expect(t(0x17, '491231235959Z').toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(t(0x17, '500101000000Z').toISOString()).toBe('1950-01-01T00:00:00.000Z');
    expect(t(0x18, '20260102030405.25Z').toISOString()).toBe('2026-01-02T03:04:05.250Z');
    expect(t(0x18, '20260102030405+0700').toISOString()).toBe('2026-01-01T20:04:05.000Z');
    expect(t(0x18, '202601020304Z').toISOString()).toBe('2026-01-02T03:04:00.000Z');
    expect(() => t(0x18, 'not a time')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('expectTag and isDerSorted', () => {
    expect(() => expectTag(readDer(int(1)), 0x30, 'thing', 'CMS_MALFORMED')).toThrow(/thing/);
    expect(isDerSorted([int(1), int(2), octets(Buffer.from('a'))])).toBe(true);
    expect(isDerSorted([int(2), int(1)])).toBe(false);
  });

  it('never throws anything but AppError with the caller code on arbitrary or truncated input', () => {
    const walk = (b: Buffer): void => {
      const n = readDer(b, 0, 'CMS_MALFORMED');
      if (n.constructed) for (const c of children(n, 'CMS_MALFORMED')) if (c.constructed) walk(c.raw);
    };
    const sample = seq(int(1), seq(utf8('x'), octets(Buffer.alloc(200, 1))), hex('30 80 02 01 01 00 00'));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)),
          fc.nat(sample.length).map((n) => sample.subarray(0, n)),
        ),
        (b) => {
          try {
            walk(b);
          } catch (e) {
            expect(isAppError(e, 'CMS_MALFORMED')).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
