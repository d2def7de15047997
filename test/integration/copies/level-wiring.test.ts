import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { openContext, type KysoContext } from '../../../src/app/context.js';
import { createPki } from '../../../src/app/pki.js';
import { createSigning } from '../../../src/app/signing.js';
import { createCertifiedCopies } from '../../../src/app/certified-copies.js';
import { originalPdf } from './setup.js';

/** Without a TSA the default level is B-B, and a requested higher level is refused before a number is taken (never lowered). */
let ctx: KysoContext;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kyso-copies-level-'));
  ctx = await openContext(
    loadConfig({
      env: {
        KYSO_DATA: dir,
        KYSO_DATABASE_URL: 'sqlite::memory:',
        KYSO_MASTER_KEY: randomBytes(32).toString('hex'),
        KYSO_LOG_LEVEL: 'silent',
      },
    }),
    { create: true },
  );
});
afterAll(async () => {
  await ctx?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('certified copies wiring: PAdES level', () => {
  it('fail/B-LT requested without a TSA → TSA_UNAVAILABLE, register untouched; default is B-B', async () => {
    const repos = { sessions: ctx.store.signSessions, credentials: ctx.store.credentials, authorizations: ctx.store.signingAuthorizations };
    const signing = createSigning(ctx, { repos });
    const w = createCertifiedCopies(ctx, { signing, pki: createPki(ctx) });
    expect(w.defaultLevel).toBe('B-B');
    // Only which ports exist decides the default: these are never called here.
    const withPorts = createSigning(ctx, {
      repos,
      timestamp: { timestamp: () => Promise.reject(new Error('not called')) },
      revocation: { collect: () => Promise.reject(new Error('not called')) },
    });
    expect(createCertifiedCopies(ctx, { signing: withPorts, pki: createPki(ctx) }).defaultLevel).toBe('B-LT');
    await w.registers.createAuthority(
      { id: 'admin', role: 'admin' },
      { id: 'ubnd-x', name: 'UBND xã X', place: 'xã X', sealCredentialId: 'cred_seal' },
    );
    const req = {
      authorityId: 'ubnd-x',
      original: { pdf: await originalPdf(1) },
      requesterName: 'A',
      requesterIdDocument: 'B',
      documentType: 'C',
      documentTitle: 'D',
      documentIssuer: 'E',
      copies: 1,
      level: 'B-LT' as const,
      certifier: { credentialId: 'cred_c', pin: '123456', title: 'T' },
      seal: { pin: '654321' },
    };
    await expect(w.certify({ id: 'off', role: 'certifier' }, req)).rejects.toMatchObject({ code: 'TSA_UNAVAILABLE' });
    expect(await ctx.store.registers.list({ authorityId: 'ubnd-x' })).toEqual([]);
  });
});
