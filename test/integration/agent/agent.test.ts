import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { createHash, createVerify, X509Certificate } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { issueSigner, sharedTestCa, type TestSigner } from '../../fixtures/pki-fixture.js';
import { softHsmToken, type SoftHsmToken } from '../../fixtures/softhsm-token.js';
import { PAIR_QUESTION, startAgent, type AgentProcess } from '../../fixtures/agent-process.js';

/**
 * `kyso agent` (the built CLI) over HTTP as a browser would call it, with a SoftHSM2 token holding
 * a key and certificate issued by the test CA. The official's answers are typed on its stdin.
 */
const PAGE = 'http://127.0.0.1:18080';
const OTHER = 'http://127.0.0.1:18081';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

function call(
  agent: AgentProcess,
  method: string,
  path: string,
  o: { origin?: string; host?: string; json?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.origin) headers.origin = o.origin;
    headers.host = o.host ?? `127.0.0.1:${agent.port}`;
    const body = o.json === undefined ? undefined : JSON.stringify(o.json);
    if (body) headers['content-type'] = 'application/json';
    const req = request({ host: '127.0.0.1', port: agent.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

let signer: TestSigner;
let token: SoftHsmToken;
let agent: AgentProcess;

beforeAll(async () => {
  const ca = sharedTestCa();
  signer = issueSigner(ca, { cn: 'Trần Văn Token' });
  token = softHsmToken({ key: signer.key, chain: signer.chain });
  agent = await startAgent({ env: token.env });
}, 60_000);

afterAll(async () => {
  await agent?.close();
  token?.close();
});

describe('kyso agent', () => {
  it('refuses a foreign Host header (DNS rebinding) and a request without Origin', async () => {
    const rebound = await call(agent, 'GET', '/v1/hello', { origin: PAGE, host: `evil.example:${agent.port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.body.code).toBe('AGENT_ORIGIN_NOT_ALLOWED');
    expect(rebound.headers['access-control-allow-origin']).toBeUndefined();
    const bare = await call(agent, 'GET', '/v1/hello');
    expect(bare.status).toBe(403);
  });

  it('an unpaired origin is answered by the presence probe only; listing and signing are refused without CORS headers, preflight included', async () => {
    const hello = await call(agent, 'GET', '/v1/hello', { origin: OTHER });
    expect(hello.body).toMatchObject({ agent: 'kyso', paired: false });
    expect(hello.headers['access-control-allow-origin']).toBe(OTHER);
    const list = await call(agent, 'GET', '/v1/certificates', { origin: OTHER });
    expect(list.status).toBe(403);
    expect(list.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await call(agent, 'OPTIONS', '/v1/sign', {
      origin: OTHER,
      headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(pre.status).toBe(403);
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    const sign = await call(agent, 'POST', '/v1/sign', { origin: OTHER, json: { certificateId: 'x' } });
    expect(sign.status).toBe(403);
    expect(sign.body.code).toBe('AGENT_ORIGIN_NOT_ALLOWED');
  });

  it('pairing shows the origin in the agent, not the code; "n" or "y" refuses it, typing the page\'s code pairs', async () => {
    let at = agent.output().length;
    for (const answer of ['n', 'y']) {
      const refused = call(agent, 'POST', '/v1/pair', { origin: OTHER, json: { code: '482913' } });
      at = await agent.waitFor(PAIR_QUESTION, at);
      expect(agent.output()).toContain(OTHER);
      expect(agent.output()).not.toContain('482913');
      agent.answer(answer);
      expect((await refused).body.code).toBe('AGENT_REFUSED');
      expect((await call(agent, 'GET', '/v1/certificates', { origin: OTHER })).status).toBe(403);
    }

    const paired = call(agent, 'POST', '/v1/pair', { origin: PAGE, json: { code: '120394' } });
    await agent.waitFor(PAIR_QUESTION, at);
    agent.answer('120394');
    expect((await paired).body).toEqual({ paired: true });
    const pre = await call(agent, 'OPTIONS', '/v1/sign', { origin: PAGE, headers: { 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(PAGE);
  });

  it('signs a batch after one confirmation listing the count and the first names, in one request; malformed batches are refused before any question', async () => {
    const certs = (await call(agent, 'GET', '/v1/certificates', { origin: PAGE })).body.certificates as Array<{ id: string }>;
    const certificateId = certs[0]!.id;
    const data = Array.from({ length: 12 }, (_, i) => Buffer.from(`signed attributes of document ${i}`));
    const items = data.map((d, i) => ({
      documentName: `van-ban-${String(i + 1).padStart(2, '0')}.pdf`,
      signedAttributes: d.toString('base64'),
      digest: createHash('sha256').update(d).digest('base64'),
    }));
    const batch = { certificateId, algorithm: 'RSA-PKCS1-SHA256', items };
    let at = agent.output().length;

    const unpaired = await call(agent, 'POST', '/v1/sign/batch', { origin: OTHER, json: { ...batch, pin: token.pin } });
    expect(unpaired.status).toBe(403);
    expect(unpaired.headers['access-control-allow-origin']).toBeUndefined();
    const refusedBefore = async (json: unknown, status: number, code: string) => {
      const r = await call(agent, 'POST', '/v1/sign/batch', { origin: PAGE, json });
      expect([r.status, r.body.code]).toEqual([status, code]);
    };
    await refusedBefore({ ...batch, items: [] }, 400, 'VALIDATION_FAILED');
    await refusedBefore({ ...batch, items: Array(101).fill(items[0]) }, 400, 'VALIDATION_FAILED');
    await refusedBefore({ ...batch, items: [items[0], { ...items[1], documentName: 'a\u001b[2Jb.pdf' }] }, 400, 'VALIDATION_FAILED');
    // a right-to-left override would show "quyet-dinh-fdp.exe" as "quyet-dinh-exe.pdf"
    await refusedBefore({ ...batch, items: [{ ...items[0], documentName: 'quyet-dinh-\u202efdp.exe' }] }, 400, 'VALIDATION_FAILED');
    await refusedBefore({ ...batch, items: [{ ...items[0], documentName: 'to-trinh\u200b.pdf' }] }, 400, 'VALIDATION_FAILED');
    await refusedBefore({ ...batch, items: [items[0], { ...items[1], digest: items[0]!.digest }] }, 400, 'VALIDATION_FAILED');
    await refusedBefore({ ...batch, items: [{ ...items[0], documentName: 'x'.repeat(1024 * 1024) }] }, 413, 'PAYLOAD_TOO_LARGE');
    expect(agent.output().slice(at)).not.toMatch(/Sign( all)?\? \[/);

    const refused = call(agent, 'POST', '/v1/sign/batch', { origin: PAGE, json: { ...batch, pin: token.pin } });
    const asked = await agent.waitFor(/Sign all\? \[/, at);
    const prompt = agent.output().slice(at, asked);
    expect(prompt).toContain('documents: 12');
    expect(prompt).toContain('van-ban-01.pdf');
    expect(prompt).toContain('van-ban-10.pdf');
    expect(prompt).not.toContain('van-ban-11.pdf');
    expect(prompt).toContain('and 2 more');
    agent.answer('n');
    expect((await refused).body.code).toBe('AGENT_REFUSED');
    at = asked;

    const wrongPin = call(agent, 'POST', '/v1/sign/batch', { origin: PAGE, json: { ...batch, pin: '000000' } });
    at = await agent.waitFor(/Sign all\? \[/, at);
    agent.answer('y');
    expect((await wrongPin).body.code).toBe('PIN_INVALID');

    const ok = call(agent, 'POST', '/v1/sign/batch', { origin: PAGE, json: { ...batch, pin: token.pin } });
    at = await agent.waitFor(/Sign all\? \[/, at);
    agent.answer('y');
    const signed = await ok;
    expect(signed.status).toBe(200);
    const signatures = signed.body.signatures as string[];
    expect(signatures).toHaveLength(12);
    const pub = new X509Certificate(signer.chain[0]!).publicKey;
    for (const [i, s] of signatures.entries())
      expect(createVerify('sha256').update(data[i]!).verify(pub, Buffer.from(s, 'base64'))).toBe(true);
    // The single-document route still answers after a batch (the batch's login ended with it).
    const single = call(agent, 'POST', '/v1/sign', {
      origin: PAGE,
      json: {
        certificateId,
        algorithm: 'RSA-PKCS1-SHA256',
        signedAttributes: items[0]!.signedAttributes,
        documentName: 'mot.pdf',
        pin: '000000',
      },
    });
    await agent.waitFor(/Sign\? \[/, at);
    agent.answer('y');
    expect((await single).body.code).toBe('PIN_INVALID');
    expect(agent.output()).not.toContain(token.pin);
  });

  it('lists the token certificate with its chain and signs after confirmation; a wrong PIN and a refusal sign nothing', async () => {
    const list = await call(agent, 'GET', '/v1/certificates', { origin: PAGE });
    expect(list.status).toBe(200);
    const certs = list.body.certificates as Array<{ id: string; chain: string[]; token: string }>;
    expect(certs).toHaveLength(1);
    const cert = certs[0]!;
    expect(cert.token).toBe(token.label);
    expect(Buffer.from(cert.chain[0]!, 'base64').equals(signer.chain[0]!)).toBe(true);
    expect(cert.chain.length).toBe(signer.chain.length);
    const data = Buffer.from('signed attributes stand-in');
    const req = {
      certificateId: cert.id,
      algorithm: 'RSA-PKCS1-SHA256',
      signedAttributes: data.toString('base64'),
      documentName: 'quyet-dinh.pdf',
    };

    let at = agent.output().length;
    const refused = call(agent, 'POST', '/v1/sign', { origin: PAGE, json: { ...req, pin: token.pin } });
    at = await agent.waitFor(/Sign\? \[/, at);
    expect(agent.output().slice(-400)).toContain('quyet-dinh.pdf');
    agent.answer('n');
    expect((await refused).body.code).toBe('AGENT_REFUSED');

    const wrongPin = call(agent, 'POST', '/v1/sign', { origin: PAGE, json: { ...req, pin: '000000' } });
    at = await agent.waitFor(/Sign\? \[/, at);
    agent.answer('y');
    expect((await wrongPin).body.code).toBe('PIN_INVALID');

    const ok = call(agent, 'POST', '/v1/sign', { origin: PAGE, json: { ...req, pin: token.pin } });
    at = await agent.waitFor(/Sign\? \[/, at);
    agent.answer('a');
    const signed = await ok;
    expect(signed.status).toBe(200);
    const sig = Buffer.from(signed.body.signature as string, 'base64');
    const pub = new X509Certificate(signer.chain[0]!).publicKey;
    expect(createVerify('sha256').update(data).verify(pub, sig)).toBe(true);

    // "a": this origin is trusted until the agent stops; no new question, still needs the PIN.
    const again = await call(agent, 'POST', '/v1/sign', { origin: PAGE, json: { ...req, pin: token.pin } });
    expect(again.status).toBe(200);
    expect(agent.output().slice(at)).not.toMatch(/Sign\? \[/);
    expect(agent.output()).not.toContain(token.pin);
  });
});

describe('kyso agent flags', () => {
  const BIN = fileURLToPath(new URL('../../../bin/kyso.js', import.meta.url));

  it('refuses a missing module and a non-origin with the documented codes and exit statuses', () => {
    const noModule = spawnSync(process.execPath, [BIN, 'agent', '--module', '/nonexistent/libpkcs11.so', '--port', '0'], {
      encoding: 'utf8',
    });
    expect(noModule.status).toBe(78);
    expect(noModule.stderr).toMatch(/^kyso: CONFIG_INVALID: /);
    const badOrigin = spawnSync(process.execPath, [BIN, 'agent', '--allow-origin', 'file:///etc', '--port', '0'], {
      encoding: 'utf8',
      env: { ...token.env, KYSO_PKCS11_MODULE: '/usr/lib/softhsm/libsofthsm2.so' },
    });
    expect(badOrigin.status).toBe(64);
    expect(badOrigin.stderr).toMatch(/^kyso: VALIDATION_FAILED: /);
  });

  it('--confirm-with reads the answers from a FIFO instead of the terminal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyso-fifo-'));
    const fifo = join(dir, 'answers');
    execFileSync('mkfifo', [fifo]);
    const second = await startAgent({ env: token.env, args: ['--confirm-with', fifo] });
    try {
      const paired = call(second, 'POST', '/v1/pair', { origin: OTHER, json: { code: '654321' } });
      await second.waitFor(PAIR_QUESTION);
      const fd = openSync(fifo, 'w');
      writeSync(fd, '654321\n');
      closeSync(fd);
      expect((await paired).body).toEqual({ paired: true });
      expect((await call(second, 'GET', '/v1/certificates', { origin: OTHER })).status).toBe(200);
    } finally {
      await second.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
