import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { SignService, type SignServiceOptions } from '../../../src/signing/sign-service.js';
import { CredentialService } from '../../../src/signing/credential-service.js';
import { createPdfSignatureEngine } from '../../../src/signing/default-engine.js';
import {
  MemoryCredentialRepository,
  MemorySignSessionRepository,
  MemorySigningAuthorizationRepository,
} from '../../../src/signing/memory-repositories.js';
import { sharedTestCa, type TestCa } from '../../fixtures/pki-fixture.js';
import { ArrayAuditLog, MapKeyStore } from '../../unit/signing/helpers.js';
import { extractSignatures, mutoolVerify, nssDbTrusting, opensslVerify, pdfsig, qpdfCheck, tmp } from './tools.js';

export function makeService(extra: Partial<SignServiceOptions> = {}, clock = new FakeClock(new Date())) {
  const audit = new ArrayAuditLog();
  const keyStore = new MapKeyStore();
  const credentials = new CredentialService({
    keyStore,
    credentials: new MemoryCredentialRepository(),
    authorizations: new MemorySigningAuthorizationRepository(),
    audit,
    clock,
    pinHashParams: { N: 1 << 10, r: 8, p: 1 },
  });
  const sessions = new MemorySignSessionRepository();
  const service = new SignService({
    engine: createPdfSignatureEngine(),
    clock,
    audit,
    sessions,
    keyStore,
    credentials,
    ...extra,
  });
  return { service, audit, keyStore, credentials, sessions, clock };
}

const dbs = new Map<TestCa, string>();

/**
 * Runs every independent check on a signed output and asserts: pdfsig (valid + trusted for every
 * signature), mutool (no digest error), qpdf --check clean, openssl cms -verify for each CMS,
 * and that the output starts with the input bytes.
 */
export function assertSignedOk(input: Buffer, output: Buffer, expectedSignatures: number, ca: TestCa = sharedTestCa(), label = 'out'): string {
  expect(output.length).toBeGreaterThan(input.length);
  expect(output.subarray(0, input.length).equals(input)).toBe(true);
  const dir = tmp();
  const file = join(dir, `${label}.pdf`);
  writeFileSync(file, output);
  let db = dbs.get(ca);
  if (!db) {
    db = nssDbTrusting(ca.certPem);
    dbs.set(ca, db);
  }
  const ps = pdfsig(file, db);
  expect(ps.count, ps.text).toBe(expectedSignatures);
  expect(ps.valid, ps.text).toBe(expectedSignatures);
  expect(ps.trusted, ps.text).toBe(expectedSignatures);
  const mu = mutoolVerify(file);
  expect(mu.digestErrors, mu.text).toBe(0);
  expect(mu.verified, mu.text).toBe(expectedSignatures);
  const q = qpdfCheck(file);
  expect(q.ok, q.text).toBe(true);
  const sigs = extractSignatures(output).filter((s) => s.subFilter !== 'ETSI.RFC3161');
  expect(sigs.length).toBeGreaterThanOrEqual(expectedSignatures);
  for (const s of sigs.slice(-expectedSignatures)) {
    const v = opensslVerify(s, ca.certPath);
    expect(v.ok, v.text).toBe(true);
  }
  return file;
}
