import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../../src/core/errors.js';
import { idempotencyKeyOf } from '../../../../src/http/idempotency/key-header.js';
import { jsonDigest, MultipartDigest } from '../../../../src/http/idempotency/request-digest.js';

const req = (value?: string | string[]) => ({ headers: value === undefined ? {} : { 'idempotency-key': value } }) as unknown as Request;

describe('Idempotency-Key header (draft-ietf-httpapi-idempotency-key-header: an RFC 8941 sf-string)', () => {
  it('ok/absent → undefined; quoted and bare forms name the same key; escapes are undone', () => {
    expect(idempotencyKeyOf(req())).toBeUndefined();
    expect(idempotencyKeyOf(req('"8e03978e-40d5-43e8-bc93-6894a57f9324"'))).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(idempotencyKeyOf(req('8e03978e-40d5-43e8-bc93-6894a57f9324'))).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(idempotencyKeyOf(req('"a \\"quoted\\" key \\\\ x"'))).toBe('a "quoted" key \\ x');
    expect(idempotencyKeyOf(req('"' + 'k'.repeat(255) + '"'))).toHaveLength(255);
  });

  it('fail/not one sf-string of 1-255 visible ASCII → IDEMPOTENCY_KEY_INVALID', () => {
    for (const bad of [
      '""',
      '"open',
      '"a" "b"',
      '"a", "b"',
      '"tab\there"',
      '"é"',
      '"\\n"',
      'two words',
      'a,b',
      '"' + 'k'.repeat(256) + '"',
    ]) {
      let err: unknown;
      try {
        idempotencyKeyOf(req(bad));
      } catch (e) {
        err = e;
      }
      expect(isAppError(err, 'IDEMPOTENCY_KEY_INVALID'), bad).toBe(true);
    }
    expect(() => idempotencyKeyOf(req(['"a"', '"b"']))).toThrow(/Idempotency-Key/);
  });
});

describe('request body digests', () => {
  const parts = (order: 'ab' | 'ba', bytes = 'PDF-1') => {
    const d = new MultipartDigest();
    const feed = d.file('pdf', 'a.pdf', 'Application/PDF');
    feed(Buffer.from(bytes.slice(0, 2)));
    feed(Buffer.from(bytes.slice(2)));
    if (order === 'ab') {
      d.field('options', '{"x":1}');
      d.field('request', 'r');
    } else {
      d.field('request', 'r');
      d.field('options', '{"x":1}');
    }
    return d.digest();
  };

  it('ok/multipart: the same parts in the same order, however chunked → the same digest; any byte, name or order changes it', () => {
    expect(parts('ab')).toEqual(parts('ab'));
    expect(parts('ab').sha256).not.toBe(parts('ba').sha256);
    expect(parts('ab').sha256).not.toBe(parts('ab', 'PDF-2').sha256);
    const renamed = new MultipartDigest();
    renamed.file('pdf', 'b.pdf', 'application/pdf')(Buffer.from('PDF-1'));
    renamed.field('options', '{"x":1}');
    renamed.field('request', 'r');
    expect(renamed.digest().sha256).not.toBe(parts('ab').sha256);
  });

  it('ok/JSON: member order and spacing do not matter; values do', () => {
    expect(jsonDigest({ a: 1, b: [1, 2] })).toEqual(jsonDigest(JSON.parse('{ "b": [1, 2],\n "a": 1 }')));
    expect(jsonDigest({ a: 1, b: [2, 1] }).sha256).not.toBe(jsonDigest({ a: 1, b: [1, 2] }).sha256);
    expect(jsonDigest({ a: '1' }).sha256).not.toBe(jsonDigest({ a: 1 }).sha256);
  });
});
