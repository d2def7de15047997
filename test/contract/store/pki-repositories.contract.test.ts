import { beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { isAppError } from '../../../src/core/errors.js';
import type { CaRecord, NewPendingCertificate, RequestRecord, SubscriberRecord } from '../../../src/pki/ports.js';
import { DIALECTS } from './support/test-db.js';
import { storePerDialect } from './support/store-per-dialect.js';
import { errorCode } from '../../fixtures/error-code.js';

const T0 = new Date('2026-01-10T03:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const hex = (n = 16) => {
  const b = randomBytes(n);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return b.toString('hex');
};
let seq = 0;
const uid = (p: string) => `${p}_${++seq}_${randomBytes(4).toString('hex')}`;

function ca(id: string, kind: CaRecord['kind'] = 'issuing', parentId: string | null = null): CaRecord {
  return {
    id,
    kind,
    parentId,
    keyUri: `kyso-key:k_${id}`,
    certificateDer: Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]),
    subjectDn: `CN=${id}`,
    serial: hex(),
    notBefore: T0,
    notAfter: at(60 * 24 * 365),
    status: 'active',
    createdAt: T0,
  };
}

function pending(caId: string, over: Partial<NewPendingCertificate> = {}): NewPendingCertificate {
  return {
    id: uid('crt'),
    caId,
    serial: hex(),
    profile: 'individual',
    subscriberId: null,
    requestId: null,
    replacesId: null,
    subjectDn: 'CN=Nguyễn Văn An,O=UBND tỉnh Quảng Ninh,C=VN',
    spkiSha256: 'ab'.repeat(32),
    keyUri: null,
    notBefore: T0,
    notAfter: at(60 * 24 * 365 * 2),
    createdAt: T0,
    ...over,
  };
}

describe.each(DIALECTS)('PKI repositories contract (%s)', (dialect) => {
  const ctx = storePerDialect(dialect);

  describe('cas', () => {
    it('ok/insert, get, list round-trip; duplicate id → STORE_CONSTRAINT', async () => {
      const root = ca(uid('root'), 'root');
      await ctx.store.cas.insert(root);
      const issuing = ca(uid('ind'), 'issuing', root.id);
      await ctx.store.cas.insert(issuing);
      expect(await ctx.store.cas.get(issuing.id)).toEqual(issuing);
      expect((await ctx.store.cas.list()).map((c) => c.id)).toEqual(expect.arrayContaining([root.id, issuing.id]));
      expect(await ctx.store.cas.get('nope')).toBeUndefined();
      expect(await errorCode(ctx.store.cas.insert(root))).toBe('STORE_CONSTRAINT');
      expect(await errorCode(ctx.store.cas.insert(ca(uid('orphan'), 'issuing', 'no-such-parent')))).toBe('STORE_CONSTRAINT');
    });

    it('ok/CRL numbers are 1, 2, 3 … and stay distinct under concurrency; updateCertificate keeps the counter', async () => {
      const c = ca(uid('crlca'));
      await ctx.store.cas.insert(c);
      expect(await ctx.store.cas.allocateCrlNumber(c.id)).toBe(1);
      expect(await ctx.store.cas.allocateCrlNumber(c.id)).toBe(2);
      const many = await Promise.all(Array.from({ length: 20 }, () => ctx.store.cas.allocateCrlNumber(c.id)));
      expect([...many].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 3));
      await ctx.store.cas.updateCertificate(c.id, {
        keyUri: 'kyso-key:new',
        certificateDer: Buffer.from('30020500', 'hex'),
        serial: '0badcafe',
        notBefore: at(1),
        notAfter: at(2),
        subjectDn: 'CN=re-keyed',
      });
      expect(await ctx.store.cas.get(c.id)).toMatchObject({
        keyUri: 'kyso-key:new',
        serial: '0badcafe',
        subjectDn: 'CN=re-keyed',
        notAfter: at(2),
      });
      expect(await ctx.store.cas.allocateCrlNumber(c.id)).toBe(23);
    });

    it('fail/unknown CA → CA_UNKNOWN', async () => {
      expect(await errorCode(ctx.store.cas.allocateCrlNumber('missing'))).toBe('CA_UNKNOWN');
      expect(
        await errorCode(
          ctx.store.cas.updateCertificate('missing', {
            keyUri: 'x',
            certificateDer: Buffer.alloc(1),
            serial: '01',
            notBefore: T0,
            notAfter: T0,
            subjectDn: 'CN=x',
          }),
        ),
      ).toBe('CA_UNKNOWN');
    });
  });

  describe('certificates', () => {
    let caA: string;
    let caB: string;
    beforeAll(async () => {
      caA = uid('caA');
      caB = uid('caB');
      await ctx.store.cas.insert(ca(caA));
      await ctx.store.cas.insert(ca(caB));
    });

    it('ok/reserve records intent as pending; (caId, serial) is unique, the same serial under another CA is fine', async () => {
      const p = pending(caA);
      const r = await ctx.store.certificates.reserve(p);
      expect(r).toMatchObject({
        ...p,
        status: 'pending',
        der: null,
        revocationReason: null,
        revokedAt: null,
        failureReason: null,
        updatedAt: T0,
      });
      expect(await ctx.store.certificates.findById(p.id)).toEqual(r);
      expect(await errorCode(ctx.store.certificates.reserve({ ...pending(caA), serial: p.serial }))).toBe('STORE_CONSTRAINT');
      await ctx.store.certificates.reserve({ ...pending(caB), serial: p.serial });
      expect((await ctx.store.certificates.findBySerialAnyCa(p.serial)).map((c) => c.caId).sort()).toEqual([caA, caB].sort());
      expect(await ctx.store.certificates.findBySerial(caB, p.serial)).toMatchObject({ caId: caB });
      expect(await ctx.store.certificates.findBySerial(caB, 'ffff')).toBeUndefined();
    });

    it('ok/several certificates by (CA, serial) in one call: in the order asked, repeats answered, absent ones undefined, more than one read of keys', async () => {
      const rows = [];
      for (let i = 0; i < 11; i++) rows.push(await ctx.store.certificates.reserve(pending(i % 2 ? caA : caB)));
      const keys = rows.map((r) => ({ caId: r.caId, serial: r.serial }));
      const otherCa = rows[0]!.caId === caA ? caB : caA;
      const asked = [...keys.slice().reverse(), keys[3]!, { caId: caA, serial: hex() }, { caId: otherCa, serial: rows[0]!.serial }];
      const found = await ctx.store.certificates.findBySerials(asked);
      expect(found.map((c) => c?.id)).toEqual([...rows.map((r) => r.id).reverse(), rows[3]!.id, undefined, undefined]);
      expect(found[0]).toEqual(await ctx.store.certificates.findById(rows[10]!.id));
      expect(await ctx.store.certificates.findBySerials([])).toEqual([]);
    });

    it("ok/the status of a certificate by its serial and exact DER, as stored now; another CA's certificate with the serial is not it", async () => {
      const p = await ctx.store.certificates.reserve(pending(caA));
      const q = await ctx.store.certificates.reserve({ ...pending(caB), serial: p.serial });
      const derP = Buffer.from(`3003020101${p.serial.slice(0, 4)}`, 'hex');
      const derQ = Buffer.from(`3003020102${p.serial.slice(0, 4)}`, 'hex');
      // pending rows have no DER yet: nothing to match
      expect(await ctx.store.certificates.findStatusByDer(p.serial, derP)).toBeUndefined();
      await ctx.store.certificates.markIssued(p.id, derP, at(1));
      await ctx.store.certificates.markIssued(q.id, derQ, at(1));
      expect(await ctx.store.certificates.findStatusByDer(p.serial, derP)).toEqual({
        status: 'active',
        revocationReason: null,
        revokedAt: null,
      });
      expect(
        await ctx.store.certificates.changeStatus(q.id, 'active', {
          status: 'revoked',
          revocationReason: 'keyCompromise',
          revokedAt: at(2),
          invalidityDate: null,
          at: at(2),
        }),
      ).toBe(true);
      expect(await ctx.store.certificates.findStatusByDer(p.serial, derQ)).toEqual({
        status: 'revoked',
        revocationReason: 'keyCompromise',
        revokedAt: at(2),
      });
      // the other CA's revocation is not this certificate's
      expect(await ctx.store.certificates.findStatusByDer(p.serial, derP)).toMatchObject({ status: 'active' });
      // the same bytes under another serial, or a prefix of the DER, match nothing
      expect(await ctx.store.certificates.findStatusByDer(hex(), derP)).toBeUndefined();
      expect(await ctx.store.certificates.findStatusByDer(p.serial, derP.subarray(0, 4))).toBeUndefined();
    });

    it('ok/two concurrent reservations of one serial: exactly one wins, the other gets STORE_CONSTRAINT', async () => {
      const serial = hex();
      const results = await Promise.allSettled([
        ctx.store.certificates.reserve(pending(caA, { serial })),
        ctx.store.certificates.reserve(pending(caA, { serial })),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(isAppError(rejected.reason, 'STORE_CONSTRAINT')).toBe(true);
    });

    it('fail/a malformed serial is misuse (TypeError)', async () => {
      await expect(ctx.store.certificates.reserve(pending(caA, { serial: 'XYZ' }))).rejects.toBeInstanceOf(TypeError);
      await expect(ctx.store.certificates.reserve(pending(caA, { serial: 'ab'.repeat(21) }))).rejects.toBeInstanceOf(TypeError);
    });

    it('ok/markIssued and markFailed only from pending; the failed serial stays reserved', async () => {
      const a = await ctx.store.certificates.reserve(pending(caA));
      expect(await ctx.store.certificates.markIssued(a.id, Buffer.from('3000', 'hex'), at(1))).toBe(true);
      expect(await ctx.store.certificates.markIssued(a.id, Buffer.from('3000', 'hex'), at(2))).toBe(false);
      expect(await ctx.store.certificates.markFailed(a.id, 'x', at(2))).toBe(false);
      expect(await ctx.store.certificates.findById(a.id)).toMatchObject({
        status: 'active',
        der: Buffer.from('3000', 'hex'),
        updatedAt: at(1),
      });
      const b = await ctx.store.certificates.reserve(pending(caA));
      expect(await ctx.store.certificates.markFailed(b.id, 'signing failed', at(3))).toBe(true);
      expect(await ctx.store.certificates.findById(b.id)).toMatchObject({ status: 'failed', failureReason: 'signing failed', der: null });
      expect(await errorCode(ctx.store.certificates.reserve(pending(caA, { serial: b.serial })))).toBe('STORE_CONSTRAINT');
    });

    it('ok/changeStatus is compare-and-set: of two concurrent revocations exactly one wins; hold and release', async () => {
      const c = await ctx.store.certificates.reserve(pending(caA));
      await ctx.store.certificates.markIssued(c.id, Buffer.from('3000', 'hex'), at(1));
      expect(
        await ctx.store.certificates.changeStatus(c.id, 'active', {
          status: 'on-hold',
          revocationReason: 'certificateHold',
          revokedAt: at(2),
          invalidityDate: null,
          at: at(2),
        }),
      ).toBe(true);
      expect(
        await ctx.store.certificates.changeStatus(c.id, 'on-hold', {
          status: 'active',
          revocationReason: null,
          revokedAt: null,
          invalidityDate: null,
          at: at(3),
        }),
      ).toBe(true);
      expect(await ctx.store.certificates.findById(c.id)).toMatchObject({ status: 'active', revocationReason: null, revokedAt: null });
      const change = {
        status: 'revoked' as const,
        revocationReason: 'keyCompromise' as const,
        revokedAt: at(4),
        invalidityDate: at(0),
        at: at(4),
      };
      const both = await Promise.all([
        ctx.store.certificates.changeStatus(c.id, 'active', change),
        ctx.store.certificates.changeStatus(c.id, 'active', change),
      ]);
      expect(both.filter(Boolean)).toHaveLength(1);
      expect(await ctx.store.certificates.findById(c.id)).toMatchObject({
        status: 'revoked',
        revocationReason: 'keyCompromise',
        revokedAt: at(4),
        invalidityDate: at(0),
      });
      expect(await ctx.store.certificates.changeStatus('crt_missing', 'active', change)).toBe(false);
    });

    it('ok/list filters and orders by createdAt desc, id desc, with paging', async () => {
      const caL = uid('caL');
      await ctx.store.cas.insert(ca(caL));
      const made = [];
      for (let i = 0; i < 5; i++) {
        const r = await ctx.store.certificates.reserve(
          pending(caL, {
            createdAt: at(i),
            profile: i % 2 ? 'organization' : 'individual',
            subscriberId: i < 2 ? 'sub_x' : null,
            notAfter: at(100 + i),
          }),
        );
        if (i !== 4) await ctx.store.certificates.markIssued(r.id, Buffer.from('3000', 'hex'), at(i));
        made.push(r.id);
      }
      expect((await ctx.store.certificates.list({ caId: caL })).map((c) => c.id)).toEqual([...made].reverse());
      expect((await ctx.store.certificates.list({ caId: caL, status: 'pending' })).map((c) => c.id)).toEqual([made[4]]);
      expect((await ctx.store.certificates.list({ caId: caL, profile: 'organization' })).map((c) => c.id)).toEqual([made[3], made[1]]);
      expect((await ctx.store.certificates.list({ caId: caL, subscriberId: 'sub_x' })).map((c) => c.id)).toEqual([made[1], made[0]]);
      expect((await ctx.store.certificates.list({ caId: caL, validAt: at(102) })).map((c) => c.id)).toEqual([made[4], made[3]]);
      expect((await ctx.store.certificates.list({ caId: caL, limit: 2, offset: 1 })).map((c) => c.id)).toEqual([made[3], made[2]]);
    });

    it('ok/failStalePending fails only old pending rows', async () => {
      const caS = uid('caS');
      await ctx.store.cas.insert(ca(caS));
      const old = await ctx.store.certificates.reserve(pending(caS, { createdAt: at(0) }));
      const fresh = await ctx.store.certificates.reserve(pending(caS, { createdAt: at(30) }));
      const done = await ctx.store.certificates.reserve(pending(caS, { createdAt: at(0) }));
      await ctx.store.certificates.markIssued(done.id, Buffer.from('3000', 'hex'), at(1));
      expect(await ctx.store.certificates.failStalePending(at(10), 'interrupted', at(40))).toBeGreaterThanOrEqual(1);
      expect(await ctx.store.certificates.findById(old.id)).toMatchObject({
        status: 'failed',
        failureReason: 'interrupted',
        updatedAt: at(40),
      });
      expect(await ctx.store.certificates.findById(fresh.id)).toMatchObject({ status: 'pending' });
      expect(await ctx.store.certificates.findById(done.id)).toMatchObject({ status: 'active' });
    });

    it('ok/listRevoked: revoked and on-hold only, serial order, keyset pages, notExpiredAt', async () => {
      const caR = uid('caR');
      await ctx.store.cas.insert(ca(caR));
      const serials: string[] = [];
      for (let i = 0; i < 7; i++) {
        const r = await ctx.store.certificates.reserve(pending(caR, { notAfter: at(i === 6 ? 5 : 1000) }));
        await ctx.store.certificates.markIssued(r.id, Buffer.from('3000', 'hex'), at(1));
        if (i === 0) continue; // stays active
        const hold = i === 1;
        await ctx.store.certificates.changeStatus(r.id, 'active', {
          status: hold ? 'on-hold' : 'revoked',
          revocationReason: hold ? 'certificateHold' : 'superseded',
          revokedAt: at(i),
          invalidityDate: i === 2 ? at(-5) : null,
          at: at(i),
        });
        serials.push(r.serial);
      }
      serials.sort();
      const all = await ctx.store.certificates.listRevoked(caR, { limit: 100 });
      expect(all.map((e) => e.serial)).toEqual(serials);
      expect(all.find((e) => e.reason === 'certificateHold')).toBeDefined();
      expect(all.filter((e) => e.invalidityDate !== null)).toHaveLength(1);
      const p1 = await ctx.store.certificates.listRevoked(caR, { limit: 4 });
      const p2 = await ctx.store.certificates.listRevoked(caR, { limit: 4, afterSerial: p1[p1.length - 1]!.serial });
      expect([...p1, ...p2].map((e) => e.serial)).toEqual(serials);
      expect(await ctx.store.certificates.listRevoked(caR, { limit: 100, notExpiredAt: at(10) })).toHaveLength(5);
    });

    it('ok/100,000 revoked entries list completely and in order in 10k pages (batched fixture inserts)', async () => {
      const caBig = uid('caBig');
      await ctx.store.cas.insert(ca(caBig));
      const N = 100_000;
      const rows: unknown[][] = [];
      const now = T0.toISOString();
      for (let i = 0; i < N; i++) {
        const serial = hex(16);
        rows.push([
          `crt_big_${i}`,
          caBig,
          serial,
          'individual',
          'CN=x',
          'ab',
          now,
          at(9999).toISOString(),
          i % 10 ? 'revoked' : 'on-hold',
          i % 10 ? 'keyCompromise' : 'certificateHold',
          now,
          now,
          now,
        ]);
      }
      await ctx.db.insertRows(
        'certificates',
        [
          'id',
          'ca_id',
          'serial',
          'profile',
          'subject_dn',
          'spki_sha256',
          'not_before',
          'not_after',
          'status',
          'revocation_reason',
          'revoked_at',
          'created_at',
          'updated_at',
        ],
        rows,
      );
      const started = performance.now();
      const got: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await ctx.store.certificates.listRevoked(caBig, { limit: 10_000, ...(after ? { afterSerial: after } : {}) });
        for (const e of page) got.push(e.serial);
        if (page.length < 10_000) break;
        after = page[page.length - 1]!.serial;
      }
      const ms = performance.now() - started;
      // Reported, not asserted (no timing assertions): the CRL generator's budget is 2 s in all.
      console.info(`[${dialect}] listRevoked 100k entries: ${ms.toFixed(0)} ms`);
      expect(got).toHaveLength(N);
      const sorted = [...got].sort();
      expect(got).toEqual(sorted);
      expect(new Set(got).size).toBe(N);
    });
  });

  describe('subscribers and requests', () => {
    function sub(over: Partial<SubscriberRecord> = {}): SubscriberRecord {
      return {
        id: uid('sub'),
        kind: 'individual',
        managingOrganizationId: null,
        name: 'Nguyễn Văn An',
        subject: {
          commonName: 'Nguyễn Văn An',
          organization: 'UBND tỉnh Quảng Ninh',
          organizationalUnits: ['Sở Tư pháp', 'Phòng Hành chính'],
          uids: ['CCCD:001204567890'],
        },
        identifiers: ['CCCD:001204567890'],
        email: 'an@quangninh.gov.vn',
        position: 'Phó Giám đốc',
        status: 'active',
        createdAt: T0,
        updatedAt: T0,
        ...over,
      };
    }

    it('ok/insert, get, findByIdentifier, update (identifiers re-indexed), list', async () => {
      const org = sub({ kind: 'organization', name: 'Sở Tư pháp', identifiers: [`MST:${Date.now()}`], position: null });
      await ctx.store.subscribers.insert(org);
      const idNo = `CCCD:0${randomBytes(5).toString('hex').replace(/[a-f]/g, '7').slice(0, 11)}`;
      const person = sub({ managingOrganizationId: org.id, identifiers: [idNo], createdAt: at(1), updatedAt: at(1) });
      await ctx.store.subscribers.insert(person);
      expect(await ctx.store.subscribers.get(person.id)).toEqual(person);
      expect((await ctx.store.subscribers.findByIdentifier(idNo)).map((s) => s.id)).toEqual([person.id]);
      expect(await ctx.store.subscribers.update(person.id, { identifiers: ['CMND:123456789'], position: null, updatedAt: at(2) })).toBe(
        true,
      );
      expect(await ctx.store.subscribers.findByIdentifier(idNo)).toEqual([]);
      expect((await ctx.store.subscribers.findByIdentifier('CMND:123456789')).map((s) => s.id)).toContain(person.id);
      expect(await ctx.store.subscribers.get(person.id)).toMatchObject({
        identifiers: ['CMND:123456789'],
        position: null,
        name: 'Nguyễn Văn An',
        updatedAt: at(2),
      });
      expect(await ctx.store.subscribers.update('sub_missing', { name: 'x', updatedAt: at(3) })).toBe(false);
      expect((await ctx.store.subscribers.list({ managingOrganizationId: org.id })).map((s) => s.id)).toEqual([person.id]);
      expect((await ctx.store.subscribers.list({ kind: 'organization', limit: 1000 })).map((s) => s.id)).toContain(org.id);
      expect(await errorCode(ctx.store.subscribers.insert(person))).toBe('STORE_CONSTRAINT');
    });

    it('ok/requests: insert, get, compare-and-set transitions, list by managing organization', async () => {
      const org = sub({ kind: 'organization', identifiers: [] });
      await ctx.store.subscribers.insert(org);
      const person = sub({ managingOrganizationId: org.id, identifiers: [] });
      await ctx.store.subscribers.insert(person);
      const req: RequestRecord = {
        id: uid('req'),
        kind: 'new',
        state: 'pending',
        subscriberId: person.id,
        profile: 'individual',
        caId: 'individuals',
        certificateId: null,
        csrDer: Buffer.from('3082', 'hex'),
        params: { validityDays: 730, keySpec: { type: 'ec', curve: 'P-256' }, note: 'cấp mới' },
        requestedBy: 'ra-1',
        requestedAt: at(1),
        decidedBy: null,
        decidedAt: null,
        decisionNote: null,
        resultCertificateId: null,
        completedAt: null,
        failureReason: null,
      };
      await ctx.store.requests.insert(req);
      expect(await ctx.store.requests.get(req.id)).toEqual(req);
      expect(await ctx.store.requests.transition(req.id, 'approved', { state: 'completed' })).toBe(false);
      const both = await Promise.all([
        ctx.store.requests.transition(req.id, 'pending', { state: 'approved', decidedBy: 'boss', decidedAt: at(2), decisionNote: 'ok' }),
        ctx.store.requests.transition(req.id, 'pending', { state: 'rejected', decidedBy: 'other', decidedAt: at(2) }),
      ]);
      expect(both.filter(Boolean)).toHaveLength(1);
      const mid = await ctx.store.requests.get(req.id);
      expect(['approved', 'rejected']).toContain(mid!.state);
      if (mid!.state === 'approved') {
        expect(
          await ctx.store.requests.transition(req.id, 'approved', { state: 'completed', resultCertificateId: 'crt_1', completedAt: at(3) }),
        ).toBe(true);
        expect(await ctx.store.requests.get(req.id)).toMatchObject({
          state: 'completed',
          decidedBy: 'boss',
          decisionNote: 'ok',
          resultCertificateId: 'crt_1',
          completedAt: at(3),
        });
      }
      expect((await ctx.store.requests.list({ managingOrganizationId: org.id })).map((r) => r.id)).toEqual([req.id]);
      expect(await ctx.store.requests.list({ subscriberId: person.id, state: 'pending' })).toEqual([]);
      expect(await errorCode(ctx.store.requests.insert({ ...req, id: uid('req'), subscriberId: 'sub_missing' }))).toBe('STORE_CONSTRAINT');
    });
  });

  describe('crls and transactions', () => {
    it('ok/save, latest, duplicate number → STORE_CONSTRAINT, prune keeps the newest', async () => {
      const c = uid('crlca');
      await ctx.store.cas.insert(ca(c));
      for (let n = 1; n <= 5; n++) {
        await ctx.store.crls.save({
          caId: c,
          crlNumber: n,
          thisUpdate: at(n),
          nextUpdate: at(n + 60),
          der: Buffer.from([0x30, n]),
          entryCount: n * 10,
          createdAt: at(n),
        });
      }
      expect(await ctx.store.crls.latest(c)).toEqual({
        caId: c,
        crlNumber: 5,
        thisUpdate: at(5),
        nextUpdate: at(65),
        der: Buffer.from([0x30, 5]),
        entryCount: 50,
        createdAt: at(5),
      });
      expect(
        await errorCode(
          ctx.store.crls.save({
            caId: c,
            crlNumber: 5,
            thisUpdate: at(5),
            nextUpdate: at(6),
            der: Buffer.alloc(2),
            entryCount: 0,
            createdAt: at(5),
          }),
        ),
      ).toBe('STORE_CONSTRAINT');
      expect(await ctx.store.crls.prune(c, 2)).toBe(3);
      expect(await ctx.store.crls.prune(c, 2)).toBe(0);
      expect((await ctx.store.crls.latest(c))?.crlNumber).toBe(5);
      expect(await ctx.store.crls.latest('none')).toBeUndefined();
    });

    it('ok/a transaction commits reserve + audit together, or neither', async () => {
      const c = uid('txca');
      await ctx.store.cas.insert(ca(c));
      const p = pending(c);
      await expect(
        ctx.store.transaction(async (repos) => {
          await repos.certificates.reserve(p);
          await repos.audit.append({ actor: 'ra', role: 'ra-officer', action: 'cert.intent', target: p.id, outcome: 'success' });
          throw new Error('crash before commit');
        }),
      ).rejects.toThrow('crash before commit');
      expect(await ctx.store.certificates.findById(p.id)).toBeUndefined();
      expect(await ctx.store.audit.list({ target: p.id })).toEqual([]);
      const r = await ctx.store.transaction(async (repos) => {
        const rec = await repos.certificates.reserve(p);
        await repos.audit.append({ actor: 'ra', role: 'ra-officer', action: 'cert.intent', target: p.id, outcome: 'success' });
        return rec;
      });
      expect(r.id).toBe(p.id);
      expect(await ctx.store.audit.list({ target: p.id })).toHaveLength(1);
      expect(await ctx.store.audit.verifyChain()).toMatchObject({ ok: true });
    });
  });
});
