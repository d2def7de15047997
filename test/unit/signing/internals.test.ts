import { describe, expect, it } from 'vitest';
import { estimatePlaceholder, retryPlaceholder } from '../../../src/signing/placeholder.js';
import { embedIntoPlaceholder, signedRanges, withoutPlaceholderGap } from '../../../src/signing/prepared-file.js';
import { assertLevelAvailable } from '../../../src/signing/pades-levels.js';
import { parsePadesLevel } from '../../../src/core/pades-level.js';
import { MemorySignSessionRepository, MemorySigningAuthorizationRepository } from '../../../src/signing/memory-repositories.js';
import { orderChain } from '../../../src/signing/certificate-chain.js';
import { subjectField } from '../../../src/signing/subject.js';
import { createTestCa, issueIntermediate, issueSigner } from '../../fixtures/pki-fixture.js';
import { errorCode } from './helpers.js';

describe('placeholder sizing', () => {
  it('grows with the chain and the timestamp headroom; the retry is larger than what was needed', () => {
    const small = estimatePlaceholder([Buffer.alloc(900)], false);
    const chain = estimatePlaceholder([Buffer.alloc(900), Buffer.alloc(1400), Buffer.alloc(1400)], false);
    const withTs = estimatePlaceholder([Buffer.alloc(900)], true);
    expect(chain - small).toBeGreaterThanOrEqual(2800);
    expect(withTs - small).toBeGreaterThanOrEqual(12 * 1024);
    expect(small % 1024).toBe(0);
    expect(retryPlaceholder(4096, 9000)).toBeGreaterThanOrEqual(9000 + 8192);
  });
});

describe('embedIntoPlaceholder', () => {
  const prepared = Buffer.from('%PDF-1.7 /Contents <00000000000000000000> tail');
  const b = prepared.indexOf('<');
  const c = prepared.indexOf('>') + 1;
  const br = [0, b, c, prepared.length - c] as const;
  it('writes only the hex digits of the gap', () => {
    const out = embedIntoPlaceholder(prepared, br, Buffer.from([0xab, 0xcd]));
    expect(out.toString('latin1')).toBe('%PDF-1.7 /Contents <abcd0000000000000000> tail');
    expect(prepared.toString('latin1')).toContain('<0000'); // the stored prepared file is not mutated
  });
  it('the prepared file kept without its zero digits signs the same ranges and gives the same signed file', async () => {
    const kept = withoutPlaceholderGap(prepared, br);
    expect(kept.toString('latin1')).toBe('%PDF-1.7 /Contents  tail');
    expect(signedRanges(kept, br)).toEqual(signedRanges(prepared, br));
    expect(embedIntoPlaceholder(kept, br, Buffer.from([0xab, 0xcd])).toString('latin1')).toBe(
      '%PDF-1.7 /Contents <abcd0000000000000000> tail',
    );
    expect(await errorCode(() => embedIntoPlaceholder(kept, br, Buffer.alloc(11)))).toBe('PLACEHOLDER_OVERFLOW');
    // from the engine's parts (the placeholder in the appended one), without joining them first
    const cut = b - 5;
    expect(withoutPlaceholderGap([prepared.subarray(0, cut), prepared.subarray(cut)], br).equals(kept)).toBe(true);
    // a gap holding anything but zero digits is kept whole
    const used = Buffer.from(prepared);
    used.write('3082', b + 1, 'latin1');
    expect(withoutPlaceholderGap(used, br)).toBe(used);
  });
  it('fail/overflow → PLACEHOLDER_OVERFLOW, a wrong byte range → TypeError', async () => {
    expect(await errorCode(() => embedIntoPlaceholder(prepared, br, Buffer.alloc(11)))).toBe('PLACEHOLDER_OVERFLOW');
    expect(() => embedIntoPlaceholder(prepared, [0, b + 1, c, prepared.length - c], Buffer.alloc(1))).toThrow(TypeError);
  });
});

describe('levels', () => {
  it('parses the four levels and refuses others; missing ports fail before any work', async () => {
    expect(parsePadesLevel(undefined)).toBe('B-B');
    expect(parsePadesLevel('B-LTA')).toBe('B-LTA');
    expect(await errorCode(() => parsePadesLevel('B-LTX'))).toBe('VALIDATION_FAILED');
    expect(await errorCode(() => assertLevelAvailable('B-T', {}))).toBe('TSA_UNAVAILABLE');
    expect(await errorCode(() => assertLevelAvailable('B-LT', { timestamp: { timestamp: async () => Buffer.alloc(0) } }))).toBe(
      'REVOCATION_UNAVAILABLE',
    );
    expect(await errorCode(() => assertLevelAvailable('B-B', {}))).toBeUndefined();
  });
});

describe('memory repositories (reference behaviour for the Kysely adapters)', () => {
  it('sessions are consumed once; release allows a retry', async () => {
    const r = new MemorySignSessionRepository();
    const now = new Date();
    await r.create({
      id: 's1',
      ownerId: null,
      preparedPdf: Buffer.from('x'),
      byteRange: [0, 1, 2, 3],
      signedAttributes: Buffer.alloc(1),
      digestAlgorithm: 'sha256',
      algorithm: 'RSA-PKCS1-SHA256',
      certificates: [],
      level: 'B-B',
      createdAt: now,
      expiresAt: new Date(now.getTime() + 1000),
      usedAt: null,
    });
    expect(await r.consume('s1', now)).toBe(true);
    expect(await r.consume('s1', now)).toBe(false);
    await r.release('s1');
    expect(await r.consume('s1', now)).toBe(true);
    expect(await r.consume('nope', now)).toBe(false);
    expect(await r.deleteExpired(new Date(now.getTime() + 2000))).toBe(1);
  });
  it('authorizations are taken atomically up to their maximum, not after expiry or revocation', async () => {
    const r = new MemorySigningAuthorizationRepository();
    const now = new Date();
    await r.create({
      id: 'a',
      credentialId: 'c',
      ownerId: 'u',
      maxDocuments: 2,
      usedDocuments: 0,
      createdAt: now,
      expiresAt: new Date(now.getTime() + 1000),
      revokedAt: null,
    });
    expect((await r.take('a', 2, now))?.usedDocuments).toBe(2);
    expect(await r.take('a', 1, now)).toBeUndefined();
    await r.create({
      id: 'b',
      credentialId: 'c',
      ownerId: 'u',
      maxDocuments: 5,
      usedDocuments: 0,
      createdAt: now,
      expiresAt: new Date(now.getTime() + 1000),
      revokedAt: null,
    });
    expect(await r.take('b', 1, new Date(now.getTime() + 1000))).toBeUndefined();
    await r.revoke('b', now);
    expect(await r.take('b', 1, now)).toBeUndefined();
  });
});

describe('certificate helpers', () => {
  it('orders a shuffled chain leaf → intermediate → root and reads UTF-8 subject fields', () => {
    const root = createTestCa('Gốc thử nghiệm');
    const ica = issueIntermediate(root);
    const s = issueSigner(root, { cn: 'Nguyễn Thị Ằẵệỗự', o: 'Sở Tư pháp', issuer: ica });
    expect(orderChain(s.certDer, [root.certDer, ica.certDer]).map((c) => c.length)).toEqual(
      [s.certDer, ica.certDer, root.certDer].map((c) => c.length),
    );
    expect(subjectField(s.certDer, 'CN')).toBe('Nguyễn Thị Ằẵệỗự');
    expect(subjectField(s.certDer, 'O')).toBe('Sở Tư pháp');
  });
});
