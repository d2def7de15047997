import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../http/harness.js';
import { AUTHORITY, PIN, SEAL_PIN, caller, freePort, originalPdf, setupCertifierAndAuthority, type CopySetup } from '../copies/setup.js';
import { api } from './serve-process.js';

/**
 * A certify job: several originals → one certified copy each, on the two PINs checked once at
 * submission; each copy is a register entry the public lookup finds and the verifier accepts.
 */
let h: Harness;
let s: CopySetup;

beforeAll(async () => {
  const port = await freePort();
  h = await startHarness({ PORT: String(port), KYSO_PUBLIC_URL: `http://127.0.0.1:${port}` });
  s = await setupCertifierAndAuthority(h.ctx, caller(h.url), h.adminToken);
}, 180_000);
afterAll(async () => {
  await h?.close();
});

function form(originals: Buffer[], pin = PIN): FormData {
  const fd = new FormData();
  originals.forEach((o, i) => fd.append('original', new Blob([new Uint8Array(o)], { type: 'application/pdf' }), `goc-${i + 1}.pdf`));
  fd.set(
    'request',
    JSON.stringify({
      authorityId: AUTHORITY,
      requesterName: 'Trần Văn Bình',
      requesterIdDocument: 'CCCD 022090009999',
      documentType: 'Giấy khai sinh',
      documentTitle: 'Giấy khai sinh, quyển số 02/2020',
      documentIssuer: 'UBND phường Hồng Gai',
      certifier: { credentialId: s.certifierCredential, title: 'Công chức Tư pháp - Hộ tịch', pin },
      seal: { pin: SEAL_PIN },
    }),
  );
  return fd;
}

describe('certify jobs', () => {
  it('ok/3 originals → 3 certified copies (register entries, lookup, TOTAL_PASSED); one jobs.certify event each', async () => {
    const originals = [await originalPdf(1, 'GIẤY KHAI SINH'), await originalPdf(2, 'BẰNG TỐT NGHIỆP'), await originalPdf(1, 'HỌC BẠ')];
    const submit = await api(h.url, 'POST', '/api/v1/jobs/certify', s.certifierToken, form(originals));
    expect(submit.status, JSON.stringify(submit.json)).toBe(202);
    const id = submit.json.id as string;
    let job: any;
    for (let i = 0; i < 2400; i++) {
      job = (await api(h.url, 'GET', `/api/v1/jobs/${id}`, s.certifierToken)).json;
      if (job.state === 'completed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(job.progress, JSON.stringify(job.files)).toEqual({ total: 3, done: 3, failed: 0, cancelled: 0 });
    const events = (await h.ctx.audit.list({ action: 'jobs.certify', limit: 1000 })).filter((e) => e.details?.job === id);
    expect(events.map((e) => e.details?.item).sort()).toEqual([1, 2, 3]);
    const numbers = new Set(events.map((e) => e.details?.number));
    expect(numbers.size).toBe(3);
    for (const f of job.files) {
      const out = await api(h.url, 'GET', f.url, s.certifierToken);
      const fd = new FormData();
      fd.set('pdf', new Blob([new Uint8Array(out.body)], { type: 'application/pdf' }), 'copy.pdf');
      const report = (await api(h.url, 'POST', '/api/v1/verify', undefined, fd)).json;
      expect(report.indication, `copy ${f.n}`).toBe('TOTAL_PASSED');
      expect(report.registerMatch.matched).toBe(true);
    }
  });

  it('fail/a wrong certifier PIN is refused at submission; a signer may not submit (403)', async () => {
    const bad = await api(h.url, 'POST', '/api/v1/jobs/certify', s.certifierToken, form([await originalPdf(1)], '000000'));
    expect(bad.json.code).toBe('PIN_INVALID');
    const signer = await api(h.url, 'POST', '/api/v1/jobs/certify', s.signerToken, form([await originalPdf(1)]));
    expect([signer.status, signer.json.code]).toEqual([403, 'FORBIDDEN']);
  });
});
