/** Child process for cross-process tests: allocates `count` register numbers concurrently. */
import { randomBytes } from 'node:crypto';
import { openStore } from '../../../../src/store/store.js';
import type { StoreConfig } from '../../../../src/store/config.js';
import { newEntry } from './register-fixtures.js';

const args = JSON.parse(process.argv[2] ?? '{}') as { config: StoreConfig; count: number; authorityId: string; year: number };
const store = await openStore(args.config);
const numbers: number[] = [];
try {
  await Promise.all(
    Array.from({ length: args.count }, async () => {
      const e = await store.registers.allocate(newEntry(args.authorityId, `W${randomBytes(6).toString('hex')}`), args.year, 'worker');
      numbers.push(e.number);
    }),
  );
} finally {
  await store.close();
}
process.stdout.write(JSON.stringify({ numbers }));
