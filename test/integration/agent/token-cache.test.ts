import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerify, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueSigner, sharedTestCa, type TestSigner } from '../../fixtures/pki-fixture.js';
import { onToken, softHsmToken, type SoftHsmToken } from '../../fixtures/softhsm-token.js';
import { startTokenAgent, type TokenAgent } from '../../fixtures/token-agent.js';

/**
 * The agent's per-signature shortcuts (module held, certificate listing kept for a while) on a
 * SoftHSM2 token, in process with a clock the test moves: a certificate removed from the token
 * stops being signable once the listing has expired, and the PIN is still checked by the token at
 * every signature.
 */
const PAGE = 'http://127.0.0.1:18090';
const TTL = 10_000;

let signer: TestSigner;
let token: SoftHsmToken;
let agent: TokenAgent;
let base: string;
let now = 1_000_000;
const asked: string[] = [];

beforeAll(async () => {
  signer = issueSigner(sharedTestCa(), { cn: 'Phạm Thị Bộ Nhớ' });
  token = softHsmToken({ key: signer.key, chain: signer.chain });
  agent = await startTokenAgent({
    token,
    allowed: [PAGE],
    prompter: { ask: async (q) => (asked.push(q), 'a'), askSecret: async (q) => (asked.push(q), '') },
    tokenAccess: { certificateTtlMs: TTL, now: () => now },
  });
  base = agent.base;
}, 60_000);

afterAll(async () => {
  await agent?.close();
});

const call = async (method: string, path: string, json?: unknown) => {
  const res = await fetch(base + path, {
    method,
    headers: { origin: PAGE, ...(json ? { 'content-type': 'application/json' } : {}) },
    ...(json ? { body: JSON.stringify(json) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('kyso agent: certificate listing kept for a while, PIN checked at every signature', () => {
  it('signs from the kept listing; a wrong PIN still fails; a removed certificate is refused once the listing expired', async () => {
    const list = await call('GET', '/v1/certificates');
    const cert = (list.body.certificates as Array<{ id: string }>)[0]!;
    const data = Buffer.from('signed attributes stand-in');
    const req = { certificateId: cert.id, algorithm: 'RSA-PKCS1-SHA256', signedAttributes: data.toString('base64'), documentName: 'a.pdf' };
    const pub = new X509Certificate(signer.chain[0]!).publicKey;

    const ok = await call('POST', '/v1/sign', { ...req, pin: token.pin });
    expect(ok.status).toBe(200);
    expect(
      createVerify('sha256')
        .update(data)
        .verify(pub, Buffer.from(ok.body.signature as string, 'base64')),
    ).toBe(true);
    // A wrong PIN between two good signatures: the token itself refuses it (no login is kept).
    expect((await call('POST', '/v1/sign', { ...req, pin: '000000' })).body.code).toBe('PIN_INVALID');
    expect((await call('POST', '/v1/sign', { ...req, pin: '' })).body.code).toBe('PIN_INVALID');
    expect((await call('POST', '/v1/sign', { ...req, pin: token.pin })).status).toBe(200);

    // Another program removes the certificate from the token (the key stays).
    onToken(token, ['--delete-object', '--type', 'cert', '--id', '01']);
    // Within the listing's lifetime it may still be named (the documented bound) …
    now += TTL - 1;
    expect((await call('POST', '/v1/sign', { ...req, pin: token.pin })).status).toBe(200);
    // … and no longer once it has expired.
    now += 2;
    const gone = await call('POST', '/v1/sign', { ...req, pin: token.pin });
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('KEY_NOT_FOUND');
    expect(((await call('GET', '/v1/certificates')).body.certificates as unknown[]).length).toBe(0);
    expect(asked.join('\n')).not.toContain(token.pin);
  });

  it('an explicit listing reads the tokens afresh: a certificate written since is listed and signable at once', async () => {
    const file = join(token.dir, 'again.der');
    writeFileSync(file, signer.chain[0]!);
    onToken(token, ['--write-object', file, '--type', 'cert', '--id', '01']);
    const certs = (await call('GET', '/v1/certificates')).body.certificates as Array<{ id: string }>;
    expect(certs).toHaveLength(1);
    const data = Buffer.from('again');
    const res = await call('POST', '/v1/sign', {
      certificateId: certs[0]!.id,
      algorithm: 'RSA-PKCS1-SHA256',
      signedAttributes: data.toString('base64'),
      documentName: 'b.pdf',
      pin: token.pin,
    });
    expect(res.status).toBe(200);
  });
});
