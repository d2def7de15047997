#!/usr/bin/env node
// Fuzzing of the PDF reader, the verifier and the CSR, OCSP-request and TSA-request parsers
// (test/conformance/fuzz*.test.ts). Without flags it is the bounded CI run; for long runs:
//   npm run fuzz -- --runs N [--seed S] [--out results.jsonl]
// --runs is the number of inputs per target; --seed replays a run (printed on failure by fast-check).
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const env = { ...process.env };
for (const [name, key] of [
  ['--runs', 'KYSO_FUZZ_RUNS'],
  ['--seed', 'KYSO_FUZZ_SEED'],
]) {
  const v = flag(name);
  if (v === undefined) continue;
  if (!/^-?\d+$/.test(v)) {
    console.error(`kyso fuzz: ${name} needs an integer, got ${v}`);
    process.exit(2);
  }
  env[key] = v;
}
if (flag('--out')) env.KYSO_FUZZ_OUT = resolve(flag('--out'));
const r = spawnSync(
  process.execPath,
  [join(root, 'node_modules/vitest/vitest.mjs'), 'run', 'test/conformance/fuzz.test.ts', 'test/conformance/fuzz-parsers.test.ts'],
  { cwd: root, env, stdio: 'inherit' },
);
process.exit(r.status ?? 1);
