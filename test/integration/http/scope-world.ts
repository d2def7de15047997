import { randomBytes } from 'node:crypto';
import { hashApiToken } from '../../../src/store/ports/api-tokens.js';
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { createPki } from '../../../src/app/pki.js';
import { newLookupCode } from '../../../src/copies/lookup-code.js';
import { vietnamYear } from '../../../src/core/vietnam-time.js';
import { call, type Harness } from './harness.js';

/**
 * Two organizations side by side, A and B, each with an official, a device, a certificate, a
 * pending request, a certifying authority with one register entry, and tokens of every role
 * bound to A. "In scope" means A's things, "out of scope" B's. Subscribers, certificates and
 * requests go through the HTTP API with the admin token; register entries are seeded in the
 * store (certifying for real needs signing credentials and is covered by the copies tests).
 */
export type RoleName = 'admin' | 'ra-officer' | 'signer' | 'certifier' | 'auditor';

export interface Side {
  readonly org: string;
  readonly official: string;
  readonly officialSubject: Record<string, unknown>;
  readonly device: string;
  readonly certificate: string;
  readonly request: string;
  readonly authority: string;
  readonly entry: string;
}

export interface ScopeWorld {
  readonly a: Side;
  readonly b: Side;
  readonly year: number;
  /** Tokens bound to A (admin: province-wide). */
  readonly tokens: Record<RoleName, string>;
  /** A certifier of B's own authority. */
  readonly certifierB: string;
  /** An RA officer of A other than tokens['ra-officer'] (the second pair of eyes). */
  readonly raOfficerA2: string;
}

async function ok(r: Promise<{ status: number; json: Record<string, any> }>, status = 201): Promise<Record<string, any>> {
  const x = await r;
  expect(x.status, JSON.stringify(x.json)).toBe(status);
  return x.json;
}

/** Tax codes with a valid check digit (weights 31, 29, 23, 19, 17, 13, 7, 5, 3; docs/domain.md). */
const ORGANIZATION_MST: Record<number, string> = { 1: '5700100217', 2: '5700100224' };

async function side(h: Harness, tag: 'A' | 'B', n: number): Promise<Side> {
  const admin = h.adminToken;
  const mst = ORGANIZATION_MST[n]!;
  const org = await ok(
    call(h, 'POST', '/api/v1/organizations', {
      token: admin,
      json: { subject: { commonName: `Ủy ban nhân dân xã ${tag}`, uids: [`MST:${mst}`] } },
    }),
  );
  const officialSubject = { commonName: `Cán bộ Tư pháp ${tag}`, uids: [`CCCD:0221980011${n}0`] };
  const official = await ok(
    call(h, 'POST', '/api/v1/officials', { token: admin, json: { subject: officialSubject, managingOrganizationId: org.id } }),
  );
  const device = await ok(
    call(h, 'POST', '/api/v1/devices', {
      token: admin,
      json: { subject: { commonName: `Máy chủ ${tag}`, uids: [`MST:${mst}-001`] }, managingOrganizationId: org.id },
    }),
  );
  const pki = createPki(h.ctx);
  const issued = await pki.issuance.issue(
    { id: 'test-admin', role: 'admin' },
    {
      profile: 'individual',
      subscriberId: official.id,
      subject: officialSubject,
      key: { pkcs12Password: 'unused-p12', generate: { type: 'ec', curve: 'P-256' } },
    },
  );
  const request = await ok(call(h, 'POST', '/api/v1/requests', { token: admin, json: { kind: 'new', subscriberId: official.id } }));
  const authority = `xa-${tag.toLowerCase()}`;
  await ok(
    call(h, 'POST', '/api/v1/authorities', {
      token: admin,
      json: { id: authority, name: `UBND xã ${tag}`, place: `xã ${tag}`, organizationId: org.id },
    }),
  );
  const now = h.ctx.clock.now();
  const entry = await h.ctx.store.registers.allocate(
    {
      authorityId: authority,
      registerType: 'SCT/BS',
      lookupCode: newLookupCode(),
      certifierId: `off-${tag}`,
      requesterName: 'Trần Văn Bình',
      requesterIdDocument: 'CCCD 022090009999',
      documentType: 'Giấy khai sinh',
      documentTitle: 'Giấy khai sinh số 123',
      documentIssuer: 'UBND phường Hồng Gai',
      originalSha256: createHash('sha256').update(tag).digest('hex'),
      originalPages: 1,
      copies: 1,
      feePerCopy: 2000,
      feeTotal: 2000,
      certifiedAt: now,
    },
    vietnamYear(now),
    `off-${tag}`,
  );
  return {
    org: org.id,
    official: official.id,
    officialSubject,
    device: device.id,
    certificate: issued.certificate.id,
    request: request.id,
    authority,
    entry: entry.id,
  };
}

/**
 * A token written straight to the store, as one minted before tokens had to be consistent with
 * their organization: the use-time scope checks must hold for such tokens too.
 */
export async function legacyToken(
  h: Harness,
  role: RoleName,
  scope: { organizationId: string; authorityId?: string; officialId?: string },
): Promise<string> {
  const value = `kyso_${randomBytes(32).toString('base64url')}`;
  await h.ctx.store.apiTokens.create({
    id: `tok_legacy_${randomBytes(6).toString('hex')}`,
    tokenHash: hashApiToken(value),
    role,
    organizationId: scope.organizationId,
    authorityId: scope.authorityId ?? null,
    officialId: scope.officialId ?? null,
    label: 'minted before the consistency rule',
    createdAt: new Date(),
  });
  return value;
}

export async function token(h: Harness, role: RoleName, scope: Record<string, string> = {}): Promise<string> {
  return (await ok(call(h, 'POST', '/api/v1/tokens', { token: h.adminToken, json: { role, ...scope } }))).token as string;
}

export async function buildScopeWorld(h: Harness): Promise<ScopeWorld> {
  const a = await side(h, 'A', 1);
  const b = await side(h, 'B', 2);
  return {
    a,
    b,
    year: vietnamYear(h.ctx.clock.now()),
    tokens: {
      admin: h.adminToken,
      'ra-officer': await token(h, 'ra-officer', { organizationId: a.org }),
      signer: await token(h, 'signer', { organizationId: a.org, officialId: a.official }),
      certifier: await token(h, 'certifier', { organizationId: a.org, authorityId: a.authority, officialId: a.official }),
      auditor: await token(h, 'auditor', { organizationId: a.org }),
    },
    certifierB: await token(h, 'certifier', { organizationId: b.org, authorityId: b.authority, officialId: b.official }),
    raOfficerA2: await token(h, 'ra-officer', { organizationId: a.org }),
  };
}
