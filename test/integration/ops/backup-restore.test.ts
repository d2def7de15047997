import { randomBytes, createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { openContext, type KysoContext } from '../../../src/app/context.js';
import { createPki } from '../../../src/app/pki.js';
import { initialise } from '../../../src/app/init.js';
import { AUTHORITY, caller, certifyForm, freePort, originalPdf, run, setupCertifierAndAuthority, type CopySetup } from '../copies/setup.js';
import { cli, exportCas, issueP12, ocspStatus, opensslVerify, startServe, type Served } from './service.js';

/**
 * `kyso backup` while `kyso serve` answers requests, then `kyso restore` into a fresh data
 * directory (and a fresh PostgreSQL database), then a second `kyso serve` on the restored data:
 * same CA certificates, register numbers and certificate serials continue, kept copies download,
 * the audit log verifies; tampered, truncated, wrong-master-key and non-empty-target restores are
 * refused with their codes. On SQLite and on PostgreSQL (the test creates and drops its databases).
 */
const ADMIN_URL = process.env.KYSO_TEST_PG_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CA_IDS = ['root', 'organizations', 'individuals', 'ocsp-individuals', 'tsa'] as const;

async function pgAdmin(sqlText: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sqlText);
  } finally {
    await c.end();
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
}, 60_000);

function scenario(kind: 'sqlite' | 'postgres'): void {
  describe(`backup and restore on ${kind}`, () => {
    it('ok/backup during traffic → restore into an empty target → same CA, numbering and serials continue, audit verifies; refusals keep the target untouched', async () => {
      const work = mkdtempSync(join(tmpdir(), `kyso-backup-${kind}-`));
      cleanups.push(async () => rmSync(work, { recursive: true, force: true }));
      const master = randomBytes(32).toString('hex');
      const dbs = kind === 'postgres' ? [`kyso_test_${randomBytes(6).toString('hex')}`, `kyso_test_${randomBytes(6).toString('hex')}`] : [];
      for (const db of dbs) {
        await pgAdmin(`CREATE DATABASE ${db}`);
        cleanups.push(() => pgAdmin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`));
      }
      const dbUrl = (i: number) => (kind === 'postgres' ? { KYSO_DATABASE_URL: ADMIN_URL.replace(/\/[^/]*$/, `/${dbs[i]}`) } : {});
      const port = await freePort();
      const base = { ...process.env, KYSO_MASTER_KEY: master, KYSO_LOG_LEVEL: 'silent' };
      const srcEnv = {
        ...base,
        ...dbUrl(0),
        KYSO_DATA: join(work, 'data'),
        PORT: String(port),
        KYSO_PUBLIC_URL: `http://127.0.0.1:${port}`,
      };

      // the original installation: CA, an admin, a certifier with an authority, a certificate, two copies
      const ctx: KysoContext = await openContext(loadConfig({ env: srcEnv }), { create: true });
      const init = await initialise(ctx, createPki(ctx));
      const adminToken = init.adminToken!;
      const srv: Served = await startServe(srcEnv);
      cleanups.push(() => srv.stop());
      const call = caller(srv.url);
      const s: CopySetup = await setupCertifierAndAuthority(ctx, call, adminToken);
      await ctx.close();
      const certs = join(work, 'certs');
      const { mkdirSync } = await import('node:fs');
      mkdirSync(certs);
      const casBefore = await exportCas(srv.url, certs, CA_IDS);
      const before = await issueP12(srv.url, adminToken, certs, 'Nguyễn Văn An', 'CCCD:001204567890');
      const original = await originalPdf(1);
      const certify = (url: string) =>
        caller(url)('POST', '/api/v1/copies', { token: s.certifierToken, body: certifyForm(s, { original }, { level: 'B-B' }) });
      for (const n of ['1', '2']) {
        const r = await certify(srv.url);
        expect(r.status, r.body.toString('utf8').slice(0, 300)).toBe(200);
        expect(r.headers.get('x-kyso-copy-number')).toBe(n);
      }

      // the backup runs while the service certifies, issues and answers OCSP
      const archive = join(work, 'kyso.backup');
      const [backup, ...traffic] = await Promise.all([
        cli(['backup', '--out', archive, '--json'], srcEnv),
        certify(srv.url),
        issueP12(srv.url, adminToken, certs, 'Trần Thị Bình', 'CCCD:001204567891').then(() => ({ status: 201 })),
        ocspStatus(srv.url, certs, before.leaf).then((st) => ({ status: st === 'good' ? 200 : 500 })),
      ]);
      expect(backup.code, backup.stderr).toBe(0);
      for (const t of traffic) expect([200, 201]).toContain(t.status);
      const summary = JSON.parse(backup.stdout) as { sha256: string; databaseKind: string; sealedKeys: number; tokenKeys: unknown[] };
      expect(summary.databaseKind).toBe(kind);
      // root, two issuing CAs, the shared OCSP responder key, the TSA and the audit checkpoint key,
      // plus the certifier's and the seal's kept keys
      expect(summary.sealedKeys).toBe(6 + 2);
      expect(summary.tokenKeys).toEqual([]);
      expect(createHash('sha256').update(readFileSync(archive)).digest('hex')).toBe(summary.sha256);
      const bytes = readFileSync(archive);
      // the master key is never in the archive
      expect(bytes.includes(Buffer.from(master, 'hex'))).toBe(false);
      expect(bytes.includes(Buffer.from(master))).toBe(false);
      const createdAudit = await call('GET', '/api/v1/audit?action=backup.create', { token: adminToken });
      expect(createdAudit.json.items).toHaveLength(1);
      expect(createdAudit.json.items[0].details.sha256).toBe(summary.sha256);

      // refusals, none of which writes anything into the target
      const target = join(work, 'restored');
      const dstEnv = { ...base, ...dbUrl(1), KYSO_DATA: target };
      const wrongKey = await cli(['restore', archive], { ...dstEnv, KYSO_MASTER_KEY: randomBytes(32).toString('hex') });
      expect(wrongKey.code).toBe(78);
      expect(wrongKey.stderr).toMatch(/^kyso: BACKUP_MASTER_KEY_MISMATCH: /);
      const noKey = await cli(['restore', archive], { ...dstEnv, KYSO_MASTER_KEY: '' });
      expect(noKey.code).toBe(78);
      expect(noKey.stderr).toMatch(/^kyso: BACKUP_MASTER_KEY_MISMATCH: /);
      const tampered = Buffer.from(bytes);
      tampered[Math.floor(tampered.length / 2)]! ^= 0x01;
      writeFileSync(join(work, 'tampered.backup'), tampered);
      writeFileSync(join(work, 'truncated.backup'), bytes.subarray(0, bytes.length - 100));
      for (const f of ['tampered.backup', 'truncated.backup']) {
        const r = await cli(['restore', join(work, f)], dstEnv);
        expect(r.code, f).toBe(65);
        expect(r.stderr).toMatch(/^kyso: BACKUP_INVALID: /);
      }
      expect(existsSync(target)).toBe(false);

      // the restore
      const restored = await cli(['restore', archive, '--json'], dstEnv);
      expect(restored.code, restored.stderr).toBe(0);
      const rs = JSON.parse(restored.stdout) as { audit: { ok: boolean }; sha256: string };
      expect(rs.audit.ok).toBe(true);
      expect(rs.sha256).toBe(summary.sha256);
      const again = await cli(['restore', archive], dstEnv);
      expect(again.code).toBe(67);
      expect(again.stderr).toMatch(/^kyso: RESTORE_TARGET_NOT_EMPTY: /);

      // the restored service
      const port2 = await freePort();
      const srv2 = await startServe({ ...dstEnv, PORT: String(port2) });
      cleanups.push(() => srv2.stop());
      const call2 = caller(srv2.url);
      const certs2 = join(work, 'certs2');
      mkdirSync(certs2);
      const casAfter = await exportCas(srv2.url, certs2, CA_IDS);
      expect(casAfter).toEqual(casBefore);
      // a certificate issued before the backup: OCSP from the restored responder, signature checked by openssl
      expect(await ocspStatus(srv2.url, certs2, before.leaf)).toBe('good');
      // a new certificate: new serial, chains to the same root
      const listed = await call2('GET', '/api/v1/certificates?limit=1000', { token: adminToken });
      expect(listed.status).toBe(200);
      const serials = new Set((listed.json.items as { serial: string }[]).map((c) => c.serial));
      expect(serials.has(before.serial)).toBe(true);
      const after = await issueP12(srv2.url, adminToken, certs2, 'Lê Văn Cường', 'CCCD:001204567892');
      expect(serials.has(after.serial)).toBe(false);
      expect(opensslVerify(certs, after.leaf)).toContain(': OK');

      // register numbers continue after the last one the backup holds; kept copies download unchanged
      const entries = (await call2('GET', `/api/v1/copies?authority=${AUTHORITY}&limit=100`, { token: s.certifierToken })).json.items as {
        id: string;
        number: number;
        status: string;
        copySha256: string | null;
      }[];
      const numbers = entries.map((e) => e.number).sort((a, b) => a - b);
      expect(numbers.slice(0, 2)).toEqual([1, 2]);
      const last = Math.max(...numbers);
      const next = await certify(srv2.url);
      expect(next.status, next.body.toString('utf8').slice(0, 300)).toBe(200);
      expect(next.headers.get('x-kyso-copy-number')).toBe(String(last + 1));
      for (const e of entries.filter((x) => x.status === 'valid')) {
        const d = await call2('GET', `/api/v1/copies/${e.id}/document`, { token: s.certifierToken });
        expect(d.status).toBe(200);
        expect(createHash('sha256').update(d.body).digest('hex')).toBe(e.copySha256);
      }
      const first = entries.find((e) => e.number === 1)!;
      const doc = await call2('GET', `/api/v1/copies/${first.id}/document`, { token: s.certifierToken });
      writeFileSync(join(work, 'copy-1.pdf'), doc.body);
      const pdfsig = await run('pdfsig', [join(work, 'copy-1.pdf')]);
      expect((pdfsig.out.match(/Signature Validation: Signature is Valid/g) ?? []).length).toBe(2);

      // the restored audit log verifies and records the restore; the CLI sees the same certificates
      const verify = await call2('POST', '/api/v1/audit/verify', { token: adminToken });
      expect(verify.json).toMatchObject({ ok: true });
      const restoreAudit = await call2('GET', '/api/v1/audit?action=backup.restore', { token: adminToken });
      expect(restoreAudit.json.items).toHaveLength(1);
      expect(restoreAudit.json.items[0]).toMatchObject({ outcome: 'success', details: { sha256: summary.sha256, auditChainOk: true } });
      const show = await cli(['cert', 'show', '--serial', before.serial], dstEnv);
      expect(show.code, show.stderr).toBe(0);
      expect(JSON.parse(show.stdout)).toMatchObject({ serial: before.serial, status: 'active' });
    }, 600_000);
  });
}

scenario('sqlite');
scenario('postgres');
