/** Child process for cross-process tests: opens the store and appends `count` audit events. */
import { openStore } from '../../../../src/store/store.js';
import type { StoreConfig } from '../../../../src/store/config.js';

const args = JSON.parse(process.argv[2] ?? '{}') as { config: StoreConfig; count: number; tag: string };
const store = await openStore(args.config);
const seqs: number[] = [];
try {
  const jobs = [];
  for (let i = 0; i < args.count; i++) {
    jobs.push(
      store.audit
        .append({ actor: args.tag, role: 'admin', action: 'worker.append', outcome: 'success', details: { i } })
        .then((r) => seqs.push(r.seq)),
    );
  }
  await Promise.all(jobs);
} finally {
  await store.close();
}
process.stdout.write(JSON.stringify({ seqs }));
