import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../copies/setup.js';

/**
 * examples/five-step-flow.mjs end to end against a spawned `kyso serve` on 127.0.0.1: the example
 * sets up its people over the API, runs receive → appraise → approve → seal → return with every
 * creating call sent three times (one answer dropped), and fails on any duplicate. The results are
 * then checked with pdfsig (poppler) and `kyso verify`, and the audit log shows the replays.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const KYSO = join(ROOT, 'bin/kyso.js');
let dir: string;
let data: string;
let url: string;
let adminToken: string;
let serve: ChildProcess | undefined;

function kyso(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [KYSO, ...args], {
    env: { ...process.env, KYSO_LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? 1, out: `${r.stdout}\n${r.stderr}` };
}

beforeAll(async () => {
  expect(existsSync(join(ROOT, 'dist/http/idempotency/idempotency-service.js')), 'run `npm run build` first').toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'kyso-five-step-'));
  data = join(dir, 'data');
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const init = kyso(['init', '--data', data, '--public-url', url]);
  expect(init.code, init.out).toBe(0);
  adminToken = /kyso_[A-Za-z0-9_-]{43}/.exec(init.out)![0];
  serve = spawn(process.execPath, [KYSO, 'serve', '--data', data], {
    env: { ...process.env, PORT: String(port), KYSO_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`kyso serve did not start: ${out}`)), 60_000);
    const on = (b: Buffer) => {
      out += b.toString();
      if (/kyso listening on/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    serve!.stdout!.on('data', on);
    serve!.stderr!.on('data', on);
    serve!.once('exit', (code) => reject(new Error(`kyso serve exited ${code}: ${out}`)));
  });
}, 180_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    serve.kill('SIGTERM');
    await new Promise((r) => serve!.once('exit', r));
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('examples/five-step-flow.mjs', () => {
  it('ok/five steps with a dropped answer and a duplicate at each: one signature per step, one register number; pdfsig and kyso verify agree', async () => {
    const out = join(dir, 'out');
    const run = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const p = spawn(process.execPath, [join(ROOT, 'examples/five-step-flow.mjs'), out], {
        env: { ...process.env, KYSO_URL: url, KYSO_ADMIN_TOKEN: adminToken },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      p.stdout.on('data', (b: Buffer) => (text += b.toString()));
      p.stderr.on('data', (b: Buffer) => (text += b.toString()));
      p.once('exit', (code) => resolve({ code, text }));
    });
    expect(run.code, run.text).toBe(0);
    for (const step of ['1. receive', '2. appraise', '3. approve', '4. seal', '5. return']) expect(run.text).toContain(step);

    // the final PDF: three signatures, each valid for poppler, each revision kept
    const final = join(out, '5-ket-qua.pdf');
    const sig = spawnSync('pdfsig', ['-nocert', final], { encoding: 'utf8' });
    expect(sig.stdout.match(/^Signature #\d+:/gm)).toHaveLength(3);
    expect(sig.stdout.match(/Signature Validation: Signature is Valid\./g)).toHaveLength(3);
    const copySig = spawnSync('pdfsig', ['-nocert', join(out, '5-ban-sao.pdf')], { encoding: 'utf8' });
    expect(copySig.stdout.match(/Signature Validation: Signature is Valid\./g)?.length).toBeGreaterThanOrEqual(2);
    expect(copySig.stdout).not.toMatch(/Signature is Invalid/);

    // kyso's own verifier over the same data directory's trust anchors (the server answers OCSP/CRL): TOTAL_PASSED, exit 0
    const v = kyso(['verify', final, '--data', data, '--json']);
    const report = JSON.parse(v.out.slice(v.out.indexOf('{'), v.out.lastIndexOf('}') + 1)) as {
      signatures: Array<{ integrity: { intact?: boolean } }>;
      indication: string;
    };
    expect(report.signatures).toHaveLength(3);
    expect(report.indication, v.out.slice(0, 400)).toBe('TOTAL_PASSED');
    expect(v.code).toBe(0);

    // the retries were answered from stored answers: audited as replays, never as a second signing
    const audit = await fetch(`${url}/api/v1/audit?action=request.replay&limit=1000`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(audit.status).toBe(200);
    const items = ((await audit.json()) as { items: Array<{ details: { path: string } }> }).items;
    expect(items.filter((e) => e.details.path === '/api/v1/sign').length).toBeGreaterThanOrEqual(3);
    expect(items.filter((e) => e.details.path === '/api/v1/copies').length).toBeGreaterThanOrEqual(1);
    expect(readFileSync(final).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  }, 300_000);
});
