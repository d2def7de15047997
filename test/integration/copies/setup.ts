import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { expect } from 'vitest';
import { createPki } from '../../../src/app/pki.js';
import type { KysoContext } from '../../../src/app/context.js';
import type { KeySpec } from '../../../src/keys/key-store.js';

/** Shared set-up for the certified-copy tests: a certifier and a seal with PIN credentials, an authority. */

export function run(cmd: string, args: string[], timeout = 60_000): Promise<{ code: number; out: string; stdout: Buffer }> {
  return new Promise((resolve) =>
    execFile(cmd, args, { encoding: 'buffer', timeout, maxBuffer: 64 * 1024 * 1024 }, (e, stdout, stderr) =>
      resolve({
        code: e ? Number((e as { code?: number }).code ?? 1) : 0,
        out: `${stdout.toString('utf8')}\n${stderr.toString('utf8')}`,
        stdout,
      }),
    ),
  );
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export type Caller = (
  method: string,
  path: string,
  o?: { token?: string; json?: unknown; body?: FormData },
) => Promise<{ status: number; headers: Headers; body: Buffer; json: Record<string, any> }>;

export function caller(baseUrl: string): Caller {
  return async (method, path, o = {}) => {
    const headers: Record<string, string> = {};
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body: string | FormData | undefined = o.body;
    if (o.json !== undefined) {
      body = JSON.stringify(o.json);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(baseUrl + path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const buf = Buffer.from(await res.arrayBuffer());
    const ct = res.headers.get('content-type') ?? '';
    const json = /json/.test(ct) && buf.length ? JSON.parse(buf.toString('utf8')) : undefined;
    return { status: res.status, headers: res.headers, body: buf, json };
  };
}

export const CERTIFIER_ID = 'off_nguyen_thi_hang';
/** The commune People's Committee (organization subscriber) whose seal signs the copies. */
export const ORGANIZATION_ID = 'org_ubnd_ha_long';
/** The records clerk who keeps the seal (Decree 30/2020 Art. 32): the holder of the seal credential. */
export const SEAL_OWNER = 'off_van_thu_ha_long';
export const AUTHORITY = 'ubnd-ha-long';
export const PIN = '246810';
export const SEAL_PIN = '135790';

export interface CopySetup {
  readonly certifierToken: string;
  readonly certifierCredential: string;
  readonly sealCredential: string;
  readonly auditorToken: string;
  readonly signerToken: string;
  /** A second officer who approves credential requests the admin makes. */
  readonly raOfficerToken: string;
  /** The seal custodian's token (scope SEAL_OWNER). */
  readonly custodianToken: string;
  readonly certifierCertificateId: string;
  readonly sealCertificateId: string;
}

/** A subscriber record with a readable id, as the RA would have registered it. */
export async function addSubscriber(
  ctx: KysoContext,
  o: { id: string; kind: 'organization' | 'individual'; name: string; uid: string; managingOrganizationId?: string },
): Promise<void> {
  const now = new Date();
  await ctx.store.subscribers.insert({
    id: o.id,
    kind: o.kind,
    managingOrganizationId: o.managingOrganizationId ?? null,
    name: o.name,
    subject: { commonName: o.name, uids: [o.uid] },
    identifiers: [o.uid],
    email: null,
    position: null,
    status: 'active',
    createdAt: now,
    updatedAt: now,
  });
}

/** An API token with its scope (every role but admin names its organization; a certifier also its authority and official). */
export async function newToken(
  call: Caller,
  adminToken: string,
  role: string,
  scope: { organizationId?: string; authorityId?: string; officialId?: string } = {},
): Promise<string> {
  const r = await call('POST', '/api/v1/tokens', { token: adminToken, json: { role, ...scope } });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json.token as string;
}

/**
 * The dual-control binding over HTTP: one officer requests, a second approves and receives the
 * activation code, the holder sets the PIN with it. Returns the credential id.
 */
export async function bindCredential(
  call: Caller,
  o: { requester: string; approver: string; holder: string; certificateId: string; ownerId: string; pin: string },
): Promise<string> {
  const req = await call('POST', '/api/v1/credentials', {
    token: o.requester,
    json: { certificateId: o.certificateId, ownerId: o.ownerId },
  });
  expect(req.status, JSON.stringify(req.json)).toBe(202);
  const ok = await call('POST', `/api/v1/credential-requests/${req.json.id}/approve`, { token: o.approver });
  expect(ok.status, JSON.stringify(ok.json)).toBe(200);
  const act = await call('POST', `/api/v1/credentials/${ok.json.credentialId}/activate`, {
    token: o.holder,
    json: { activationCode: ok.json.activationCode, pin: o.pin },
  });
  expect(act.status, JSON.stringify(act.json)).toBe(200);
  return ok.json.credentialId as string;
}

/**
 * Certificates with server-held keys come from the issuance service (keepKey) for subscribers
 * the RA registered; the authority, tokens and credentials go through the HTTP API like an
 * operator would (request, second-officer approval, the holder sets the PIN).
 */
export async function setupCertifierAndAuthority(
  ctx: KysoContext,
  call: Caller,
  adminToken: string,
  key: KeySpec = { type: 'ec', curve: 'P-256' },
): Promise<CopySetup> {
  const pki = createPki(ctx);
  const admin = { id: 'test-admin', role: 'admin' } as const;
  await addSubscriber(ctx, { id: ORGANIZATION_ID, kind: 'organization', name: 'Ủy ban nhân dân xã Hạ Long', uid: 'MST:5700100299' });
  await addSubscriber(ctx, {
    id: CERTIFIER_ID,
    kind: 'individual',
    name: 'Nguyễn Thị Hằng',
    uid: 'CCCD:022198001111',
    managingOrganizationId: ORGANIZATION_ID,
  });
  const certifierCert = await pki.issuance.issue(admin, {
    profile: 'individual',
    subscriberId: CERTIFIER_ID,
    subject: {
      commonName: 'Nguyễn Thị Hằng',
      organization: 'UBND xã Hạ Long',
      uids: ['CCCD:022198001111'],
      title: 'Công chức Tư pháp - Hộ tịch',
    },
    key: { pkcs12Password: 'unused-p12', generate: key, keepKey: true },
  });
  const sealCert = await pki.issuance.issue(admin, {
    profile: 'organization',
    subscriberId: ORGANIZATION_ID,
    subject: { commonName: 'Ủy ban nhân dân xã Hạ Long', uids: ['MST:5700100295'] },
    key: { pkcs12Password: 'unused-p12', generate: key, keepKey: true },
  });
  const a = await call('POST', '/api/v1/authorities', {
    token: adminToken,
    json: {
      id: AUTHORITY,
      name: 'Ủy ban nhân dân xã Hạ Long',
      place: 'xã Hạ Long, tỉnh Quảng Ninh',
      organizationId: ORGANIZATION_ID,
      sealCustodianId: SEAL_OWNER,
    },
  });
  expect(a.status, JSON.stringify(a.json)).toBe(201);
  const raOfficerToken = await newToken(call, adminToken, 'ra-officer', { organizationId: ORGANIZATION_ID });
  const certifierToken = await newToken(call, adminToken, 'certifier', {
    organizationId: ORGANIZATION_ID,
    authorityId: AUTHORITY,
    officialId: CERTIFIER_ID,
  });
  const custodianToken = await newToken(call, adminToken, 'signer', { organizationId: ORGANIZATION_ID, officialId: SEAL_OWNER });
  const bind = { requester: adminToken, approver: raOfficerToken };
  const c1 = await bindCredential(call, {
    ...bind,
    holder: certifierToken,
    certificateId: certifierCert.certificate.id,
    ownerId: CERTIFIER_ID,
    pin: PIN,
  });
  const c2 = await bindCredential(call, {
    ...bind,
    holder: custodianToken,
    certificateId: sealCert.certificate.id,
    ownerId: SEAL_OWNER,
    pin: SEAL_PIN,
  });
  const p = await call('PATCH', `/api/v1/authorities/${AUTHORITY}`, { token: adminToken, json: { sealCredentialId: c2 } });
  expect(p.status, JSON.stringify(p.json)).toBe(200);
  // The seal and the certifier's signature images are registered once (Decree 30/2020 Appendix I stamps).
  await registerStampImages(call, adminToken, AUTHORITY, c1);
  return {
    certifierToken,
    certifierCredential: c1,
    sealCredential: c2,
    auditorToken: await newToken(call, adminToken, 'auditor', { organizationId: ORGANIZATION_ID }),
    signerToken: await newToken(call, adminToken, 'signer', { organizationId: ORGANIZATION_ID, officialId: CERTIFIER_ID }),
    raOfficerToken,
    custodianToken,
    certifierCertificateId: certifierCert.certificate.id,
    sealCertificateId: sealCert.certificate.id,
  };
}

export const SEAL_IMAGE = readFileSync('assets/samples/sample-seal-red.png');
export const SIGNATURE_IMAGE = readFileSync('assets/samples/sample-signature-blue.png');

/** PUT the authority's seal image (+ settings) and the credential's signature image through the API. */
export async function registerStampImages(
  call: Caller,
  adminToken: string,
  authorityId: string,
  credentialId: string,
  settings: Record<string, unknown> = {},
): Promise<void> {
  const form = new FormData();
  form.append('sealImage', new Blob([SEAL_IMAGE], { type: 'image/png' }), 'seal.png');
  form.append('settings', JSON.stringify(settings));
  const s = await call('PUT', `/api/v1/authorities/${authorityId}/stamps`, { token: adminToken, body: form });
  expect(s.status, JSON.stringify(s.json)).toBe(200);
  const sig = new FormData();
  sig.append('signatureImage', new Blob([SIGNATURE_IMAGE], { type: 'image/png' }), 'signature.png');
  const g = await call('PUT', `/api/v1/credentials/${credentialId}/signature-image`, { token: adminToken, body: sig });
  expect(g.status, JSON.stringify(g.json)).toBe(204);
}

/** An original with `pages` pages of Vietnamese-free text (standard font), as a clerk would scan or export. */
export async function originalPdf(pages: number, title = 'GIẤY KHAI SINH'): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= pages; i++) {
    const p = doc.addPage([595.28, 841.89]);
    p.drawText(`Original document page ${i} of ${pages}`, { x: 72, y: 760, size: 14, font });
    p.drawText(
      title
        .normalize('NFD')
        .replace(/[\u0300-\u036f]/g, '')
        .replace(/Đ/g, 'D'),
      { x: 72, y: 730, size: 12, font },
    );
  }
  doc.setCreationDate(new Date(0));
  doc.setModificationDate(new Date(0));
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

function crc32(b: Buffer): number {
  let c = ~0;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A scanned page as PNG declaring `dpi` in pHYs (PNG spec §11.3.5.3). */
export function scanPng(width: number, height: number, dpi: number, shade: number): Buffer {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const ink = (y % 40 < 3 && x > 40 && x < width - 40) || x % 97 === 0;
      png.data[i] = ink ? 20 : shade;
      png.data[i + 1] = ink ? 20 : shade;
      png.data[i + 2] = ink ? 60 : 255;
      png.data[i + 3] = 255;
    }
  const raw = PNG.sync.write(png);
  const ppm = Math.round(dpi / 0.0254);
  const data = Buffer.alloc(9);
  data.writeUInt32BE(ppm, 0);
  data.writeUInt32BE(ppm, 4);
  data[8] = 1;
  const type = Buffer.from('pHYs', 'latin1');
  const chunk = Buffer.concat([Buffer.from([0, 0, 0, 9]), type, data, Buffer.alloc(4)]);
  chunk.writeUInt32BE(crc32(Buffer.concat([type, data])), 17);
  // After IHDR (8-byte signature + 25-byte IHDR chunk).
  return Buffer.concat([raw.subarray(0, 33), chunk, raw.subarray(33)]);
}
void deflateSync;

export interface CertifyFields {
  authorityId?: string;
  pin?: string;
  sealPin?: string;
  level?: string;
  copies?: number;
  credentialId?: string;
  authorizationId?: string;
  sealAuthorizationId?: string;
}

export function certifyForm(setup: CopySetup, files: { original?: Buffer; images?: Buffer[] }, f: CertifyFields = {}): FormData {
  const fd = new FormData();
  if (files.original) fd.append('original', new Blob([files.original], { type: 'application/pdf' }), 'original.pdf');
  for (const [i, img] of (files.images ?? []).entries()) fd.append('image', new Blob([img], { type: 'image/png' }), `scan-${i + 1}.png`);
  fd.set(
    'request',
    JSON.stringify({
      authorityId: f.authorityId ?? AUTHORITY,
      requesterName: 'Trần Văn Bình',
      requesterIdDocument: 'CCCD 022090009999',
      documentType: 'Giấy khai sinh',
      documentTitle: 'Giấy khai sinh, quyển số 02/2020, số 123',
      documentIssuer: 'UBND phường Hồng Gai',
      copies: f.copies ?? 1,
      ...(f.level ? { level: f.level } : {}),
      certifier: {
        credentialId: f.credentialId ?? setup.certifierCredential,
        title: 'Công chức Tư pháp - Hộ tịch',
        ...(f.authorizationId ? { authorizationId: f.authorizationId } : { pin: f.pin ?? PIN }),
      },
      seal: f.sealAuthorizationId ? { authorizationId: f.sealAuthorizationId } : { pin: f.sealPin ?? SEAL_PIN },
    }),
  );
  return fd;
}
