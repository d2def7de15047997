import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CanonicalText, canonicalJson } from '../../../src/audit/canonical-json.js';
import { buildAuditRecord, hashAuditRecord, auditRecordPreimage, GENESIS_HASH } from '../../../src/audit/chain.js';

describe('canonical JSON (RFC 8785 rules for our subset)', () => {
  it('ok/sorted keys, no whitespace, JS number and string forms', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: { z: 1e21, y: 0.1, x: -0 } })).toBe(
      '{"a":[true,null,"x"],"b":1,"c":{"x":0,"y":0.1,"z":1e+21}}',
    );
    expect(canonicalJson({ é: 1, e: 2, E: 3 })).toBe('{"E":3,"e":2,"é":1}');
    expect(canonicalJson('Nguyễn\n"')).toBe('"Nguyễn\\n\\""');
    expect(canonicalJson({ skip: undefined, keep: 1 })).toBe('{"keep":1}');
  });

  it('ok/strings and member names are written exactly as JSON.stringify writes them (JCS §3.2.2.2)', () => {
    // quotes, backslashes, control characters and lone surrogates are escaped; DEL, U+2028/9 and pairs are not
    const parts = ['a', '"', '\\', '\n', '\u0000', '\u001f', '\u007f', '\u2028', 'ễ', '😀', '\ud83d', '\ude00', '/'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...parts), { maxLength: 6 }), fc.string({ unit: 'binary' }), (picked, any) => {
        for (const s of [picked.join(''), any]) {
          expect(canonicalJson(s)).toBe(JSON.stringify(s));
          expect(canonicalJson({ [s]: s })).toBe(JSON.stringify({ [s]: s }));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('fail/values JSON cannot carry unchanged are refused', () => {
    for (const v of [Number.NaN, Infinity, 1n, () => 1, Symbol('s'), new Date(0), new Map(), [undefined]]) {
      expect(() => canonicalJson(v)).toThrow(TypeError);
    }
  });

  it('ok/property: key order never changes the encoding, and parse(encode(x)) re-encodes identically', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const once = canonicalJson(v);
        const shuffled = JSON.parse(
          JSON.stringify(v, (_k, val: unknown) =>
            val && typeof val === 'object' && !Array.isArray(val) ? Object.fromEntries(Object.entries(val as object).reverse()) : val,
          ),
        ) as unknown;
        expect(canonicalJson(shuffled)).toBe(once);
        expect(canonicalJson(JSON.parse(once))).toBe(once);
      }),
      { numRuns: 300 },
    );
  });

  it('fail/details members named like secrets are refused at any depth', () => {
    for (const details of [{ pin: '123456' }, { nested: [{ Password: 'x' }] }, { privateKey: 'MII' }, { a: { pkcs12: 'x' } }]) {
      expect(() =>
        buildAuditRecord({ actor: 'a', role: 'r', action: 'x', outcome: 'success', details }, 1, GENESIS_HASH, new Date()),
      ).toThrow(TypeError);
    }
    // a member named like a secret is refused even when its value is absent
    expect(() =>
      buildAuditRecord(
        { actor: 'a', role: 'r', action: 'x', outcome: 'success', details: { pin: undefined } },
        1,
        GENESIS_HASH,
        new Date(),
      ),
    ).toThrow(/must not carry secrets/);
    expect(() =>
      buildAuditRecord(
        { actor: 'a', role: 'r', action: 'x', outcome: 'success', details: { keyUri: 'kyso-key:k_1', pinAttempts: 3 } },
        1,
        GENESIS_HASH,
        new Date(),
      ),
    ).not.toThrow();
  });

  it('ok/record hash is SHA-256 over the documented preimage and binds every field', () => {
    const r = buildAuditRecord(
      { actor: 'a', role: 'admin', action: 'x', outcome: 'success' },
      1,
      GENESIS_HASH,
      new Date('2026-01-01T00:00:00Z'),
    );
    expect(auditRecordPreimage(r).toString()).toBe(
      `{"action":"x","actor":"a","details":null,"outcome":"success","prevHash":"${GENESIS_HASH}","role":"admin","seq":1,"target":null,"time":"2026-01-01T00:00:00.000Z","v":1}`,
    );
    for (const change of [
      { seq: 2 },
      { time: '2026-01-01T00:00:00.001Z' },
      { actor: 'b' },
      { role: 'auditor' },
      { action: 'y' },
      { target: 't' },
      { outcome: 'failure' as const },
      { details: {} },
      { prevHash: '1'.repeat(64) },
    ]) {
      expect(hashAuditRecord({ ...r, ...change })).not.toBe(r.hash);
    }
  });

  it('ok/property: the preimage is canonicalJson of the documented object, whatever its members hold', () => {
    // the preimage is written member by member in a fixed order; this pins it to the generic
    // encoding, absent members and values of the wrong type (as a tampered record may hold) included
    const anything = fc.option(fc.jsonValue(), { nil: undefined });
    fc.assert(
      fc.property(
        fc.record({
          seq: anything,
          time: anything,
          actor: anything,
          role: anything,
          action: anything,
          target: anything,
          outcome: anything,
          details: anything,
          prevHash: anything,
        }),
        (fields) => {
          const r = fields as unknown as Parameters<typeof auditRecordPreimage>[0];
          const documented = {
            v: 1,
            seq: r.seq,
            time: r.time,
            actor: r.actor,
            role: r.role,
            action: r.action,
            target: r.target,
            outcome: r.outcome,
            details: r.details,
            prevHash: r.prevHash,
          };
          expect(auditRecordPreimage(r).toString('utf8')).toBe(canonicalJson(documented));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('ok/property: an appended record (details encoded once, spliced in) hashes as the verifier recomputes it', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string().map((k) => `k${k}`),
          fc.jsonValue(),
        ),
        fc.option(fc.string(), { nil: undefined }),
        (details, target) => {
          expect(canonicalJson({ b: new CanonicalText(canonicalJson(details)), a: 1 })).toBe(canonicalJson({ b: details, a: 1 }));
          const r = buildAuditRecord(
            { actor: 'a', role: 'admin', action: 'x', outcome: 'success', details, ...(target === undefined ? {} : { target }) },
            7,
            GENESIS_HASH,
            new Date('2026-01-01T00:00:00Z'),
          );
          // what ChainChecker and `kyso audit verify` do: re-encode the stored record from scratch
          expect(hashAuditRecord(JSON.parse(JSON.stringify(r)) as typeof r)).toBe(r.hash);
        },
      ),
      { numRuns: 200 },
    );
  });
});
