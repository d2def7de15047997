import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, createVerify, randomBytes, X509Certificate } from 'node:crypto';
import { connect } from 'node:net';
import { issueSigner, sharedTestCa, type TestSigner } from '../../fixtures/pki-fixture.js';
import { softHsmToken, type SoftHsmToken } from '../../fixtures/softhsm-token.js';
import { startTokenAgent, type TokenAgent } from '../../fixtures/token-agent.js';
import { probeSession, sameProcessProbe, type Pkcs11Probe } from '../../fixtures/pkcs11-probe.js';

/**
 * Declared batches of `kyso agent` (POST /v1/sign/batches, then POST and DELETE
 * /v1/sign/batches/{id}) with a SoftHSM2 token, the agent in process. Whether the token is logged
 * in is read independently of the agent: a probe session opened through pkcs11js reports the
 * application's login state (PKCS#11 v2.40 §5.6, C_GetSessionInfo: CKS_RW_USER_FUNCTIONS while a
 * user is logged in, CKS_RW_PUBLIC_SESSION after C_Logout).
 */
const PAGE = 'http://127.0.0.1:18095';
const OTHER_PAIRED = 'http://127.0.0.1:18096';
const UNPAIRED = 'http://127.0.0.1:18097';
const IDLE_MS = 1000;
const CKS_RW_PUBLIC_SESSION = 2;
const CKS_RW_USER_FUNCTIONS = 3;

let signer: TestSigner;
let token: SoftHsmToken;
let agent: TokenAgent;
let base: string;
let certificateId: string;
const asked: string[] = [];
const secrets: string[] = [];
let answer = 'y';

let probe: Pkcs11Probe;

/** The login state of this process on the token, seen through a session of its own. */
function loginState(): number {
  const s = probeSession(probe, token.label);
  try {
    return probe.C_GetSessionInfo(s).state;
  } finally {
    probe.C_CloseSession(s);
  }
}

beforeAll(async () => {
  signer = issueSigner(sharedTestCa(), { cn: 'Lê Thị Lô Hàng' });
  token = softHsmToken({ key: signer.key, chain: signer.chain });
  agent = await startTokenAgent({
    token,
    allowed: [PAGE, OTHER_PAIRED],
    prompter: { ask: async (q) => (asked.push(q), answer), askSecret: async (q) => (secrets.push(q), '') },
    batchIdleMs: IDLE_MS,
  });
  base = agent.base;
  certificateId = ((await call('GET', '/v1/certificates')).body.certificates as Array<{ id: string }>)[0]!.id;
  // The same library, already initialized by the agent in this process: the probe shares its state.
  probe = sameProcessProbe();
}, 60_000);

afterAll(async () => {
  await agent?.close();
});

async function call(method: string, path: string, json?: unknown, origin = PAGE) {
  const res = await fetch(base + path, {
    method,
    headers: { origin, ...(json ? { 'content-type': 'application/json' } : {}) },
    ...(json ? { body: JSON.stringify(json) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

const data = Array.from({ length: 8 }, (_, i) => Buffer.from(`signed attributes of declared document ${i}`));
const item = (i: number) => ({
  index: i,
  signedAttributes: data[i]!.toString('base64'),
  digest: createHash('sha256').update(data[i]!).digest('base64'),
});
const names = (n: number) => Array.from({ length: n }, (_, i) => `bien-ban-${String(i + 1).padStart(2, '0')}.pdf`);

async function open(n: number, pin = token.pin): Promise<string> {
  const r = await call('POST', '/v1/sign/batches', { certificateId, algorithm: 'RSA-PKCS1-SHA256', documentNames: names(n), pin });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  expect(r.body).toMatchObject({ documents: n, idleSeconds: 1 });
  expect(r.body.batchId).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return r.body.batchId as string;
}
const sign = (id: string, items: unknown[], origin = PAGE) => call('POST', `/v1/sign/batches/${id}`, { items }, origin);

function verifies(signature: string, i: number): boolean {
  const pub = new X509Certificate(signer.chain[0]!).publicKey;
  return createVerify('sha256').update(data[i]!).verify(pub, Buffer.from(signature, 'base64'));
}

describe('kyso agent: declared batches (one confirmation, one login, several calls)', () => {
  it('signs the declared documents in several calls after one question and one login, then logs out by itself', async () => {
    expect(loginState()).toBe(CKS_RW_PUBLIC_SESSION);
    const before = asked.length;
    const id = await open(7);
    expect(asked.length - before).toBe(1);
    const prompt = asked.at(-1)!;
    expect(prompt).toContain('documents: 7');
    expect(prompt).toContain('bien-ban-01.pdf');
    expect(prompt).toContain('bien-ban-07.pdf');
    expect(secrets).toEqual([]); // the PIN came with the request
    expect(loginState()).toBe(CKS_RW_USER_FUNCTIONS);

    const first = await sign(id, [item(2), item(0), item(1)]);
    expect(first.status).toBe(200);
    expect(first.body.remaining).toBe(4);
    const sigs = first.body.signatures as string[];
    expect([verifies(sigs[0]!, 2), verifies(sigs[1]!, 0), verifies(sigs[2]!, 1)]).toEqual([true, true, true]);
    // Another signature on the token meanwhile is refused, not allowed to log the batch out.
    const single = await call('POST', '/v1/sign', {
      certificateId,
      algorithm: 'RSA-PKCS1-SHA256',
      signedAttributes: item(0).signedAttributes,
      documentName: 'khac.pdf',
      pin: token.pin,
    });
    expect([single.status, single.body.code]).toEqual([409, 'CONFLICT']);
    expect(loginState()).toBe(CKS_RW_USER_FUNCTIONS);

    const second = await sign(id, [item(3), item(4), item(5)]);
    expect(second.body.remaining).toBe(1);
    const last = await sign(id, [item(6)]);
    expect(last.body.remaining).toBe(0);
    expect(verifies((last.body.signatures as string[])[0]!, 6)).toBe(true);
    // Every declared document signed: the batch is over and the token logged out.
    await expect.poll(loginState).toBe(CKS_RW_PUBLIC_SESSION);
    const after = await sign(id, [item(7)]);
    expect([after.status, after.body.code]).toEqual([404, 'NOT_FOUND']);
    expect(asked.length - before).toBe(1);

    // The token is free again for single signatures.
    const again = await call('POST', '/v1/sign', {
      certificateId,
      algorithm: 'RSA-PKCS1-SHA256',
      signedAttributes: item(0).signedAttributes,
      documentName: 'khac.pdf',
      pin: token.pin,
    });
    expect(again.status).toBe(200);
    expect(verifies(again.body.signature as string, 0)).toBe(true);
  });

  it('takes two calls of one batch at once (the page keeps two in flight): each index signed once, the batch ends after the declared count', async () => {
    // The listing names the algorithm the server would choose for the key, so the page can open the batch before preparing.
    const listed = (await call('GET', '/v1/certificates')).body.certificates as Array<{ id: string; algorithm?: string }>;
    expect(listed.find((c) => c.id === certificateId)!.algorithm).toBe('RSA-PKCS1-SHA256');
    const id = await open(6);
    const [a, b] = await Promise.all([sign(id, [item(0), item(1), item(2)]), sign(id, [item(3), item(4), item(5)])]);
    expect([a.status, b.status]).toEqual([200, 200]);
    // Signed one after the other on the one login: one call saw 3 left, the other none.
    expect([a.body.remaining, b.body.remaining].sort()).toEqual([0, 3]);
    const sigs = [...(a.body.signatures as string[]), ...(b.body.signatures as string[])];
    expect(sigs.map((s, i) => verifies(s, i))).toEqual(Array(6).fill(true));
    await expect.poll(loginState).toBe(CKS_RW_PUBLIC_SESSION);
    expect((await sign(id, [item(6)])).status).toBe(404);
  });

  it('two calls at once naming the same index: one is refused (CONFLICT), the batch ends, the index is signed at most once', async () => {
    const id = await open(4);
    const [a, b] = await Promise.all([sign(id, [item(0), item(1)]), sign(id, [item(1), item(2)])]);
    const statuses = [a, b].map((r) => r.status);
    expect(statuses).toContain(409);
    // The other one claimed first: signed before the refusal ended the batch, or refused by the ended batch.
    const other = statuses[0] === 409 ? b : a;
    expect([200, 404]).toContain(other.status);
    const signatures = [a, b].flatMap((r) => (r.body.signatures as string[] | undefined) ?? []);
    expect(signatures.length).toBeLessThanOrEqual(2);
    await expect.poll(loginState).toBe(CKS_RW_PUBLIC_SESSION);
    expect((await sign(id, [item(3)])).status).toBe(404);
  });

  it('never signs more than declared: too many items or an undeclared index ends the batch with nothing signed', async () => {
    const id = await open(2);
    const over = await sign(id, [item(0), item(1), item(2)]);
    expect([over.status, over.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(over.body.signatures).toBeUndefined();
    await expect.poll(loginState).toBe(CKS_RW_PUBLIC_SESSION);
    expect((await sign(id, [item(0)])).status).toBe(404);

    const id2 = await open(2);
    const outside = await sign(id2, [item(2)]);
    expect([outside.status, outside.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    await expect.poll(loginState).toBe(CKS_RW_PUBLIC_SESSION);
    expect((await sign(id2, [item(1)])).status).toBe(404);
  });

  it('signs each declared index at most once: a repeated index (in a later call or the same one) ends the batch', async () => {
    const id = await open(3);
    expect((await sign(id, [item(0)])).status).toBe(200);
    const repeated = await sign(id, [item(0)]);
    expect([repeated.status, repeated.body.code]).toEqual([409, 'CONFLICT']);
    await expect.poll(loginState).toBe(CKS_RW_PUBLIC_SESSION);
    expect((await sign(id, [item(1)])).status).toBe(404);

    const id2 = await open(3);
    const twice = await sign(id2, [item(1), item(1)]);
    expect([twice.status, twice.body.code]).toEqual([409, 'CONFLICT']);
    expect(twice.body.signatures).toBeUndefined();
    expect((await sign(id2, [item(2)])).status).toBe(404);

    // A wrong digest is an error too: refused before signing, and the batch ends.
    const id3 = await open(2);
    const wrong = await sign(id3, [{ ...item(0), digest: item(1).digest }]);
    expect([wrong.status, wrong.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await sign(id3, [item(0)])).status).toBe(404);
    await expect.poll(loginState).toBe(CKS_RW_PUBLIC_SESSION);
  });

  it('only the opener’s origin may use the batch: another paired origin ends it, an unpaired one gets no CORS headers', async () => {
    const id = await open(3);
    const unpaired = await sign(id, [item(0)], UNPAIRED);
    expect([unpaired.status, unpaired.body.code]).toEqual([403, 'AGENT_ORIGIN_NOT_ALLOWED']);
    expect(unpaired.headers.get('access-control-allow-origin')).toBeNull();
    expect((await sign(id, [item(0)])).status).toBe(200);

    const stolen = await sign(id, [item(1)], OTHER_PAIRED);
    expect([stolen.status, stolen.body.code]).toEqual([403, 'AGENT_ORIGIN_NOT_ALLOWED']);
    expect(stolen.body.signatures).toBeUndefined();
    await expect.poll(loginState).toBe(CKS_RW_PUBLIC_SESSION);
    expect((await sign(id, [item(1)])).status).toBe(404);

    const id2 = await open(2);
    expect((await call('DELETE', `/v1/sign/batches/${id2}`, undefined, OTHER_PAIRED)).status).toBe(403);
    expect((await sign(id2, [item(0)])).status).toBe(404);
  });

  it('an unknown id, an ended batch (DELETE) and an idle one are refused; each ended batch logged the token out', async () => {
    const unknown = await sign(randomBytes(32).toString('base64url'), [item(0)]);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'NOT_FOUND']);
    expect((await sign('not-an-id', [item(0)])).status).toBe(404);

    const id = await open(4);
    expect((await sign(id, [item(0)])).status).toBe(200);
    const pre = await call('OPTIONS', `/v1/sign/batches/${id}`);
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-methods')).toContain('DELETE');
    expect((await call('DELETE', `/v1/sign/batches/${id}`)).status).toBe(204);
    expect(loginState()).toBe(CKS_RW_PUBLIC_SESSION);
    expect((await sign(id, [item(1)])).status).toBe(404);
    expect((await call('DELETE', `/v1/sign/batches/${id}`)).status).toBe(404);

    const idle = await open(4);
    expect((await sign(idle, [item(0)])).status).toBe(200);
    expect(loginState()).toBe(CKS_RW_USER_FUNCTIONS);
    await new Promise((r) => setTimeout(r, IDLE_MS + 300));
    expect(loginState()).toBe(CKS_RW_PUBLIC_SESSION);
    const late = await sign(idle, [item(1)]);
    expect([late.status, late.body.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('a call whose body never finishes does not hold the login: the batch still ends after the idle limit', async () => {
    const id = await open(2);
    expect(loginState()).toBe(CKS_RW_USER_FUNCTIONS);
    // A page (or anything local) that sends the headers and part of the body, then nothing.
    const port = new URL(base).port;
    const slow = connect(Number(port), '127.0.0.1');
    slow.on('error', () => undefined);
    slow.write(
      `POST /v1/sign/batches/${id} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: ${PAGE}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"items":',
    );
    try {
      await new Promise((r) => setTimeout(r, IDLE_MS + 500));
      expect(loginState()).toBe(CKS_RW_PUBLIC_SESSION);
    } finally {
      slow.destroy();
    }
    const late = await sign(id, [item(0)]);
    expect([late.status, late.body.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('a wrong PIN or a refusal opens nothing; malformed declarations are refused before any question', async () => {
    const before = asked.length;
    for (const bad of [
      { certificateId, algorithm: 'RSA-PKCS1-SHA256', documentNames: [] },
      { certificateId, algorithm: 'RSA-PKCS1-SHA256', documentNames: Array(101).fill('a.pdf') },
      { certificateId, algorithm: 'RSA-PKCS1-SHA256', documentNames: ['to-trinh\u202efdp.exe'] },
      { certificateId, algorithm: 'RSA-PKCS1-SHA256', documentNames: 'a.pdf' },
    ]) {
      const r = await call('POST', '/v1/sign/batches', { ...bad, pin: token.pin });
      expect([r.status, r.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect(asked.length).toBe(before);

    const wrongPin = await call('POST', '/v1/sign/batches', {
      certificateId,
      algorithm: 'RSA-PKCS1-SHA256',
      documentNames: names(2),
      pin: '000000',
    });
    expect([wrongPin.status, wrongPin.body.code]).toEqual([403, 'PIN_INVALID']);
    expect(wrongPin.body.batchId).toBeUndefined();
    expect(loginState()).toBe(CKS_RW_PUBLIC_SESSION);

    answer = 'n';
    try {
      const refused = await call('POST', '/v1/sign/batches', {
        certificateId,
        algorithm: 'RSA-PKCS1-SHA256',
        documentNames: names(2),
        pin: token.pin,
      });
      expect([refused.status, refused.body.code]).toEqual([403, 'AGENT_REFUSED']);
    } finally {
      answer = 'y';
    }
    expect(loginState()).toBe(CKS_RW_PUBLIC_SESSION);
  });
});
