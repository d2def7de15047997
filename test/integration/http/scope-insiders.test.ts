import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../../../src/app/pki.js';
import { SIGNATURE_IMAGE, originalPdf } from '../copies/setup.js';
import { call, startHarness, type Harness } from './harness.js';
import { buildScopeWorld, legacyToken, token, type ScopeWorld } from './scope-world.js';

/**
 * Insiders with a valid token of the right role acting outside their organization or
 * authority: every such attempt is 403 FORBIDDEN_SCOPE and changes nothing.
 */
let h: Harness;
let w: ScopeWorld;

beforeAll(async () => {
  h = await startHarness();
  w = await buildScopeWorld(h);
}, 180_000);
afterAll(async () => {
  await h?.close();
});

function scopeRefused(r: { status: number; json: Record<string, any> }): void {
  expect(r.status, JSON.stringify(r.json)).toBe(403);
  expect(r.json.code).toBe('FORBIDDEN_SCOPE');
}

function certifyForm(authorityId: string, pdf: Buffer): FormData {
  const fd = new FormData();
  fd.append('original', new Blob([pdf], { type: 'application/pdf' }), 'original.pdf');
  fd.set(
    'request',
    JSON.stringify({
      authorityId,
      requesterName: 'Trần Văn Bình',
      requesterIdDocument: 'CCCD 022090009999',
      documentType: 'Giấy khai sinh',
      documentTitle: 'Giấy khai sinh số 123',
      documentIssuer: 'UBND phường Hồng Gai',
      certifier: { credentialId: 'cred_none', title: 'Công chức Tư pháp', pin: '246810' },
      seal: { pin: '135790' },
    }),
  );
  return fd;
}

describe("a certifier of authority A in authority B's register", () => {
  it('fail/list, read, export, annul, certify, open a volume and close the year of B → FORBIDDEN_SCOPE; B keeps working', async () => {
    const cert = w.tokens.certifier;
    const B = w.b.authority;
    const y = w.year;
    const before = await h.ctx.store.registers.list({ authorityId: B });
    scopeRefused(await call(h, 'GET', `/api/v1/copies?authority=${B}`, { token: cert }));
    scopeRefused(await call(h, 'GET', `/api/v1/copies/${w.b.entry}`, { token: cert }));
    scopeRefused(await call(h, 'POST', `/api/v1/authorities/${B}/registers/${y}/export?format=csv`, { token: cert, json: {} }));
    scopeRefused(await call(h, 'POST', `/api/v1/copies/${w.b.entry}/annul`, { token: cert, json: { reason: 'nhầm' } }));
    const fd = certifyForm(B, await originalPdf(1));
    const certify = await fetch(`${h.url}/api/v1/copies`, { method: 'POST', headers: { authorization: `Bearer ${cert}` }, body: fd });
    scopeRefused({ status: certify.status, json: (await certify.json()) as Record<string, any> });
    scopeRefused(await call(h, 'GET', `/api/v1/authorities/${B}/registers/${y}/volumes`, { token: cert }));
    scopeRefused(await call(h, 'POST', `/api/v1/authorities/${B}/registers/${y}/volumes`, { token: cert }));
    scopeRefused(await call(h, 'POST', `/api/v1/authorities/${B}/registers/${y}/close`, { token: cert }));

    // Nothing changed in B's register: same entries, same states, the year still open.
    expect(await h.ctx.store.registers.list({ authorityId: B })).toEqual(before);
    expect(await h.ctx.store.registers.getYearClosing(B, y)).toBeUndefined();
    expect((await h.ctx.store.registers.listVolumes(B, y)).length).toBe(1);
    const opened = await call(h, 'POST', `/api/v1/authorities/${B}/registers/${y}/volumes`, { token: w.certifierB });
    expect(opened.status, JSON.stringify(opened.json)).toBe(201);

    // Refusals are audited with the certifier's token as the actor.
    const events = (await call(h, 'GET', '/api/v1/audit?action=copy.certify', { token: h.adminToken })).json.items as any[];
    expect(events.some((e) => e.outcome === 'failure' && e.details?.code === 'FORBIDDEN_SCOPE' && e.target === B)).toBe(true);
  });

  it("fail/downloading or annulling B's certified copy → FORBIDDEN_SCOPE, audited like the certification refusals", async () => {
    const failures = async (action: string) =>
      ((await call(h, 'GET', `/api/v1/audit?action=${action}`, { token: h.adminToken })).json.items as any[]).filter(
        (e) => e.target === w.b.entry && e.outcome === 'failure' && e.details?.code === 'FORBIDDEN_SCOPE',
      ).length;
    scopeRefused(await call(h, 'GET', `/api/v1/copies/${w.b.entry}/document`, { token: w.tokens.certifier }));
    scopeRefused(await call(h, 'GET', `/api/v1/copies/${w.b.entry}/document`, { token: w.tokens.auditor }));
    expect(await failures('copy.document-read')).toBe(2);
    const annulBefore = await failures('copy.annulled');
    scopeRefused(await call(h, 'POST', `/api/v1/copies/${w.b.entry}/annul`, { token: w.tokens.certifier, json: { reason: 'nhầm' } }));
    expect(await failures('copy.annulled')).toBe(annulBefore + 1);
    expect((await h.ctx.store.registers.get(w.b.entry))?.status).not.toBe('annulled');
  });

  it("fail/a token of organization A naming B's official or B's authority is refused when it is made (400), nothing created", async () => {
    const before = (await h.ctx.store.apiTokens.list()).length;
    for (const scope of [
      { organizationId: w.a.org, authorityId: w.b.authority, officialId: w.a.official },
      { organizationId: w.a.org, authorityId: w.a.authority, officialId: w.b.official },
    ]) {
      const r = await call(h, 'POST', '/api/v1/tokens', { token: h.adminToken, json: { role: 'certifier', ...scope } });
      expect(r.status, JSON.stringify(r.json)).toBe(400);
      expect(r.json.code).toBe('VALIDATION_FAILED');
    }
    const signer = await call(h, 'POST', '/api/v1/tokens', {
      token: h.adminToken,
      json: { role: 'signer', organizationId: w.a.org, officialId: w.b.official },
    });
    expect(signer.status, JSON.stringify(signer.json)).toBe(400);
    expect((await h.ctx.store.apiTokens.list()).length).toBe(before);
  });

  it("fail/a certifier token of organization A naming B's authority (made before the consistency rule) does not open B's register", async () => {
    const crossed = await legacyToken(h, 'certifier', { organizationId: w.a.org, authorityId: w.b.authority, officialId: w.a.official });
    scopeRefused(await call(h, 'GET', `/api/v1/copies?authority=${w.b.authority}`, { token: crossed }));
    scopeRefused(await call(h, 'POST', `/api/v1/authorities/${w.b.authority}/registers/${w.year}/close`, { token: crossed }));
  });

  it("ok/B's own certifier closes its year; a year closed by mistake is reopened by an admin with a reason, audited", async () => {
    const B = w.b.authority;
    const y = w.year + 1;
    const closed = await call(h, 'POST', `/api/v1/authorities/${B}/registers/${y}/close`, { token: w.certifierB });
    expect(closed.status, JSON.stringify(closed.json)).toBe(200);
    // Reopening is not a certifier's decision, and needs a reason.
    const byCertifier = await call(h, 'POST', `/api/v1/authorities/${B}/registers/${y}/reopen`, {
      token: w.certifierB,
      json: { reason: 'nhầm' },
    });
    expect([byCertifier.status, byCertifier.json.code]).toEqual([403, 'FORBIDDEN']);
    const noReason = await call(h, 'POST', `/api/v1/authorities/${B}/registers/${y}/reopen`, { token: h.adminToken, json: {} });
    expect([noReason.status, noReason.json.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(await h.ctx.store.registers.getYearClosing(B, y)).toBeDefined();

    const reopened = await call(h, 'POST', `/api/v1/authorities/${B}/registers/${y}/reopen`, {
      token: h.adminToken,
      json: { reason: 'đóng sổ nhầm năm' },
    });
    expect(reopened.status, JSON.stringify(reopened.json)).toBe(200);
    expect(await h.ctx.store.registers.getYearClosing(B, y)).toBeUndefined();
    const again = await call(h, 'POST', `/api/v1/authorities/${B}/registers/${y}/reopen`, { token: h.adminToken, json: { reason: 'x' } });
    expect([again.status, again.json.code]).toEqual([409, 'CONFLICT']);
    const audit = (await call(h, 'GET', '/api/v1/audit?action=register.year-reopened', { token: h.adminToken })).json.items as any[];
    expect(audit.at(-1)).toMatchObject({ target: B, outcome: 'success', details: { year: y, reason: 'đóng sổ nhầm năm' } });
    // Numbering continues in the reopened year (a new volume is opened).
    const vol = await call(h, 'POST', `/api/v1/authorities/${B}/registers/${y}/volumes`, { token: w.certifierB });
    expect(vol.status, JSON.stringify(vol.json)).toBe(201);
  });
});

describe('an RA officer of organization A', () => {
  it("fail/suspends, revokes, releases, approves or requests for B's subscribers → FORBIDDEN_SCOPE; nothing changes", async () => {
    const ra = w.tokens['ra-officer'];
    scopeRefused(await call(h, 'POST', `/api/v1/certificates/${w.b.certificate}/suspend`, { token: ra, json: {} }));
    scopeRefused(await call(h, 'POST', `/api/v1/certificates/${w.b.certificate}/revoke`, { token: ra, json: { reason: 'keyCompromise' } }));
    scopeRefused(await call(h, 'POST', `/api/v1/requests/${w.b.request}/approve`, { token: ra, json: {} }));
    scopeRefused(await call(h, 'POST', '/api/v1/requests', { token: ra, json: { kind: 'new', subscriberId: w.b.official } }));
    const cert = await call(h, 'GET', `/api/v1/certificates/${w.b.certificate}`, { token: h.adminToken });
    expect(cert.json.status).toBe('active');
    expect((await call(h, 'GET', `/api/v1/requests/${w.b.request}`, { token: h.adminToken })).json.state).toBe('pending');
    const audit = (await call(h, 'GET', '/api/v1/audit?action=certificate.suspend', { token: h.adminToken })).json.items as any[];
    expect(audit.some((e) => e.target === w.b.certificate && e.outcome === 'failure' && e.details?.error === 'FORBIDDEN_SCOPE')).toBe(true);
    // Its own organization's certificate: allowed.
    const own = await call(h, 'POST', `/api/v1/certificates/${w.a.certificate}/suspend`, { token: ra, json: {} });
    expect([own.status, own.json.status]).toEqual([200, 'on-hold']);
  });

  it('fail/a token of any role but admin without an organization, or a certifier without authority and official → 400', async () => {
    for (const json of [
      { role: 'ra-officer' },
      { role: 'auditor' },
      { role: 'signer' },
      { role: 'certifier', organizationId: w.a.org },
      { role: 'certifier', organizationId: w.a.org, authorityId: w.a.authority },
      { role: 'ra-officer', organizationId: w.a.org, authorityId: w.a.authority },
      { role: 'admin', organizationId: w.a.org },
    ]) {
      const r = await call(h, 'POST', '/api/v1/tokens', { token: h.adminToken, json });
      expect([r.status, r.json.code], JSON.stringify(json)).toEqual([400, 'VALIDATION_FAILED']);
    }
    // A scoped token is created with its scope in the audit log, never its value.
    const made = await call(h, 'POST', '/api/v1/tokens', { token: h.adminToken, json: { role: 'ra-officer', organizationId: w.b.org } });
    expect(made.status).toBe(201);
    const audit = (await call(h, 'GET', '/api/v1/audit?action=token.create', { token: h.adminToken })).json.items as any[];
    const ev = audit.find((e) => e.target === made.json.id);
    expect(ev).toMatchObject({ outcome: 'success', details: { role: 'ra-officer', organizationId: w.b.org } });
    expect(JSON.stringify(audit)).not.toContain(made.json.token);
  });
});

describe("an RA officer of organization A and B's server-held credentials", () => {
  it("fail/approves or rejects B's binding or PIN-reset requests, or asks a PIN reset of B's credential → FORBIDDEN_SCOPE; the requests stay pending", async () => {
    const ra = w.tokens['ra-officer'];
    const [b1, b2] = [await token(h, 'ra-officer', { organizationId: w.b.org }), await token(h, 'ra-officer', { organizationId: w.b.org })];
    const issued = await createPki(h.ctx).issuance.issue(
      { id: 'test-admin', role: 'admin' },
      {
        profile: 'individual',
        subscriberId: w.b.official,
        subject: w.b.officialSubject as { commonName: string; uids: string[] },
        key: { pkcs12Password: 'unused-p12', generate: { type: 'ec', curve: 'P-256' }, keepKey: true },
      },
    );
    const state = async (id: string) => (await call(h, 'GET', `/api/v1/credential-requests/${id}`, { token: h.adminToken })).json.state;
    const auditFailures = async (action: string, target: string) =>
      ((await call(h, 'GET', `/api/v1/audit?action=${action}`, { token: h.adminToken })).json.items as any[]).filter(
        (e) => e.target === target && e.outcome === 'failure' && e.details?.error === 'FORBIDDEN_SCOPE',
      ).length;

    // B's binding request: A's officer neither approves (which would also have spent it) nor rejects it.
    const bind = await call(h, 'POST', '/api/v1/credentials', {
      token: b1,
      json: { certificateId: issued.certificate.id, ownerId: w.b.official },
    });
    expect(bind.status, JSON.stringify(bind.json)).toBe(202);
    scopeRefused(await call(h, 'POST', `/api/v1/credential-requests/${bind.json.id}/approve`, { token: ra, json: {} }));
    scopeRefused(await call(h, 'POST', `/api/v1/credential-requests/${bind.json.id}/reject`, { token: ra, json: { note: 'x' } }));
    expect(await state(bind.json.id)).toBe('pending');
    expect(await auditFailures('signing.credential.approve', bind.json.id)).toBe(1);
    expect(await auditFailures('signing.credential.reject', bind.json.id)).toBe(1);
    const bound = await call(h, 'POST', `/api/v1/credential-requests/${bind.json.id}/approve`, { token: b2, json: {} });
    expect(bound.status, JSON.stringify(bound.json)).toBe(200);
    const credentialId = bound.json.credentialId as string;

    // A PIN reset of B's credential: A's officer may not ask for one, approve or reject one.
    const pending = async () => (await h.ctx.store.approvals.list({ kind: 'credential.pin-reset', state: 'pending' })).length;
    const before = await pending();
    scopeRefused(await call(h, 'POST', `/api/v1/credentials/${credentialId}/pin-reset`, { token: ra, json: {} }));
    expect(await pending()).toBe(before);
    expect(await auditFailures('signing.credential.pin-reset.request', credentialId)).toBe(1);
    const reset = await call(h, 'POST', `/api/v1/credentials/${credentialId}/pin-reset`, { token: b1, json: {} });
    expect(reset.status, JSON.stringify(reset.json)).toBe(202);
    scopeRefused(await call(h, 'POST', `/api/v1/credential-requests/${reset.json.id}/approve`, { token: ra, json: {} }));
    scopeRefused(await call(h, 'POST', `/api/v1/credential-requests/${reset.json.id}/reject`, { token: ra, json: {} }));
    expect(await state(reset.json.id)).toBe('pending');
    expect(await auditFailures('signing.credential.approve', reset.json.id)).toBe(1);
    expect(await auditFailures('signing.credential.pin-reset', credentialId)).toBe(0);

    // B's own second officer still decides.
    const approved = await call(h, 'POST', `/api/v1/credential-requests/${reset.json.id}/approve`, { token: b2, json: {} });
    expect(approved.status, JSON.stringify(approved.json)).toBe(200);
    expect(approved.json.activationCode).toBeTruthy();
  });
});

describe("a token naming B's official without working for B", () => {
  it("fail/a certifier token of organization A naming B's official sets that official's signature image or asks its PIN reset → FORBIDDEN_SCOPE; nothing stored", async () => {
    const [b1, b2] = [await token(h, 'ra-officer', { organizationId: w.b.org }), await token(h, 'ra-officer', { organizationId: w.b.org })];
    const issued = await createPki(h.ctx).issuance.issue(
      { id: 'test-admin', role: 'admin' },
      {
        profile: 'individual',
        subscriberId: w.b.official,
        subject: w.b.officialSubject as { commonName: string; uids: string[] },
        key: { pkcs12Password: 'unused-p12', generate: { type: 'ec', curve: 'P-256' }, keepKey: true },
      },
    );
    const bind = await call(h, 'POST', '/api/v1/credentials', {
      token: b1,
      json: { certificateId: issued.certificate.id, ownerId: w.b.official },
    });
    const bound = await call(h, 'POST', `/api/v1/credential-requests/${bind.json.id}/approve`, { token: b2, json: {} });
    expect(bound.status, JSON.stringify(bound.json)).toBe(200);
    const credentialId = bound.json.credentialId as string;

    const put = async (tok: string) => {
      const fd = new FormData();
      fd.append('signatureImage', new Blob([new Uint8Array(SIGNATURE_IMAGE)], { type: 'image/png' }), 'signature.png');
      const r = await fetch(`${h.url}/api/v1/credentials/${credentialId}/signature-image`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${tok}` },
        body: fd,
      });
      return { status: r.status, json: r.status === 204 ? {} : ((await r.json()) as Record<string, any>) };
    };
    // a token made before tokens had to be consistent with their organization
    const crossed = await legacyToken(h, 'certifier', { organizationId: w.a.org, authorityId: w.a.authority, officialId: w.b.official });
    scopeRefused(await put(crossed));
    expect(await h.ctx.store.stampSettings.getSignatureImage(credentialId)).toBeUndefined();
    const audit = (await call(h, 'GET', '/api/v1/audit?action=credential.signature-image-set', { token: h.adminToken })).json
      .items as any[];
    expect(audit.some((e) => e.target === credentialId && e.outcome === 'failure' && e.details?.error === 'FORBIDDEN_SCOPE')).toBe(true);

    // Nor does it ask a PIN reset as that official's "holder".
    const resets = async () => (await h.ctx.store.approvals.list({ kind: 'credential.pin-reset', state: 'pending' })).length;
    const before = await resets();
    scopeRefused(await call(h, 'POST', `/api/v1/credentials/${credentialId}/pin-reset`, { token: crossed, json: {} }));
    expect(await resets()).toBe(before);

    // B's own certifier acting as that official does.
    const own = await token(h, 'certifier', { organizationId: w.b.org, authorityId: w.b.authority, officialId: w.b.official });
    expect((await put(own)).status).toBe(204);
  });
});

describe('direct issuance over HTTP', () => {
  const issueBody = (subscriberId: string, subject: Record<string, unknown>) => ({
    profile: 'individual',
    subscriberId,
    subject,
    pkcs12Password: 'mat-khau-1',
    keySpec: { type: 'ec', curve: 'P-256' },
  });

  it('fail/off by default: an RA officer cannot skip the request and its approval, for any subject', async () => {
    const r = await call(h, 'POST', '/api/v1/certificates', {
      token: w.tokens['ra-officer'],
      json: issueBody(w.a.official, w.a.officialSubject),
    });
    expect([r.status, r.json.code]).toEqual([403, 'FORBIDDEN']);
    const arbitrary = await call(h, 'POST', '/api/v1/certificates', {
      token: w.tokens['ra-officer'],
      json: { profile: 'individual', subject: { commonName: 'Ai đó', uids: ['CCCD:022198009999'] }, pkcs12Password: 'mat-khau-1' },
    });
    expect([arbitrary.status, arbitrary.json.code]).toEqual([403, 'FORBIDDEN']);
  });

  it("ok/KYSO_DIRECT_ISSUANCE=on: only for the officer's own organization's registered subscribers, under their registered subject", async () => {
    const on = await startHarness({ KYSO_DIRECT_ISSUANCE: 'on' });
    try {
      const world = await buildScopeWorld(on);
      const ra = world.tokens['ra-officer'];
      scopeRefused(
        await call(on, 'POST', '/api/v1/certificates', { token: ra, json: issueBody(world.b.official, world.b.officialSubject) }),
      );
      scopeRefused(
        await call(on, 'POST', '/api/v1/certificates', {
          token: ra,
          json: issueBody(world.a.official, { commonName: 'Người khác', uids: ['CCCD:022198009999'] }),
        }),
      );
      const noSubscriber = await call(on, 'POST', '/api/v1/certificates', {
        token: ra,
        json: { profile: 'individual', subject: world.a.officialSubject, pkcs12Password: 'mat-khau-1' },
      });
      scopeRefused(noSubscriber);
      const good = await call(on, 'POST', '/api/v1/certificates', {
        token: ra,
        json: issueBody(world.a.official, world.a.officialSubject),
      });
      expect(good.status, JSON.stringify(good.json)).toBe(201);
      expect(good.json.certificate.subscriberId).toBe(world.a.official);
      const fresh = await token(on, 'ra-officer', { organizationId: world.b.org });
      expect(fresh).toMatch(/^kyso_/);
    } finally {
      await on.close();
    }
  }, 180_000);
});
