import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RegisterEntryRecord } from '../../../src/copies/ports.js';
import type { CertificateRecord } from '../../../src/pki/ports.js';
import { FileCopyDocumentStore } from '../../../src/store/index.js';
import { copyProblems, registerProblems, serialProblems } from './invariants.js';

/** The invariant checks of the crash loop and the several-instance test find what they claim to. */
const cert = (id: string, caId: string, serial: string) => ({ id, caId, serial }) as CertificateRecord;
const entry = (number: number, status: RegisterEntryRecord['status'], copySha256: string | null = null) =>
  ({ authorityId: 'a', registerType: 'SCT/BS', year: 2026, number, status, copySha256 }) as RegisterEntryRecord;

describe('invariant checks', () => {
  it('serials: the same serial twice under one CA is found; under two CAs it is fine', () => {
    expect(serialProblems([cert('c1', 'ca', '01'), cert('c2', 'other', '01')])).toEqual([]);
    expect(serialProblems([cert('c1', 'ca', '01'), cert('c2', 'ca', '01')])).toHaveLength(1);
  });

  it('register: 1..n in any order holds; a gap or a duplicate is found', () => {
    expect(registerProblems([entry(2, 'failed'), entry(1, 'valid'), entry(3, 'pending')])).toEqual([]);
    expect(registerProblems([entry(1, 'valid'), entry(3, 'valid')]).length).toBeGreaterThan(0);
    expect(registerProblems([entry(1, 'valid'), entry(1, 'valid'), entry(2, 'valid')]).length).toBeGreaterThan(0);
  });

  it('copies: a valid entry without its bytes, with other bytes, a temp file and an orphan are found', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyso-inv-'));
    try {
      const store = new FileCopyDocumentStore(dir);
      const pdf = Buffer.from('%PDF-1.7 copy');
      const sha = createHash('sha256').update(pdf).digest('hex');
      await store.put(sha, pdf);
      expect(await copyProblems([entry(1, 'valid', sha)], store, dir)).toEqual({ problems: [], orphans: [] });
      expect((await copyProblems([entry(1, 'valid', 'f'.repeat(64))], store, dir)).problems).toHaveLength(1);
      expect((await copyProblems([entry(1, 'valid')], store, dir)).problems).toHaveLength(1);
      expect((await copyProblems([entry(1, 'failed')], store, dir)).orphans).toEqual([`${sha}.pdf`]);
      writeFileSync(join(dir, sha.slice(0, 2), sha + '.pdf'), 'other bytes');
      expect((await copyProblems([entry(1, 'valid', sha)], store, dir)).problems).toHaveLength(1);
      mkdirSync(join(dir, 'ab'), { recursive: true });
      writeFileSync(join(dir, 'ab', '.ab12.tmp'), 'half');
      expect((await copyProblems([], store, dir)).problems.some((p) => p.includes('temporary'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
