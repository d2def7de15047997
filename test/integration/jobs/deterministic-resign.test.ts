import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigning } from '../../../src/app/signing.js';
import { startHarness, type Harness } from '../http/harness.js';
import { smallPdfs } from './serve-process.js';
import { issueKeptKey, randomCccd } from './kept-key.js';

/**
 * Why a job may sign an item again after a crash (docs/jobs.md "Signed once"): with the signing
 * time fixed, an RSA PKCS#1 v1.5 signature (RFC 8017 §8.2, no randomness) over the same input gives
 * the same bytes, so the lost first result and the recorded second one are one and the same
 * document. ECDSA draws a fresh nonce each time, which is why a job on an ECDSA key fails an
 * interrupted item (JOB_ITEM_INTERRUPTED) instead of signing it again.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

async function keystoreSigner(generate: { type: 'rsa'; bits: 2048 } | { type: 'ec'; curve: 'P-256' }) {
  const { keyUri, certificates } = await issueKeptKey(h.ctx, { commonName: 'Nguyễn Văn Lại', cccd: randomCccd(), generate });
  return { kind: 'keystore' as const, keyUri, certificates };
}

describe('signing the same job item twice', () => {
  it('ok/RSA PKCS#1 v1.5 with the job’s fixed signing time → byte-identical outputs', async () => {
    const { sign } = createSigning(h.ctx);
    const [pdf] = await smallPdfs(1);
    const signer = await keystoreSigner({ type: 'rsa', bits: 2048 });
    const signingTime = new Date('2026-03-01T02:03:04Z');
    const opts = { signer, signingTime, revisionId: Buffer.alloc(16, 7), reason: 'Phê duyệt', actorId: 'off_x' };
    const a = Buffer.concat((await sign.signUnrecorded(pdf!, opts)).chunks);
    const b = Buffer.concat((await sign.signUnrecorded(pdf!, opts)).chunks);
    expect(a.equals(b)).toBe(true);
    // /M carries the fixed time, in Vietnam time (UTC+7)
    expect(a.toString('latin1')).toContain('D:20260301090304');
  });

  it('ok/ECDSA → two different signatures over the same input (so an interrupted ECDSA item is never re-signed)', async () => {
    const { sign } = createSigning(h.ctx);
    const [pdf] = await smallPdfs(1);
    const signer = await keystoreSigner({ type: 'ec', curve: 'P-256' });
    const opts = { signer, signingTime: new Date('2026-03-01T02:03:04Z'), revisionId: Buffer.alloc(16, 7), actorId: 'off_x' };
    const a = Buffer.concat((await sign.signUnrecorded(pdf!, opts)).chunks);
    const b = Buffer.concat((await sign.signUnrecorded(pdf!, opts)).chunks);
    expect(a.equals(b)).toBe(false);
  });
});
