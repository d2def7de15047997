import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pemEncode } from '../../../src/core/bytes.js';
import { isAppError } from '../../../src/core/errors.js';
import { newId } from '../../../src/core/ids.js';
import { generateSerial, serialToHex } from '../../../src/pki/serial.js';
import { ADMIN, makeCsr, makePki, officerOf } from '../../unit/pki/support/pki-fixture.js';
import { DIALECTS } from '../../contract/store/support/test-db.js';
import { storePerDialect } from '../../contract/store/support/store-per-dialect.js';

/** The PKI services over the real store adapters (SQLite and PostgreSQL via Kysely), checked with openssl. */
describe.each(DIALECTS)('PKI services over the %s store', (dialect) => {
  const ctx = storePerDialect(dialect);
  let dir: string;
  let pki: Awaited<ReturnType<typeof makePki>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kyso-pki-store-'));
    pki = await makePki({ store: ctx.store, audit: ctx.store.audit });
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
  });

  const subject = { commonName: 'Phạm Thị Dung', organization: 'UBND tỉnh Quảng Ninh', uids: ['CCCD:022190000999'] };

  describe('flows', () => {
    it('ok/bootstrap is idempotent across a re-opened store; audit chain verifies', async () => {
      expect(pki.boot.created.length).toBe(7);
      const again = await makePki({ store: ctx.store, audit: ctx.store.audit });
      expect(again.boot.created).toEqual([]);
      const v = await ctx.store.audit.verifyChain();
      expect(v.ok).toBe(true);
    });

    it('ok/RA flow, revocation and OCSP/CRL seen by openssl; errors change nothing', async () => {
      const org = await pki.ra.registerOrganization(ADMIN, { subject: { commonName: 'Sở Y tế', uids: ['MNS:1000555'] } });
      const OFFICER = officerOf(org.id);
      const off = await pki.ra.registerOfficial(OFFICER, { managingOrganizationId: org.id, subject });
      const req = await pki.ra.createRequest(OFFICER, { kind: 'new', subscriberId: off.id, csr: makeCsr().der });
      await pki.ra.approve({ id: 'head', role: 'ra-officer', organizationId: org.id }, req.id);
      const { issued } = await pki.ra.complete(OFFICER, req.id);
      const leaf = join(dir, 'leaf.pem');
      writeFileSync(leaf, issued!.pem);
      const ica = join(dir, 'ica.pem');
      writeFileSync(ica, pemEncode('CERTIFICATE', (await ctx.store.cas.get('individuals'))!.certificateDer));
      writeFileSync(join(dir, 'root.pem'), pemEncode('CERTIFICATE', (await ctx.store.cas.get('root'))!.certificateDer));
      writeFileSync(join(dir, 'resp.pem'), pemEncode('CERTIFICATE', (await ctx.store.cas.get('ocsp-individuals'))!.certificateDer));
      const ocsp = async () => {
        execFileSync('openssl', ['ocsp', '-issuer', ica, '-cert', leaf, '-no_nonce', '-reqout', join(dir, 'q.der')]);
        writeFileSync(join(dir, 'r.der'), (await pki.ocsp.respond(readFileSync(join(dir, 'q.der')))).der);
        const r = spawnSync(
          'openssl',
          [
            'ocsp',
            '-respin',
            join(dir, 'r.der'),
            '-VAfile',
            join(dir, 'resp.pem'),
            '-no-CApath',
            '-no-CAstore',
            '-CAfile',
            join(dir, 'root.pem'),
            '-resp_text',
          ],
          { encoding: 'utf8' },
        );
        expect(r.stderr).toContain('Response verify OK');
        return /Cert Status: (\w+)/.exec(r.stdout)?.[1];
      };
      expect(await ocsp()).toBe('good');
      const before = await ctx.store.certificates.findById(issued!.certificate.id);
      try {
        await pki.lifecycle.revoke(ADMIN, { id: issued!.certificate.id }, { reason: 'nonsense' });
        expect.unreachable();
      } catch (e) {
        expect(isAppError(e, 'REVOCATION_REASON_INVALID')).toBe(true);
      }
      expect(await ctx.store.certificates.findById(issued!.certificate.id)).toEqual(before);
      await pki.lifecycle.suspend(ADMIN, { serial: issued!.certificate.serial });
      expect(await ocsp()).toBe('revoked');
      await pki.lifecycle.release(ADMIN, { serial: issued!.certificate.serial });
      expect(await ocsp()).toBe('good');
      await pki.lifecycle.revoke(ADMIN, { serial: issued!.certificate.serial }, { reason: 'keyCompromise' });
      expect(await ocsp()).toBe('revoked');
      const crl = await pki.crl.generate('individuals');
      writeFileSync(join(dir, 'c.crl'), crl.der);
      const v = spawnSync('openssl', ['crl', '-inform', 'DER', '-in', join(dir, 'c.crl'), '-CAfile', ica, '-noout', '-verify', '-text'], {
        encoding: 'utf8',
      });
      expect(v.stderr).toContain('verify OK');
      expect(v.stdout).toContain(issued!.certificate.serial.toUpperCase());
    });

    it('ok/CRL pages through more revoked rows than one page (12,000) in serial order', async () => {
      const now = pki.clock.now().toISOString();
      const notAfter = new Date(pki.clock.now().getTime() + 86_400_000 * 365).toISOString();
      const cols = [
        'id',
        'ca_id',
        'serial',
        'profile',
        'subject_dn',
        'spki_sha256',
        'not_before',
        'not_after',
        'status',
        'der',
        'revocation_reason',
        'revoked_at',
        'created_at',
        'updated_at',
      ];
      const rows = Array.from({ length: 12_000 }, () => [
        newId('crt'),
        'organizations',
        serialToHex(generateSerial()),
        'organization',
        'CN=bulk',
        '00',
        now,
        notAfter,
        'revoked',
        Buffer.from([0x30, 0x00]),
        'cessationOfOperation',
        now,
        now,
        now,
      ]);
      await ctx.db.insertRows('certificates', cols, rows);
      const crl = await pki.crl.generate('organizations');
      expect(crl.entryCount).toBe(12_000);
      writeFileSync(join(dir, 'o.crl'), crl.der);
      writeFileSync(join(dir, 'oca.pem'), pemEncode('CERTIFICATE', (await ctx.store.cas.get('organizations'))!.certificateDer));
      const v = spawnSync(
        'openssl',
        ['crl', '-inform', 'DER', '-in', join(dir, 'o.crl'), '-CAfile', join(dir, 'oca.pem'), '-noout', '-verify', '-text'],
        { encoding: 'utf8', maxBuffer: 64 << 20 },
      );
      expect(v.stderr).toContain('verify OK');
      expect((v.stdout.match(/Serial Number:/g) ?? []).length).toBe(12_000);
    });

    it('ok/start-up recovery fails stale pending rows; their serials stay taken', async () => {
      const past = new Date(pki.clock.now().getTime() - 3_600_000);
      const serial = serialToHex(generateSerial());
      await ctx.store.certificates.reserve({
        id: 'crt_stale',
        caId: 'individuals',
        serial,
        profile: 'individual',
        subscriberId: null,
        requestId: null,
        replacesId: null,
        subjectDn: 'CN=x',
        spkiSha256: '00',
        keyUri: null,
        notBefore: past,
        notAfter: past,
        createdAt: past,
      });
      expect(await pki.issuance.recover()).toBe(1);
      expect((await ctx.store.certificates.findById('crt_stale'))?.status).toBe('failed');
      await expect(
        ctx.store.certificates.reserve({
          id: 'crt_again',
          caId: 'individuals',
          serial,
          profile: 'individual',
          subscriberId: null,
          requestId: null,
          replacesId: null,
          subjectDn: 'CN=x',
          spkiSha256: '00',
          keyUri: null,
          notBefore: past,
          notAfter: past,
          createdAt: past,
        }),
      ).rejects.toMatchObject({ code: 'STORE_CONSTRAINT' });
    });

    it('ok/the intent event is committed before the signature; a failed signing keeps it beside the failure', async () => {
      const ca = await pki.cas.get('individuals');
      const real = await ca.signer();
      const orig = real.sign.bind(real);
      let fail = true;
      const seenAtSigning: string[] = [];
      (real as { sign: typeof real.sign }).sign = async (d) => {
        // At signing time the pending row and its intent event are both committed.
        const [intent] = await ctx.store.audit.list({ action: 'certificate.issue.intent', order: 'desc', limit: 1 });
        const row = await ctx.store.certificates.findById(String(intent!.details!.certificateId));
        seenAtSigning.push(`${row!.status}:${intent!.target}`);
        if (fail) {
          fail = false;
          throw new Error('HSM unplugged');
        }
        return orig(d);
      };
      try {
        const head = (await ctx.store.audit.list({ order: 'desc', limit: 1 }))[0]!.seq;
        const err = await pki.issuance
          .issue(ADMIN, { profile: 'individual', subject, key: { csr: makeCsr().der } })
          .catch((e: unknown) => e);
        expect(String(err)).toContain('HSM unplugged');
        const ok = await pki.issuance.issue(ADMIN, { profile: 'individual', subject, key: { csr: makeCsr().der } });
        const events = await ctx.store.audit.list({ fromSeq: head + 1 });
        expect(events.map((e) => `${e.action}:${e.outcome}`)).toEqual([
          'certificate.issue.intent:success',
          'certificate.issue:failure',
          'certificate.issue.intent:success',
          'certificate.issue:success',
        ]);
        const failedId = String(events[0]!.details!.certificateId);
        expect((await ctx.store.certificates.findById(failedId))!.status).toBe('failed');
        expect(events[1]!.details!.certificateId).toBe(failedId);
        expect(events[3]!.target).toBe(`individuals:${ok.certificate.serial}`);
        expect(seenAtSigning).toEqual([`pending:${events[0]!.target}`, `pending:${events[2]!.target}`]);
        expect((await ctx.store.audit.verifyChain()).ok).toBe(true);
      } finally {
        (real as { sign: typeof real.sign }).sign = orig;
      }
    });
  });
});
