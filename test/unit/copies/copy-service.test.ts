import { describe, expect, it, beforeEach } from 'vitest';
import { PDFDocument } from 'pdf-lib';
import { readFileSync } from 'node:fs';
import { FakeClock } from '../../../src/core/clock.js';
import { AppError } from '../../../src/core/errors.js';
import type { AuditEvent, AuditLog, AuditRecord } from '../../../src/audit/audit-log.js';
import { CopyService, type CertifyRequest } from '../../../src/copies/copy-service.js';
import type { CopySigner, CopySignatureRequest } from '../../../src/copies/copy-signer.js';
import { MemoryAuthorities, MemoryCopyDocuments, MemoryRegisters } from '../../fixtures/memory-copies.js';
import { certifyRequest } from '../../fixtures/certify-request.js';

class RecordingAudit implements AuditLog {
  events: AuditEvent[] = [];
  async append(e: AuditEvent): Promise<AuditRecord> {
    this.events.push(e);
    return {
      seq: this.events.length,
      time: '',
      actor: e.actor,
      role: e.role,
      action: e.action,
      target: e.target ?? null,
      outcome: e.outcome,
      details: e.details ?? null,
      prevHash: '',
      hash: '',
    };
  }
  async list() {
    return [];
  }
  async verifyChain() {
    return { ok: true as const, count: 0, headSeq: 0, headHash: '' };
  }
}

/** Appends a marker per signature so the test can see which signatures were applied, in order. */
class FakeSigner implements CopySigner {
  calls: CopySignatureRequest[] = [];
  failOn: string | undefined;
  refuseCredential: string | undefined;
  /** Levels this signer can produce (as if no TSA were wired: B-B only). */
  levels: readonly string[] = ['B-B'];
  preflights: [string, string][] = [];
  assertLevelAvailable(level: string) {
    if (!this.levels.includes(level)) throw new AppError('TSA_UNAVAILABLE', `no TSA for ${level}`);
  }
  async preflight(credentialId: string, actorId: string, pin?: string) {
    this.preflights.push([credentialId, actorId]);
    if (credentialId === this.refuseCredential) throw new AppError('SIGNER_EXPIRED', 'expired');
    if (pin === 'wrong') throw new AppError('PIN_INVALID', 'wrong PIN');
    return { signerName: 'Trần Thị Bích Ngọc', ...(pin !== undefined ? { authorizationId: `auth-${credentialId}` } : {}) };
  }
  async sign(r: CopySignatureRequest) {
    this.calls.push(r);
    if (r.field === this.failOn) throw new AppError('TSA_UNAVAILABLE', 'tsa down');
    return Buffer.concat([r.pdf, Buffer.from(`\n%signed ${r.field}\n`)]);
  }
}

const fonts = {
  regular: readFileSync('assets/fonts/LiberationSerif-Regular.ttf'),
  bold: readFileSync('assets/fonts/LiberationSerif-Bold.ttf'),
};
let pdf: Buffer;
let registers: MemoryRegisters;
let signer: FakeSigner;
let audit: RecordingAudit;
let clock: FakeClock;
let service: CopyService;
let documents: MemoryCopyDocuments;
const certifier = { id: 'u-ngoc', role: 'certifier', officialId: 'u-ngoc', authorityId: 'xa-ha-long' } as const;

function request(over: Partial<CertifyRequest> = {}): CertifyRequest {
  return certifyRequest(pdf, over);
}

beforeEach(async () => {
  const doc = await PDFDocument.create();
  for (let i = 0; i < 3; i++) doc.addPage();
  pdf = Buffer.from(await doc.save());
  registers = new MemoryRegisters();
  const authorities = new MemoryAuthorities();
  await authorities.create({
    id: 'xa-ha-long',
    name: 'Ủy ban nhân dân xã Hạ Long',
    place: 'xã Hạ Long, tỉnh Quảng Ninh',
    organizationId: null,
    sealCredentialId: 'cred-seal',
    sealCustodianId: null,
    createdAt: new Date(0),
  });
  signer = new FakeSigner();
  audit = new RecordingAudit();
  clock = new FakeClock('2026-11-26T03:00:00Z');
  documents = new MemoryCopyDocuments();
  service = new CopyService({
    registers,
    authorities,
    signer,
    audit,
    clock,
    fonts,
    publicUrl: 'http://127.0.0.1:3000',
    level: 'B-B',
    documents,
  });
});

describe('CopyService.certify', () => {
  it('ok/numbers entries 1, 2 … and signs certifier (certifying P=2) then the seal, recording fee and hash', async () => {
    const a = await service.certify(certifier, request());
    const b = await service.certify(certifier, request());
    expect([a.entry.number, b.entry.number]).toEqual([1, 2]);
    expect(a.entry.status).toBe('valid');
    expect(a.entry.feePerCopy).toBe(5_000);
    expect(a.entry.feeTotal).toBe(10_000);
    expect(a.entry.copySha256).toMatch(/^[0-9a-f]{64}$/);
    // PINs were checked in preflight; the signatures use the one-document authorizations they bought.
    expect(
      signer.calls.slice(0, 2).map((c) => [c.field, c.appearance, c.certify, c.credentialId, c.authorizationId, c.pin, c.level]),
    ).toEqual([
      ['ChungThuc_NguoiThucHien', 'individual', 2, 'cred-ngoc', 'auth-cred-ngoc', undefined, 'B-B'],
      ['ChungThuc_CoQuan', 'organization', undefined, 'cred-seal', 'auth-cred-seal', undefined, 'B-B'],
    ]);
    expect(a.lookupUrl).toBe(`http://127.0.0.1:3000/verify/copy?code=${a.entry.lookupCode}`);
    const facts = await service.lookupByCode(a.entry.lookupCode);
    expect(facts).toMatchObject({ number: 1, status: 'valid', copySha256: a.entry.copySha256, originalPages: 3 });
    expect(JSON.stringify(facts)).not.toContain('Lê Văn Bình');
    expect(JSON.stringify(facts)).not.toContain('001204567890');
    expect((await service.matchCopy(a.copy))[0]?.number).toBe(1);
    expect(audit.events.map((e) => e.action)).toContain('copy.certified');
  });

  it('fail/a level the signer cannot produce is refused before a number is taken, never lowered', async () => {
    await expect(service.certify(certifier, request({ level: 'B-LT' }))).rejects.toMatchObject({ code: 'TSA_UNAVAILABLE' });
    await expect(service.certify(certifier, request({ level: 'B-X' as never }))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(registers.entries).toEqual([]);
    expect(signer.calls).toEqual([]);
  });

  it('ok/default level: B-LT when the signer can produce it, else B-B; a configured level wins', async () => {
    const authorities = new MemoryAuthorities();
    const o = { registers, authorities, signer, audit, clock, fonts, documents, publicUrl: 'http://127.0.0.1:3000' };
    expect(new CopyService(o).defaultLevel).toBe('B-B');
    signer.levels = ['B-B', 'B-T', 'B-LT', 'B-LTA'];
    expect(new CopyService(o).defaultLevel).toBe('B-LT');
    expect(new CopyService({ ...o, level: 'B-T' }).defaultLevel).toBe('B-T');
  });

  it('ok/B-LT and B-LTA: the certifier signs at B-T and the seal at the level, whose one /DSS serves both', async () => {
    signer.levels = ['B-B', 'B-T', 'B-LT', 'B-LTA'];
    await service.certify(certifier, request({ level: 'B-LT' }));
    await service.certify(certifier, request({ level: 'B-LTA' }));
    await service.certify(certifier, request({ level: 'B-T' }));
    expect(signer.calls.map((c) => c.level)).toEqual(['B-T', 'B-LT', 'B-T', 'B-LTA', 'B-T', 'B-T']);
  });

  it("insider/the seal is applied as the authority's organization, whoever certifies", async () => {
    const authorities = new MemoryAuthorities();
    await authorities.create({
      id: 'xa-co-to',
      name: 'Ủy ban nhân dân xã Cô Tô',
      place: 'xã Cô Tô, tỉnh Quảng Ninh',
      organizationId: 'org-co-to',
      sealCredentialId: 'cred-seal-co-to',
      sealCustodianId: null,
      createdAt: new Date(0),
    });
    const svc = new CopyService({
      registers,
      authorities,
      signer,
      audit,
      clock,
      fonts,
      documents,
      publicUrl: 'http://127.0.0.1:3000',
      level: 'B-B',
    });
    // A certifier of that authority (scope: its organization and authority).
    await svc.certify({ ...certifier, organizationId: 'org-co-to', authorityId: 'xa-co-to' }, request({ authorityId: 'xa-co-to' }));
    expect(signer.preflights).toContainEqual(['cred-seal-co-to', 'org-co-to']);
    expect(signer.calls.find((c) => c.credentialId === 'cred-seal-co-to')?.actorId).toBe('org-co-to');
    // A designated custodian holds the seal credential in place of the organization.
    await authorities.create({
      id: 'xa-thang-loi',
      name: 'Ủy ban nhân dân xã Thắng Lợi',
      place: 'xã Thắng Lợi, tỉnh Quảng Ninh',
      organizationId: 'org-thang-loi',
      sealCredentialId: 'cred-seal-thang-loi',
      sealCustodianId: 'official-van-thu',
      createdAt: new Date(0),
    });
    await svc.certify(
      { ...certifier, organizationId: 'org-thang-loi', authorityId: 'xa-thang-loi' },
      request({ authorityId: 'xa-thang-loi' }),
    );
    expect(signer.preflights).toContainEqual(['cred-seal-thang-loi', 'official-van-thu']);
    // An authority with no organization on record: the certifier's official holds the seal credential.
    await service.certify(certifier, request());
    expect(signer.preflights).toContainEqual(['cred-seal', certifier.officialId]);
  });

  it('ok/the requester document is recorded in canonical form KIND:value', async () => {
    const a = await service.certify(certifier, request({ requesterIdDocument: 'passport c1234567' }));
    expect(a.entry.requesterIdDocument).toBe('PASSPORT:C1234567');
  });

  it.each(['Nguyễn Văn A', '022090001234', 'CCCD:003090001234', 'MST:0100109106', 'PASSPORT:C12'])(
    'fail/requester document %j → UID_INVALID before a number is taken',
    async (doc) => {
      await expect(service.certify(certifier, request({ requesterIdDocument: doc }))).rejects.toMatchObject({ code: 'UID_INVALID' });
      expect(registers.entries).toHaveLength(0);
      expect(signer.calls).toHaveLength(0);
    },
  );

  it("ok/the signed copy is kept under its SHA-256 and read back by the authority's certifier and admins (audited); other scopes are refused", async () => {
    const a = await service.certify(certifier, request());
    expect(documents.bytes.get(a.entry.copySha256!)?.equals(a.copy)).toBe(true);
    for (const reader of [certifier, { id: 'u-admin', role: 'admin' } as const]) {
      const got = await service.document(reader, a.entry.id);
      expect(got.pdf.equals(a.copy)).toBe(true);
    }
    expect(audit.events.filter((e) => e.action === 'copy.document-read' && e.outcome === 'success')).toHaveLength(2);
    const otherCertifier = { ...certifier, id: 'u-khac', officialId: 'u-khac', authorityId: 'xa-khac' } as const;
    const otherAuditor = { id: 'u-audit', role: 'auditor', organizationId: 'org-khac' } as const;
    for (const outsider of [otherCertifier, otherAuditor])
      await expect(service.document(outsider, a.entry.id)).rejects.toMatchObject({ code: 'FORBIDDEN_SCOPE' });
  });

  it('fail/other roles, unknown entries, failed entries, a missing or altered stored copy', async () => {
    const a = await service.certify(certifier, request());
    for (const role of ['signer', 'ra-officer'] as const)
      await expect(service.document({ id: 'u-x', role }, a.entry.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(service.document(certifier, 'nope')).rejects.toMatchObject({ code: 'COPY_NOT_FOUND' });
    signer.failOn = 'ChungThuc_CoQuan';
    await expect(service.certify(certifier, request())).rejects.toMatchObject({ code: 'TSA_UNAVAILABLE' });
    const failed = registers.entries.find((e) => e.status === 'failed')!;
    await expect(service.document(certifier, failed.id)).rejects.toMatchObject({ code: 'COPY_STATE_INVALID' });
    const stored = documents.bytes.get(a.entry.copySha256!)!;
    stored.writeUInt8(stored.readUInt8(stored.length - 10) ^ 0x01, stored.length - 10); // one bit flipped at rest
    await expect(service.document(certifier, a.entry.id)).rejects.toMatchObject({ code: 'COPY_DOCUMENT_CORRUPT' });
    expect(audit.events.at(-1)).toMatchObject({ action: 'copy.document-read', outcome: 'failure' });
    documents.bytes.clear();
    await expect(service.document(certifier, a.entry.id)).rejects.toMatchObject({ code: 'COPY_DOCUMENT_MISSING' });
  });

  it('fail/a copy store that cannot write fails the certification: the number stays, marked failed, never valid without its bytes', async () => {
    documents.put = async () => {
      throw new AppError('STORE_UNAVAILABLE', 'disk full');
    };
    await expect(service.certify(certifier, request())).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(registers.entries.map((e) => e.status)).toEqual(['failed']);
  });

  it('fail/killed after the copy is stored, before the entry is valid: the bytes are named by their entry, which recovery fails; never served nor matched', async () => {
    // the process dies inside markValid: neither it nor the failure path gets to write
    registers.markValid = async () => {
      throw new Error('killed');
    };
    registers.markFailed = async () => {
      throw new Error('killed');
    };
    await expect(service.certify(certifier, request())).rejects.toThrow('killed');
    const [pending] = registers.entries;
    expect(pending).toMatchObject({ status: 'pending', copySha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect([...documents.bytes.keys()]).toEqual([pending!.copySha256]);
    // the restarted process (a fresh register object over the same records) recovers it
    const restarted = new MemoryRegisters();
    restarted.entries.push(...registers.entries);
    const recovery = new CopyService({
      registers: restarted,
      authorities: new MemoryAuthorities(),
      signer,
      audit,
      clock,
      fonts,
      publicUrl: 'http://127.0.0.1:3000',
      level: 'B-B',
      documents,
    });
    clock.advance(1_000);
    expect(await recovery.recoverInterrupted(0)).toBe(1);
    expect(restarted.entries[0]).toMatchObject({ status: 'failed', copySha256: pending!.copySha256 });
    await expect(recovery.document({ id: 'admin', role: 'admin' }, pending!.id)).rejects.toMatchObject({ code: 'COPY_STATE_INVALID' });
    expect(await recovery.matchCopy(documents.bytes.get(pending!.copySha256!)!)).toEqual([]);
  });

  it('ok/restarts at 1 on 1 January, Vietnam time', async () => {
    clock.set('2026-12-31T16:30:00Z'); // 23:30 in Vietnam, still 2026
    expect((await service.certify(certifier, request())).entry).toMatchObject({ year: 2026, number: 1 });
    clock.set('2026-12-31T17:00:00Z'); // 00:00 on 1 January 2027 in Vietnam
    expect((await service.certify(certifier, request())).entry).toMatchObject({ year: 2027, number: 1 });
  });

  it('fail/a signing failure after allocation keeps the number as failed, and the next copy takes the next number', async () => {
    signer.failOn = 'ChungThuc_CoQuan';
    await expect(service.certify(certifier, request())).rejects.toMatchObject({ code: 'TSA_UNAVAILABLE' });
    expect(registers.entries.map((e) => [e.number, e.status])).toEqual([[1, 'failed']]);
    signer.failOn = undefined;
    expect((await service.certify(certifier, request())).entry.number).toBe(2);
  });

  it.each([
    ['a non-certifier', () => service.certify({ id: 'x', role: 'signer' }, request()), 'CERTIFIER_NOT_ALLOWED'],
    ['an unknown authority', () => service.certify(certifier, request({ authorityId: 'nowhere' })), 'AUTHORITY_UNKNOWN'],
    ['a non-PDF original', () => service.certify(certifier, request({ original: { pdf: Buffer.from('hello') } })), 'PDF_NOT_PDF'],
    [
      'a corrupt image',
      () => service.certify(certifier, request({ original: { images: [Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0])] } })),
      'IMAGE_INVALID',
    ],
    ['no PIN', () => service.certify(certifier, request({ certifier: { credentialId: 'c', title: 't' } })), 'VALIDATION_FAILED'],
    ['a wrong seal PIN', () => service.certify(certifier, request({ seal: { pin: 'wrong' } })), 'PIN_INVALID'],
    [
      'an expired certifier certificate',
      () => {
        signer.refuseCredential = 'cred-ngoc';
        return service.certify(certifier, request());
      },
      'SIGNER_EXPIRED',
    ],
  ])('fail/%s is refused and the register is unchanged', async (_name, run, code) => {
    await expect(run()).rejects.toMatchObject({ code });
    expect(registers.entries).toEqual([]);
  });

  it('ok/annulment is a new state with reason; crash recovery marks stale pending entries failed', async () => {
    const a = await service.certify(certifier, request());
    const annulled = await service.annul(certifier, a.entry.id, 'cấp nhầm');
    expect(annulled).toMatchObject({ status: 'annulled', statusReason: 'cấp nhầm', statusChangedBy: 'u-ngoc' });
    await expect(service.annul(certifier, a.entry.id, 'again')).rejects.toMatchObject({ code: 'COPY_STATE_INVALID' });
    expect((await service.lookupByCode(a.entry.lookupCode)).status).toBe('annulled');

    // A process that died between allocation and signing leaves a pending entry behind.
    await registers.allocate({ ...a.entry, lookupCode: 'ZZZZ-ZZZZ-ZZZ', certifiedAt: clock.now() }, 2026, 'u-ngoc');
    clock.advance(11 * 60_000);
    expect(await service.recoverInterrupted()).toBe(1);
    expect(registers.entries.map((e) => e.status)).toEqual(['annulled', 'failed']);
  });
});
