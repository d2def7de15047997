import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { CopyService } from '../../../src/copies/copy-service.js';
import type { CopySigner } from '../../../src/copies/copy-signer.js';
import { loadCopyFonts } from '../../../src/app/certified-copies.js';
import { originalPdf } from './setup.js';

/**
 * Numbering restarts at 01 on 1 January in Vietnam time (UTC+7), over the real SQLite store:
 * 31 Dec 2025 23:59 (VN) is the last entry of 2025, 1 Jan 2026 00:00 (VN) — still 31 Dec in UTC —
 * is number 1 of 2026; a closed year refuses further allocations. The signer is a stand-in here
 * (signatures are covered by the HTTP tests); the register and the clock are real.
 */
let store: Store;
const clock = new FakeClock('2025-12-31T16:58:00Z');
const stubSigner: CopySigner = {
  assertLevelAvailable: () => undefined,
  preflight: async () => ({ signerName: 'Nguyễn Văn Tư' }),
  sign: async (r) => Buffer.concat([r.pdf, Buffer.from(`\n%signed ${r.field}\n`)]),
};

beforeAll(async () => {
  store = await openStore({ dialect: 'sqlite', filename: ':memory:' }, { clock });
  await store.authorities.create({
    id: 'ubnd-tu-son',
    name: 'UBND xã Tự Sơn',
    place: 'xã Tự Sơn',
    organizationId: 'org',
    sealCredentialId: 'cred_seal',
    sealCustodianId: null,
    createdAt: clock.now(),
  });
});
afterAll(async () => {
  await store?.close();
});

describe('register year restart (Vietnam time) over the store', () => {
  it('ok/numbers restart at 1 on 1 January VN time; a closed year refuses allocation', async () => {
    const svc = new CopyService({
      registers: store.registers,
      authorities: store.authorities,
      audit: store.audit,
      clock,
      fonts: loadCopyFonts(),
      signer: stubSigner,
      publicUrl: 'https://kyso.example',
      level: 'B-B',
      documents: store.copyDocuments,
    });
    const pdf = await originalPdf(1);
    const req = {
      authorityId: 'ubnd-tu-son',
      original: { pdf },
      requesterName: 'X',
      requesterIdDocument: 'CCCD:022190000002',
      documentType: 'Giấy khai sinh',
      documentTitle: 'T',
      documentIssuer: 'I',
      copies: 1,
      certifier: {
        credentialId: 'cred_c',
        pin: '123456',
        title: 'Công chức',
        signatureImage: readFileSync('assets/samples/sample-signature-blue.png'),
      },
      seal: { pin: '654321', image: readFileSync('assets/samples/sample-seal-red.png') },
    };
    const actor = { id: 'off', role: 'certifier', organizationId: 'org', officialId: 'off', authorityId: 'ubnd-tu-son' } as const;
    const a = await svc.certify(actor, req);
    clock.set('2025-12-31T16:59:59Z');
    const b = await svc.certify(actor, req);
    expect([a.entry.year, a.entry.number, b.entry.year, b.entry.number]).toEqual([2025, 1, 2025, 2]);
    clock.set('2025-12-31T17:00:00Z');
    const c = await svc.certify(actor, req);
    expect([c.entry.year, c.entry.number, c.entry.volume]).toEqual([2026, 1, 1]);
    const closing = await store.registers.closeYear('ubnd-tu-son', 2025, 'admin', clock.now());
    expect(closing.total).toBe(2);
    // A late 2025 allocation (e.g. a clock set back) is refused; 2026 continues.
    clock.set('2025-12-31T16:59:59Z');
    await expect(svc.certify(actor, req)).rejects.toMatchObject({ code: 'REGISTER_CLOSED' });
    clock.set('2026-01-02T02:00:00Z');
    expect((await svc.certify(actor, req)).entry.number).toBe(2);
    const all = await store.registers.list({ authorityId: 'ubnd-tu-son' });
    expect(all.map((e) => `${e.year}/${e.number}`).sort()).toEqual(['2025/1', '2025/2', '2026/1', '2026/2']);
  });
});
