import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki } from '../../../src/app/pki.js';
import { CredentialService } from '../../../src/signing/credential-service.js';
import { startHarness, type Harness } from '../http/harness.js';
import { PG_ADMIN_URL } from '../../contract/store/support/test-db.js';

/**
 * A racing client sends 40 wrong PINs at once and the right PIN 30 ms later, over HTTP through
 * the app. Each guess is reserved before the slow PIN hash, so at most five are ever evaluated,
 * the rest are refused as CREDENTIAL_LOCKED, and the right PIN is refused during and after the
 * burst. On PostgreSQL the burst is spread over two app instances sharing one database.
 */
const PDF = readFileSync(join(import.meta.dirname, '..', '..', '..', 'examples', 'quyet-dinh.pdf'));
const RIGHT_PIN = '864213';
const OWNER = 'off_pham_thi_ky';

interface Setup {
  readonly urls: string[];
  readonly token: string;
  readonly credentialId: string;
  readonly harnesses: Harness[];
  cleanup(): Promise<void>;
}

async function pgAdmin(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

async function setUp(dialect: 'sqlite' | 'postgres'): Promise<Setup> {
  const harnesses: Harness[] = [];
  let dropDb: (() => Promise<void>) | undefined;
  if (dialect === 'sqlite') harnesses.push(await startHarness());
  else {
    const db = `kyso_test_${randomBytes(6).toString('hex')}`;
    await pgAdmin(`CREATE DATABASE ${db}`);
    dropDb = () => pgAdmin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    const env = { KYSO_DATABASE_URL: PG_ADMIN_URL.replace(/\/[^/]*$/, `/${db}`), KYSO_MASTER_KEY: randomBytes(32).toString('hex') };
    harnesses.push(await startHarness(env));
    harnesses.push(await startHarness(env));
  }
  const ctx = harnesses[0]!.ctx;
  const issued = await createPki(ctx).issuance.issue(
    { id: 'test-admin', role: 'admin' },
    {
      profile: 'individual',
      subject: { commonName: 'Phạm Thị Ký', uids: ['CCCD:022198004444'] },
      key: { pkcs12Password: 'unused-p12', generate: { type: 'ec', curve: 'P-256' }, keepKey: true },
    },
  );
  const cert = (await ctx.store.certificates.findById(issued.certificate.id))!;
  const chain = [cert.der!];
  for (let caId: string | null = cert.caId; caId;) {
    const ca: { certificateDer: Buffer; parentId: string | null } = (await ctx.store.cas.get(caId))!;
    chain.push(ca.certificateDer);
    caId = ca.parentId;
  }
  const credentials = new CredentialService({
    keyStore: ctx.keys,
    credentials: ctx.store.credentials,
    authorizations: ctx.store.signingAuthorizations,
    audit: ctx.audit,
    clock: ctx.clock,
    pinVerifierKey: () => ctx.pinVerifierKey(),
  });
  const cred = await credentials.register({ ownerId: OWNER, keyUri: cert.keyUri!, certificates: chain, pin: RIGHT_PIN });
  const { token } = await ctx.tokens.create({ role: 'signer', organizationId: OWNER, officialId: OWNER, label: 'pin race' });
  return {
    urls: harnesses.map((h) => h.url),
    token,
    credentialId: cred.id,
    harnesses,
    async cleanup() {
      for (const h of harnesses) await h.close();
      await dropDb?.();
    },
  };
}

async function sign(url: string, token: string, credentialId: string, pin: string): Promise<{ status: number; code: string | undefined }> {
  const form = new FormData();
  form.set('pdf', new Blob([new Uint8Array(PDF)], { type: 'application/pdf' }), 'quyet-dinh.pdf');
  form.set('options', JSON.stringify({ level: 'B-B', signer: { kind: 'credential', credentialId, pin } }));
  const res = await fetch(`${url}/api/v1/sign`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const body = Buffer.from(await res.arrayBuffer());
  const code = /json/.test(res.headers.get('content-type') ?? '')
    ? (JSON.parse(body.toString('utf8')) as { code?: string }).code
    : undefined;
  return { status: res.status, code };
}

describe.each(['sqlite', 'postgres'] as const)('PIN guesses racing the lock on %s', (dialect) => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUp(dialect);
  }, 120_000);
  afterAll(async () => {
    await s?.cleanup();
  }, 60_000);

  it('fail/40 concurrent wrong PINs and the right one 30 ms later → ≤ 5 evaluated, the rest CREDENTIAL_LOCKED, the right PIN refused', async () => {
    const wrong = Array.from({ length: 40 }, (_, i) => sign(s.urls[i % s.urls.length]!, s.token, s.credentialId, `wrong-${i}`));
    await new Promise((r) => setTimeout(r, 30));
    const right = sign(s.urls[s.urls.length - 1]!, s.token, s.credentialId, RIGHT_PIN);
    const results = await Promise.all([...wrong, right]);
    const codes = results.slice(0, 40).map((r) => r.code);
    expect(codes.filter((c) => c === 'PIN_INVALID').length).toBeLessThanOrEqual(5);
    expect(
      codes.every((c) => c === 'PIN_INVALID' || c === 'CREDENTIAL_LOCKED'),
      codes.join(','),
    ).toBe(true);
    expect(codes.filter((c) => c === 'CREDENTIAL_LOCKED').length).toBeGreaterThanOrEqual(35);
    expect(results[40]).toEqual({ status: 423, code: 'CREDENTIAL_LOCKED' });
    expect(await sign(s.urls[0]!, s.token, s.credentialId, RIGHT_PIN)).toEqual({ status: 423, code: 'CREDENTIAL_LOCKED' });

    const ctx = s.harnesses[0]!.ctx;
    const events = await ctx.store.audit.list({ limit: 1000 });
    const evaluated = events.filter(
      (e) => e.action === 'signing.credential.pin' && JSON.stringify(e.details ?? {}).includes('PIN_INVALID'),
    );
    expect(evaluated.length, 'PIN hashes evaluated').toBeLessThanOrEqual(5);
    expect((await ctx.store.credentials.get(s.credentialId))?.lockedAt).not.toBeNull();
    expect(JSON.stringify(events)).not.toContain(RIGHT_PIN);
  }, 120_000);
});
