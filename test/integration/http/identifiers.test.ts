import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startHarness, type Harness } from './harness.js';

/** Identifier and profile rules at the HTTP edge: direct issue and RA registration (problem+json, nothing stored). */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const issue = (profile: string, subject: Record<string, unknown>) =>
  call(h, 'POST', '/api/v1/certificates', {
    token: h.adminToken,
    json: { profile, subject: { commonName: 'Sở Tư pháp tỉnh Quảng Ninh', ...subject }, pkcs12Password: 'mật khẩu' },
  });

async function certificateCount(): Promise<number> {
  const r = await call(h, 'GET', '/api/v1/certificates?limit=500', { token: h.adminToken });
  expect(r.status).toBe(200);
  return (Array.isArray(r.json) ? r.json : r.json.items).length;
}

describe('HTTP: identifiers and profile rules', () => {
  it.each([
    ['organization', { uids: ['MST:0100109107'] }, 'UID_INVALID', 'must be 6'],
    ['organization', { uids: ['CCCD:022090001234'] }, 'SUBJECT_INVALID', 'personal CCCD'],
    ['organization', {}, 'SUBJECT_INVALID', 'needs an MST'],
    ['organization', { uids: ['MNS:1000555'], country: 'US' }, 'SUBJECT_INVALID', 'C must be VN'],
    ['individual', { uids: ['CCCD:003090001234'] }, 'UID_INVALID', 'province code'],
    ['individual', { uids: ['CCCD:022330001234'] }, 'UID_INVALID', 'in the future'],
  ])('fail/direct issue %s %j → 400 %s; nothing issued', async (profile, subject, code, rule) => {
    const before = await certificateCount();
    const r = await issue(profile, subject);
    expect(r.status, JSON.stringify(r.json)).toBe(400);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.json.code).toBe(code);
    expect(r.json.detail).toContain(rule);
    expect(await certificateCount()).toBe(before);
  });

  it('ok/direct issue with a valid MST (branch form)', async () => {
    const r = await issue('organization', { uids: ['MST:0100109106-001'] });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
  });

  it('fail/RA registration of an organization by a personal CCCD or a wrong MST; ok/with a valid MNS', async () => {
    const bad = await call(h, 'POST', '/api/v1/organizations', {
      token: h.adminToken,
      json: { subject: { commonName: 'Sở Y tế', uids: ['CCCD:022090001234'] } },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('SUBJECT_INVALID');
    const wrongMst = await call(h, 'POST', '/api/v1/organizations', {
      token: h.adminToken,
      json: { subject: { commonName: 'Sở Y tế', uids: ['MST:5700100257'] } },
    });
    expect(wrongMst.status).toBe(400);
    expect(wrongMst.json.code).toBe('UID_INVALID');
    const ok = await call(h, 'POST', '/api/v1/organizations', {
      token: h.adminToken,
      json: { subject: { commonName: 'Sở Y tế', uids: ['MNS:1000555'] } },
    });
    expect(ok.status, JSON.stringify(ok.json)).toBe(201);
  });
});
