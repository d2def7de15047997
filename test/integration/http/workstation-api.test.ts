import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { issueSigner, sharedTestCa } from '../../fixtures/pki-fixture.js';
import { CredentialService } from '../../../src/signing/index.js';
import { signerToken, startHarness, type Harness } from './harness.js';

/** The two routes the workstation page adds: the caller's own credentials and the stamp preview. */
const SIGNATURE_PNG = readFileSync(fileURLToPath(new URL('../../../examples/signature.png', import.meta.url)));

let h: Harness;
let work: string;
let giang: string;
let binh: string;
let ownId: string;

beforeAll(async () => {
  h = await startHarness();
  work = mkdtempSync(join(tmpdir(), 'kyso-ws-api-'));
  const ca = sharedTestCa();
  const credentials = new CredentialService({
    keyStore: h.ctx.keys,
    credentials: h.ctx.store.credentials,
    authorizations: h.ctx.store.signingAuthorizations,
    audit: h.ctx.audit,
    clock: h.ctx.clock,
    pinVerifierKey: () => h.ctx.pinVerifierKey(),
  });
  for (const [owner, cn] of [
    ['can-bo-giang', 'Nguyễn Thị Hương Giang'],
    ['can-bo-binh', 'Trần Văn Bình'],
  ] as const) {
    const s = issueSigner(ca, { cn });
    const key = await h.ctx.keys.importPkcs8(s.key.export({ type: 'pkcs8', format: 'der' }), cn);
    const c = await credentials.register({ ownerId: owner, keyUri: key.uri, certificates: s.chain, pin: '135790' });
    if (owner === 'can-bo-giang') ownId = c.id;
  }
  giang = await signerToken(h, 'can-bo-giang');
  binh = await signerToken(h, 'can-bo-binh');
}, 60_000);

afterAll(async () => {
  await h?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('GET /api/v1/credentials/mine', () => {
  it('lists only the credentials of the official the token acts as, with the name to show and no secret', async () => {
    const res = await fetch(`${h.url}/api/v1/credentials/mine`, { headers: { authorization: `Bearer ${giang}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { credentials } = (await res.json()) as { credentials: Array<Record<string, unknown>> };
    expect(credentials.map((c) => c.id)).toEqual([ownId]);
    expect(credentials[0]).toMatchObject({ subjectCommonName: 'Nguyễn Thị Hương Giang', locked: false, activated: true });
    // No secret field (PIN hash, key URI), and the PIN nowhere. The field names are checked, not the
    // whole text: the certificate's base64 can spell "pin" by chance.
    for (const c of credentials) expect(Object.keys(c).filter((k) => /pin|key/i.test(k))).toEqual([]);
    expect(JSON.stringify(credentials)).not.toContain('135790');
    const other = (await (await fetch(`${h.url}/api/v1/credentials/mine`, { headers: { authorization: `Bearer ${binh}` } })).json()) as {
      credentials: Array<{ subjectCommonName: string }>;
    };
    expect(other.credentials.map((c) => c.subjectCommonName)).toEqual(['Trần Văn Bình']);
  });
});

describe('POST /api/v1/sign/stamp-preview', () => {
  it('returns the stamp as a valid one-page PDF of the stamp size with the Vietnamese texts', async () => {
    const fd = new FormData();
    fd.append(
      'options',
      JSON.stringify({
        width: 220,
        height: 90,
        appearance: { kind: 'individual', texts: { signerName: 'Nguyễn Thị Hương Giang', title: 'Chủ tịch' } },
      }),
    );
    fd.append('image', new Blob([new Uint8Array(SIGNATURE_PNG)]), 'signature.png');
    const res = await fetch(`${h.url}/api/v1/sign/stamp-preview`, {
      method: 'POST',
      body: fd,
      headers: { authorization: `Bearer ${giang}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const file = join(work, 'preview.pdf');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    expect(execFileSync('qpdf', ['--check', file], { encoding: 'utf8' })).toMatch(/No syntax or stream encoding errors found/);
    expect(execFileSync('pdfinfo', [file], { encoding: 'utf8' })).toMatch(/Page size:\s+220 x 90 pts/);
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
    expect(text).toContain('Nguyễn Thị Hương Giang');
    expect(text.toUpperCase()).toContain('CHỦ TỊCH');
    expect(execFileSync('pdfimages', ['-list', file], { encoding: 'utf8' }).split('\n').length).toBeGreaterThan(3);
  });

  it('refuses a box too small for an organization seal and bad options with a problem, never a 500', async () => {
    const bad = async (options: unknown): Promise<{ status: number; code: string }> => {
      const fd = new FormData();
      fd.append('options', JSON.stringify(options));
      const res = await fetch(`${h.url}/api/v1/sign/stamp-preview`, {
        method: 'POST',
        body: fd,
        headers: { authorization: `Bearer ${giang}` },
      });
      return { status: res.status, code: ((await res.json()) as { code: string }).code };
    };
    expect(await bad({ width: 0, height: 90, appearance: { kind: 'individual' } })).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await bad({ width: 220, height: 90 })).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    const fd = new FormData();
    fd.append('options', JSON.stringify({ width: 40, height: 30, appearance: { kind: 'organization' } }));
    fd.append('image', new Blob([new Uint8Array(SIGNATURE_PNG)]), 'seal.png');
    const res = await fetch(`${h.url}/api/v1/sign/stamp-preview`, {
      method: 'POST',
      body: fd,
      headers: { authorization: `Bearer ${giang}` },
    });
    expect(res.status).toBeLessThan(500);
    expect(((await res.json()) as { code: string }).code).toBe('VALIDATION_FAILED');
  });
});

describe('the workstation batch with a server-held credential: one authorization, one POST /api/v1/sign per file, revoked at the end', () => {
  const EXAMPLE = readFileSync(fileURLToPath(new URL('../../../examples/quyet-dinh.pdf', import.meta.url)));
  const api = (token: string, method: string, path: string, json?: unknown) =>
    fetch(`${h.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}) },
      ...(json ? { body: JSON.stringify(json) } : {}),
    });
  const signOne = (token: string, signer: Record<string, unknown>) => {
    const fd = new FormData();
    fd.append('options', JSON.stringify({ level: 'B-B', signer: { kind: 'credential', ...signer } }));
    fd.append('pdf', new Blob([new Uint8Array(EXAMPLE)], { type: 'application/pdf' }), 'quyet-dinh.pdf');
    return fetch(`${h.url}/api/v1/sign`, { method: 'POST', body: fd, headers: { authorization: `Bearer ${token}` } });
  };
  const code = async (res: Response) => ((await res.json()) as { code: string }).code;
  const credential = () => h.ctx.store.credentials.get(ownId);

  it('a wrong PIN fails at the authorization (one attempt counted); the right one signs exactly the files asked for, with no further PIN check', async () => {
    const wrong = await api(giang, 'POST', `/api/v1/credentials/${ownId}/authorizations`, { pin: '000000', documents: 3, ttlSeconds: 75 });
    expect(wrong.status).toBe(403);
    expect(await code(wrong)).toBe('PIN_INVALID');
    expect((await credential())?.failedAttempts).toBe(1);

    const opened = await api(giang, 'POST', `/api/v1/credentials/${ownId}/authorizations`, { pin: '135790', documents: 2, ttlSeconds: 70 });
    expect(opened.status).toBe(201);
    const { authorizationId, expiresAt } = (await opened.json()) as { authorizationId: string; expiresAt: string };
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(70_000);
    // The right PIN clears the count; the files themselves check no PIN (no attempt counted).
    expect((await credential())?.failedAttempts).toBe(0);
    for (let i = 0; i < 2; i++) {
      const res = await signOne(giang, { authorizationId });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pdf');
    }
    expect((await h.ctx.store.signingAuthorizations.get(authorizationId))?.usedDocuments).toBe(2);
    const third = await signOne(giang, { authorizationId });
    expect(third.status).toBe(403);
    expect(await code(third)).toBe('FORBIDDEN');
    expect((await api(giang, 'DELETE', `/api/v1/credentials/${ownId}/authorizations/${authorizationId}`)).status).toBe(204);
  });

  it('another official can neither authorize the credential nor sign or revoke with its authorization; revoking ends it early', async () => {
    const foreign = await api(binh, 'POST', `/api/v1/credentials/${ownId}/authorizations`, { pin: '135790', documents: 1 });
    expect(foreign.status).toBe(403);
    expect(await code(foreign)).toBe('FORBIDDEN');
    const opened = await api(giang, 'POST', `/api/v1/credentials/${ownId}/authorizations`, { pin: '135790', documents: 5, ttlSeconds: 85 });
    const { authorizationId } = (await opened.json()) as { authorizationId: string };
    const stolen = await signOne(binh, { authorizationId });
    expect(stolen.status).toBe(403);
    expect((await api(binh, 'DELETE', `/api/v1/credentials/${ownId}/authorizations/${authorizationId}`)).status).toBe(403);
    expect((await signOne(giang, { authorizationId })).status).toBe(200);
    // The batch ends with one unit of five used: the page revokes the rest.
    expect((await api(giang, 'DELETE', `/api/v1/credentials/${ownId}/authorizations/${authorizationId}`)).status).toBe(204);
    const after = await signOne(giang, { authorizationId });
    expect(after.status).toBe(403);
    const a = await h.ctx.store.signingAuthorizations.get(authorizationId);
    expect(a?.usedDocuments).toBe(1);
    expect(a?.revokedAt).not.toBeNull();
  });
});
