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
import { corpusFile } from '../../fixtures/corpus.js';
import { testPinVerifierKey } from '../../fixtures/pin-verifier.js';

export function makeService(extra: Partial<SignServiceOptions> = {}, clock = new FakeClock(new Date())) {
  const audit = new ArrayAuditLog();
  const keyStore = new MapKeyStore();
  const credentials = new CredentialService({
    keyStore,
    credentials: new MemoryCredentialRepository(),
    authorizations: new MemorySigningAuthorizationRepository(),
    audit,
    clock,
    pinVerifierKey: testPinVerifierKey,
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
 * Runs every independent check on a signed output and asserts: pdfsig (every signature valid,
 * ours trusted), mutool (no digest error), qpdf --check clean, openssl cms -verify for each of our
 * CMS, and that the output starts with the input bytes. `ours` = signatures this test added;
 * signatures already in the input must stay as valid as they were (pdfsig on the input).
 */
export function assertSignedOk(
  input: Buffer,
  output: Buffer,
  ours: number,
  ca: TestCa = sharedTestCa(),
  label = 'out',
  o: { mutoolCannotVerifyPss?: boolean } = {},
): string {
  expect(output.length).toBeGreaterThan(input.length);
  expect(output.subarray(0, input.length).equals(input)).toBe(true);
  const dir = tmp();
  const file = join(dir, `${label}.pdf`);
  const inFile = join(dir, `${label}-input.pdf`);
  writeFileSync(file, output);
  writeFileSync(inFile, input);
  let db = dbs.get(ca);
  if (!db) {
    db = nssDbTrusting(ca.certPem);
    dbs.set(ca, db);
  }
  const before = pdfsig(inFile, db);
  const ps = pdfsig(file, db);
  expect(ps.count, ps.text).toBe(before.count + ours);
  expect(ps.valid, ps.text).toBe(before.valid + ours);
  expect(ps.trusted, ps.text).toBe(before.trusted + ours);
  const mu = mutoolVerify(file);
  if (o.mutoolCannotVerifyPss) {
    // MuPDF 1.21 has no RSASSA-PSS: it says "Digest error: Unknown error." (not "invalidated by
    // change"); pdfsig and openssl above/below do verify these signatures.
    expect(mu.text).not.toMatch(/invalidated by change/);
    expect(mu.text).toMatch(/Digest error: Unknown error/);
  } else {
    expect(mu.digestErrors, mu.text).toBe(0);
  }
  expect(mu.verified, mu.text).toBeGreaterThanOrEqual(ours);
  const q = qpdfCheck(file);
  if (!q.ok) {
    // Only warnings the input already had are tolerated (e.g. corpus files with stray whitespace).
    const warnings = (t: string, f: string) =>
      t
        .split('\n')
        .filter((l) => /WARNING|error/i.test(l))
        .map((l) => l.replace(f, 'F'))
        .sort();
    const qi = qpdfCheck(inFile);
    expect(/qpdf: operation succeeded with warnings/.test(q.text), q.text).toBe(true);
    expect(warnings(q.text, file), q.text).toEqual(warnings(qi.text, inFile));
  }
  const sigs = extractSignatures(output).filter((s) => s.subFilter !== 'ETSI.RFC3161' && s.byteRange[1] >= input.length);
  expect(sigs.length).toBe(ours);
  for (const s of sigs) {
    const v = opensslVerify(s, ca.certPath);
    expect(v.ok, v.text).toBe(true);
  }
  return file;
}

/** Reads a file of test/corpus. */
export function corpus(path: string): Buffer {
  return corpusFile(path);
}
