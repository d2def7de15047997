/** Child process: opens (and so migrates) the store, writes one audit event, closes. */
import { openStore } from '../../../../src/store/store.js';
import type { StoreConfig } from '../../../../src/store/config.js';

const args = JSON.parse(process.argv[2] ?? '{}') as { config: StoreConfig; tag: string };
const store = await openStore(args.config);
try {
  const r = await store.audit.append({ actor: args.tag, role: 'system', action: 'store.open', outcome: 'success' });
  process.stdout.write(JSON.stringify({ seq: r.seq }));
} finally {
  await store.close();
}
