#!/usr/bin/env node
// Crash loop: SIGKILL `kyso serve` at random points of issuance, signing and certification and
// check the invariants after every restart (test/integration/ops/crash-loop.ts).
//   npm run crash-loop -- [--runs N] [--pg] [--seed S] [--out result.json]
// --runs: number of kills (default 20); --pg: PostgreSQL (KYSO_TEST_PG_ADMIN, default
// postgres://postgres@127.0.0.1:5432/postgres; a database of its own is created and dropped);
// --seed replays a run (the seed is printed with the result).
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const integer = (name, fallback) => {
  const v = flag(name) ?? fallback;
  if (v !== undefined && !/^\d+$/.test(v)) {
    console.error(`kyso crash-loop: ${name} needs a non-negative integer, got ${v}`);
    process.exit(2);
  }
  return v;
};
const env = { ...process.env, KYSO_CRASH_RUNS: integer('--runs', '20') };
const seed = integer('--seed');
if (seed !== undefined) env.KYSO_CRASH_SEED = seed;
if (args.includes('--pg')) env.KYSO_CRASH_PG = '1';
if (flag('--out')) env.KYSO_CRASH_OUT = resolve(flag('--out'));
const r = spawnSync(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', 'test/integration/ops/crash-loop.test.ts'], {
  cwd: root,
  env,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
