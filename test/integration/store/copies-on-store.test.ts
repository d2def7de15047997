import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { PDFDocument } from 'pdf-lib';
import { FakeClock } from '../../../src/core/clock.js';
import { AppError, isAppError } from '../../../src/core/errors.js';
import { CopyService, type CertifyRequest } from '../../../src/copies/copy-service.js';
import type { CopySigner, CopySignatureRequest } from '../../../src/copies/copy-signer.js';
import { DIALECTS } from '../../contract/store/support/test-db.js';
import { storePerDialect } from '../../contract/store/support/store-per-dialect.js';
import { certifyRequest } from '../../fixtures/certify-request.js';

/**
 * The certified-copy service on the real register (numbering, failures, year restart,
 * lookups) and the real audit log. Signatures are faked here: what is under test is the register.
 */
class FakeSigner implements CopySigner {
  failOn: string | undefined;
  assertLevelAvailable() {}
  async preflight() {
    return { signerName: 'Trần Thị Bích Ngọc' };
  }
  async sign(r: CopySignatureRequest) {
    if (r.field === this.failOn) throw new AppError('TSA_UNAVAILABLE', 'tsa down');
    return Buffer.concat([r.pdf, Buffer.from(`\n%signed ${r.field}\n`)]);
  }
}

const fonts = {
  regular: readFileSync('assets/fonts/LiberationSerif-Regular.ttf'),
  bold: readFileSync('assets/fonts/LiberationSerif-Bold.ttf'),
};
const certifier = { id: 'u-ngoc', role: 'certifier', officialId: 'u-ngoc', authorityId: 'xa-ha-long' } as const;

describe.each(DIALECTS)('CopyService on the %s store', (dialect) => {
  const ctx = storePerDialect(dialect);
  let pdf: Buffer;
  beforeAll(async () => {
    const doc = await PDFDocument.create();
    for (let i = 0; i < 3; i++) doc.addPage();
    pdf = Buffer.from(await doc.save());
    await ctx.store.authorities.create({
      id: 'xa-ha-long',
      name: 'Ủy ban nhân dân xã Hạ Long',
      place: 'xã Hạ Long, tỉnh Quảng Ninh',
      organizationId: null,
      sealCredentialId: 'cred-seal',
      sealCustodianId: null,
      createdAt: new Date(0),
    });
  });

  const request = (): CertifyRequest => certifyRequest(pdf);

  it('ok/concurrent certifications, a failure that keeps its number, lookups, and the 1 January restart', async () => {
    const signer = new FakeSigner();
    const clock = new FakeClock('2026-11-26T03:00:00Z');
    const service = new CopyService({
      registers: ctx.store.registers,
      authorities: ctx.store.authorities,
      signer,
      audit: ctx.store.audit,
      clock,
      fonts,
      publicUrl: 'http://127.0.0.1:3000',
      level: 'B-B',
      documents: ctx.store.copyDocuments,
    });

    const results = await Promise.all(Array.from({ length: 20 }, () => service.certify(certifier, request())));
    expect(results.map((r) => r.entry.number).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(results.every((r) => r.entry.status === 'valid' && r.entry.copySha256 !== null)).toBe(true);

    signer.failOn = 'ChungThuc_CoQuan';
    const failed = await service.certify(certifier, request()).catch((e: unknown) => e);
    expect(isAppError(failed)).toBe(true);
    signer.failOn = undefined;
    const next = await service.certify(certifier, request());
    expect(next.entry.number).toBe(22);
    expect((await ctx.store.registers.findByNumber('xa-ha-long', 2026, 21))?.status).toBe('failed');

    const first = results.find((r) => r.entry.number === 1)!;
    expect(await service.lookupByCode(first.entry.lookupCode)).toMatchObject({ number: 1, status: 'valid' });
    expect((await service.matchCopy(first.copy))[0]?.number).toBe(1);
    await service.annul(certifier, first.entry.id, 'cấp nhầm');
    expect((await service.lookupByCode(first.entry.lookupCode)).status).toBe('annulled');

    clock.set('2026-12-31T17:00:00Z'); // 00:00 on 1 January 2027 in Vietnam
    expect((await service.certify(certifier, request())).entry).toMatchObject({ year: 2027, number: 1 });

    const numbers2026 = (await ctx.store.registers.list({ authorityId: 'xa-ha-long', year: 2026, limit: 1000 })).map((e) => e.number);
    expect(numbers2026).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    expect(await ctx.store.audit.verifyChain()).toMatchObject({ ok: true });
  });

  it('ok/in one store transaction, a number whose audit event cannot be written is not taken (no gap); valid commits with copy.certified', async () => {
    await ctx.store.authorities.create({
      id: 'xa-bai-chay',
      name: 'Ủy ban nhân dân xã Bãi Cháy',
      place: 'xã Bãi Cháy, tỉnh Quảng Ninh',
      organizationId: null,
      sealCredentialId: 'cred-seal',
      sealCustodianId: null,
      createdAt: new Date(0),
    });
    let refuse: string | undefined = 'copy.number-allocated';
    const service = new CopyService({
      registers: ctx.store.registers,
      authorities: ctx.store.authorities,
      signer: new FakeSigner(),
      audit: ctx.store.audit,
      clock: new FakeClock('2026-11-26T03:00:00Z'),
      fonts,
      publicUrl: 'http://127.0.0.1:3000',
      level: 'B-B',
      documents: ctx.store.copyDocuments,
      atomically: (work) =>
        ctx.store.transaction((tx) =>
          work({
            registers: tx.registers,
            audit: {
              ...tx.audit,
              append: (e) => (e.action === refuse ? Promise.reject(new Error('audit unavailable')) : tx.audit.append(e)),
            },
          }),
        ),
    });
    const baiChayCertifier = { ...certifier, authorityId: 'xa-bai-chay' };
    const req = (): CertifyRequest => ({ ...request(), authorityId: 'xa-bai-chay' });

    await expect(service.certify(baiChayCertifier, req())).rejects.toThrow();
    expect(await ctx.store.registers.findByNumber('xa-bai-chay', 2026, 1)).toBeUndefined();

    refuse = undefined;
    const { entry } = await service.certify(baiChayCertifier, req());
    expect(entry).toMatchObject({ number: 1, status: 'valid' });
    const events = (await ctx.store.audit.list({ target: entry.id })).map((r) => r.action);
    expect(events).toEqual(['copy.number-allocated', 'copy.certified']);
    expect(await ctx.store.audit.verifyChain()).toMatchObject({ ok: true });
  });
});
