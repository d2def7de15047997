import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/**
 * Runs a TypeScript worker in a separate Node process (a real second process, as a second service
 * instance would be). better-sqlite3 waits for a lock synchronously, so two connections in ONE
 * process deadlock on the SQLite write lock; cross-process tests need their own process.
 * The sources are transpiled (no type check) into a temp directory with a `node_modules`
 * symlink to the repository's, so package imports resolve from there.
 */
let built: string | undefined;

function transpileTree(outRoot: string): void {
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) {
        const out = ts.transpileModule(readFileSync(p, 'utf8'), {
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
          fileName: p,
        });
        const dest = join(outRoot, relative(REPO, p)).replace(/\.ts$/, '.js');
        mkdirSync(dirname(dest), { recursive: true });
        writeFileSync(dest, out.outputText);
      }
    }
  };
  walk(join(REPO, 'src'));
  walk(join(REPO, 'test', 'contract', 'store', 'support'));
  writeFileSync(join(outRoot, 'package.json'), '{"type":"module"}\n');
}

export function buildWorkers(): string {
  if (!built) {
    built = mkdtempSync(join(tmpdir(), 'kyso-store-workers-'));
    symlinkSync(join(REPO, 'node_modules'), join(built, 'node_modules'), 'dir');
    transpileTree(built);
  }
  return built;
}

/** Removes the transpiled tree (call from afterAll; the node_modules symlink is unlinked, not followed). */
export function cleanupWorkers(): void {
  if (built) rmSync(built, { recursive: true, force: true });
  built = undefined;
}

/** Runs `test/contract/store/support/<name>.ts` (transpiled) with JSON args; resolves its stdout JSON. */
export function runWorker<T>(name: string, args: unknown): Promise<T> {
  const root = buildWorkers();
  const script = join(root, 'test', 'contract', 'store', 'support', `${name}.js`);
  return new Promise((ok, ko) => {
    execFile(process.execPath, [script, JSON.stringify(args)], { cwd: REPO, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) return ko(new Error(`worker ${name} failed: ${stderr || err.message}`));
      try {
        ok(JSON.parse(stdout) as T);
      } catch {
        ko(new Error(`worker ${name} printed no JSON: ${stdout.slice(0, 500)}`));
      }
    });
  });
}
