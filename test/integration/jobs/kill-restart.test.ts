import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nssDbTrusting, pdfsig, tmp } from '../signing/tools.js';
import { api, jobForm, makeWorld, PIN, serve, smallPdfs, type Served, type ServeWorld } from './serve-process.js';

/**
 * "Signed once" across a crash (docs/jobs.md): a job of 50 files is submitted to a spawned
 * `kyso serve`, the process is killed with SIGKILL while the job runs, a new process on the same
 * data directory finishes the job (items of the dead worker are claimed again when their lease
 * ends), and then every file has exactly one `signing.sign` audit event, one recorded output, and
 * a signature that pdfsig (poppler + NSS, a sample) and kyso's verifier (all) accept.
 */
const N = 50;
let w: ServeWorld;
let s: Served | undefined;

beforeAll(() => {
  w = makeWorld({ KYSO_JOB_LEASE_SECONDS: '2' });
}, 180_000);
afterAll(async () => {
  if (s && s.child.exitCode === null) {
    s.child.kill('SIGTERM');
    await s.exited;
  }
});

async function waitFor<T>(fn: () => Promise<T | undefined>, what: string, tries = 1200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('a 50-file sign job across kill -9', () => {
  it('ok/finishes after a restart, each file signed exactly once (audit events, outputs, pdfsig, kyso verifier)', async () => {
    s = await serve(w);
    const pdfs = await smallPdfs(N);
    const submit = await api(
      s.url,
      'POST',
      '/api/v1/jobs/sign',
      w.signerToken,
      jobForm(pdfs, { level: 'B-B', reason: 'Phê duyệt', signer: { kind: 'credential', credentialId: w.credentialId, pin: PIN } }),
    );
    expect(submit.status, JSON.stringify(submit.json)).toBe(202);
    const id = submit.json.id as string;
    expect(submit.headers.get('location')).toBe(`/api/v1/jobs/${id}`);
    expect(submit.json.progress).toEqual({ total: N, done: 0, failed: 0, cancelled: 0 });

    // Kill the process as soon as some work is recorded and some is left. The database is read
    // directly (read-only, WAL) so the moment does not depend on the busy server answering HTTP.
    const db = new Database(join(w.dataDir, 'kyso.sqlite'), { readonly: true, fileMustExist: true });
    const doneCount = db.prepare(`select count(*) as n from job_items where job_id = ? and state = 'done'`);
    const runningCount = db.prepare(`select count(*) as n from job_items where job_id = ? and state = 'running'`);
    // Three files recorded and a fourth claimed: the kill most likely lands while it is being signed.
    for (;;) {
      if ((doneCount.get(id) as { n: number }).n >= 3 && (runningCount.get(id) as { n: number }).n >= 1) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    s.child.kill('SIGKILL');
    await s.exited;
    const doneAtKill = (doneCount.get(id) as { n: number }).n;
    const runningAtKill = (
      db.prepare(`select count(*) as n from job_items where job_id = ? and state = 'running'`).get(id) as { n: number }
    ).n;
    db.close();
    expect(doneAtKill).toBeLessThan(N);

    s = await serve(w);
    const after = await waitFor(async () => {
      const r = await api(s!.url, 'GET', `/api/v1/jobs/${id}`, w.signerToken);
      return r.json.state === 'completed' ? r.json : undefined;
    }, 'job completion');
    expect(after.progress).toEqual({ total: N, done: N, failed: 0, cancelled: 0 });
    console.info(`killed with ${doneAtKill}/${N} done and ${runningAtKill} claimed by the dead worker`);

    // One private-key use recorded per file: exactly one signing.sign event (success) per item, none failed.
    const audit = await api(s.url, 'GET', `/api/v1/audit?action=signing.sign&limit=10000`, w.adminToken);
    const events = (audit.json.items as any[]).filter((e) => e.details?.job === id);
    const perItem = new Map<number, number>();
    for (const e of events) perItem.set(e.details.item, (perItem.get(e.details.item) ?? 0) + 1);
    expect(events.every((e) => e.outcome === 'success')).toBe(true);
    expect([...perItem.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect([...perItem.values()].every((c) => c === 1)).toBe(true);
    // An item the dead worker held was claimed again after its lease and recorded once, on its second claim.
    if (runningAtKill > 0) expect(events.some((e) => e.details.attempt >= 2)).toBe(true);
    // the audit chain still verifies after the crash
    expect((await api(s.url, 'POST', '/api/v1/audit/verify', w.adminToken)).json.ok).toBe(true);

    // Each output: the recorded hash, starts with the input (incremental update), verified.
    const root = (await api(s.url, 'GET', '/pki/ca/root.pem', undefined)).body.toString('utf8');
    const nss = nssDbTrusting(root);
    const dir = tmp('kyso-job-out-');
    for (const f of after.files as any[]) {
      const out = await api(s.url, 'GET', f.url, w.signerToken);
      expect(out.status).toBe(200);
      expect(out.body.subarray(0, pdfs[f.n - 1]!.length).equals(pdfs[f.n - 1]!)).toBe(true);
      const event = events.find((e) => e.details.item === f.n);
      expect(event.details.outputSha256).toBe(f.sha256);
      const fd = new FormData();
      fd.set('pdf', new Blob([new Uint8Array(out.body)], { type: 'application/pdf' }), 'x.pdf');
      const report = (await api(s.url, 'POST', '/api/v1/verify', undefined, fd)).json;
      expect(report.indication, `file ${f.n}`).toBe('TOTAL_PASSED');
      if (f.n % 10 === 1 || f.n === N) {
        const file = join(dir, `out-${f.n}.pdf`);
        writeFileSync(file, out.body);
        const r = pdfsig(file, nss);
        expect(r.count, r.text).toBe(1);
        expect(r.valid, r.text).toBe(1);
      }
    }
  }, 600_000);
});
