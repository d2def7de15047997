import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startHarness, type Harness } from '../http/harness.js';

/**
 * Names and free texts through the public API and the CLI: bidi overrides, zero-width
 * characters and NUL are refused with TEXT_UNSAFE and nothing is created; Vietnamese in NFC or
 * NFD is accepted and stored NFC.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const AUTHORITY_NAME = 'UBND xã Hạ Long';
const PERSON = 'Nguyễn Thị Ánh Tuyết';

function expectUnsafe(r: Awaited<ReturnType<typeof call>>, codePoint: string) {
  expect(r.status, JSON.stringify(r.json)).toBe(400);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.json.code).toBe('TEXT_UNSAFE');
  expect(r.json.detail).toContain(codePoint);
}

async function authority(id: string): Promise<Record<string, string> | undefined> {
  const r = await call(h, 'GET', '/api/v1/authorities', { token: h.adminToken });
  expect(r.status).toBe(200);
  const items = (Array.isArray(r.json) ? r.json : r.json.items) as Array<Record<string, string>>;
  return items.find((a) => a.id === id);
}

describe('authority names', () => {
  it('fail/a name with U+202E (right-to-left override) → 400 TEXT_UNSAFE, no authority created', async () => {
    const body = { id: 'ubnd-rlo', name: `${AUTHORITY_NAME}\u202Egnp.exe`, place: 'xã Hạ Long, tỉnh Quảng Ninh' };
    expectUnsafe(await call(h, 'POST', '/api/v1/authorities', { token: h.adminToken, json: body }), 'U+202E');
    expect(await authority('ubnd-rlo')).toBeUndefined();
  });
  it('fail/a place with U+200B (zero-width space) → 400 TEXT_UNSAFE', async () => {
    const body = { id: 'ubnd-zwsp', name: AUTHORITY_NAME, place: 'xã Hạ\u200BLong' };
    expectUnsafe(await call(h, 'POST', '/api/v1/authorities', { token: h.adminToken, json: body }), 'U+200B');
  });
  it('ok/the name in NFD is accepted and stored NFC', async () => {
    const body = { id: 'ubnd-nfd', name: AUTHORITY_NAME.normalize('NFD'), place: 'xã Hạ Long'.normalize('NFD') };
    const r = await call(h, 'POST', '/api/v1/authorities', { token: h.adminToken, json: body });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    const got = (await authority('ubnd-nfd'))!;
    expect(got.name).toBe(AUTHORITY_NAME.normalize('NFC'));
    expect(got.place).toBe('xã Hạ Long'.normalize('NFC'));
  });
});

describe('certificate subjects', () => {
  const issue = (commonName: string, organization = AUTHORITY_NAME) =>
    call(h, 'POST', '/api/v1/certificates', {
      token: h.adminToken,
      json: {
        profile: 'individual',
        subject: { commonName, organization, uids: ['CCCD:022198001111'] },
        keySpec: { type: 'ec', curve: 'P-256' },
        pkcs12Password: 'one-time-p12',
      },
    });
  it('fail/a CN with NUL → 400 TEXT_UNSAFE', async () => {
    expectUnsafe(await issue(`${PERSON}\u0000`), 'U+0000');
  });
  it('fail/an O with U+202E → 400 TEXT_UNSAFE', async () => {
    expectUnsafe(await issue(PERSON, `\u202E${AUTHORITY_NAME}`), 'U+202E');
  });
  it('ok/a CN and O in NFD are issued with the NFC spelling', async () => {
    const r = await issue(PERSON.normalize('NFD'), AUTHORITY_NAME.normalize('NFD'));
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect(JSON.stringify(r.json)).toContain(PERSON.normalize('NFC'));
    expect(JSON.stringify(r.json)).not.toContain(PERSON.normalize('NFD'));
  });
});

describe('signature reason', () => {
  it('fail/a reason with U+200B → 400 TEXT_UNSAFE before anything is signed', async () => {
    const fd = new FormData();
    fd.append('pdf', new Blob([Buffer.from('%PDF-1.7\n')], { type: 'application/pdf' }), 'a.pdf');
    fd.set('options', JSON.stringify({ reason: 'Phê\u200Bduyệt', signer: { kind: 'credential', credentialId: 'cred_x', pin: '123456' } }));
    const res = await fetch(`${h.url}/api/v1/sign`, { method: 'POST', headers: { authorization: `Bearer ${h.adminToken}` }, body: fd });
    const json = (await res.json()) as { code: string; detail: string };
    expect(res.status).toBe(400);
    expect(json.code).toBe('TEXT_UNSAFE');
  });
});

describe('CLI', () => {
  it('fail/kyso sign --reason with U+202E → exit 64, "kyso: TEXT_UNSAFE"', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyso-safe-text-cli-'));
    writeFileSync(join(dir, 'in.pdf'), '%PDF-1.7\n');
    writeFileSync(join(dir, 'signer.p12'), 'not read further');
    const bin = fileURLToPath(new URL('../../../bin/kyso.js', import.meta.url));
    const r = spawnSync(
      process.execPath,
      [
        bin,
        'sign',
        join(dir, 'in.pdf'),
        '--p12',
        join(dir, 'signer.p12'),
        '--password',
        'x',
        '--reason',
        'Phê duyệt\u202Efdp.exe',
        '--out',
        join(dir, 'out.pdf'),
        '--data',
        join(dir, 'data'),
      ],
      { encoding: 'utf8', env: { ...process.env, KYSO_LOG_LEVEL: 'error' } },
    );
    expect(r.status, r.stderr).toBe(64);
    expect(r.stderr).toContain('kyso: TEXT_UNSAFE:');
    expect(r.stderr).toContain('U+202E');
  });
});
