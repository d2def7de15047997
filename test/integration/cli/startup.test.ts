import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * What the `kyso` launcher loads: commands load their services inside their actions, so usage
 * text and commands that never open keys stay light and quiet. Spawns bin/kyso.js (dist/, built by
 * `npm run build`) with a module-load hook that lists every module the process loads.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin/kyso.js');
const work = mkdtempSync(join(tmpdir(), 'kyso-startup-'));
const hook = join(work, 'list-modules.mjs');
const env = { ...process.env, KYSO_LOG_LEVEL: 'warn', KYSO_DATA: '', PORT: '', KYSO_MASTER_KEY: '', KYSO_DATABASE_URL: '' };

function kyso(args: string[], o: { listModules?: boolean } = {}) {
  const pre = o.listModules ? ['--import', pathToFileURL(hook).href] : [];
  const r = spawnSync(process.execPath, [...pre, BIN, ...args], { encoding: 'utf8', env, cwd: work });
  const modules = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('LOADED '))
    .map((l) => l.slice(7));
  const err = r.stderr
    .split('\n')
    .filter((l) => !l.startsWith('LOADED '))
    .join('\n');
  return { code: r.status, out: r.stdout, err, modules };
}

/** Packages (node_modules) and kyso layers (dist/) a module list touches. */
function packagesOf(modules: string[]): Set<string> {
  const out = new Set<string>();
  for (const m of modules) {
    const p = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(m);
    if (p) out.add(p[1]!);
  }
  return out;
}

const HEAVY_LAYERS = [
  'dist/app/context.js',
  'dist/app/services.js',
  'dist/store/index.js',
  'dist/pdf/sign/',
  'dist/pdf/verify/',
  'dist/cms/',
  'dist/signing/',
  // key stores and adapters; the RFC 7512 URI parser (dist/keys/pkcs11-uri.js, plain string
  // parsing) is read by the configuration to check KYSO_KEY_STORE and may load
  'dist/keys/adapters/',
  'dist/keys/key-store',
  'dist/keys/sealed',
];

beforeAll(() => {
  expect(existsSync(join(ROOT, 'dist/cli/main.js')), 'run `npm run build` first').toBe(true);
  writeFileSync(
    hook,
    `import { register } from 'node:module';\n` +
      `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(
        "export async function load(url, ctx, next) { process.stderr.write('LOADED ' + url + '\\n'); return next(url, ctx); }",
      )}));\n`,
  );
});

describe('kyso start-up', () => {
  for (const args of [['--help'], ['sign', '--help'], ['copy', 'certify', '--help'], ['verify', '--help']]) {
    it(`ok/"kyso ${args.join(' ')}" loads commander and the command table only`, () => {
      const r = kyso(args, { listModules: true });
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/Usage: kyso/);
      expect(r.modules.length).toBeGreaterThan(5); // the hook saw the launcher's modules
      expect([...packagesOf(r.modules)]).toEqual(['commander']);
      const heavy = r.modules.filter((m) => HEAVY_LAYERS.some((l) => m.includes(l)));
      expect(heavy).toEqual([]);
    });
  }

  it('ok/commands that never open a key do not read the master key nor warn about it; key users still do', () => {
    const data = join(work, 'data');
    expect(kyso(['init', '--data', data]).code).toBe(0);
    const list = kyso(['token', 'list', '--data', data]);
    expect(list.code, list.err).toBe(0);
    expect(list.err).not.toMatch(/master key/);
    const certs = kyso(['cert', 'list', '--data', data]);
    expect(certs.code, certs.err).toBe(0);
    expect(certs.err).not.toMatch(/master key/);
    // Issuing signs with the CA key: the file-held master key is read and announced.
    const issued = kyso([
      'cert',
      'issue',
      '--data',
      data,
      '--profile',
      'individual',
      '--cn',
      'Trần Thị Bình',
      '--p12',
      join(work, 'b.p12'),
      '--password',
      'pw-123456',
    ]);
    expect(issued.code, issued.err).toBe(0);
    expect(issued.err).toMatch(/file-held master key/);
  });

  it('bad/an uninitialised data directory is still refused at once, before anything is created', () => {
    const empty = join(work, 'never-initialised');
    const r = kyso(['token', 'list', '--data', empty]);
    expect(r.code).toBe(78);
    expect(r.err).toMatch(/kyso: CONFIG_INVALID: .*run init/);
    expect(existsSync(empty) ? readdirSync(empty) : []).toEqual([]);
  });
});
