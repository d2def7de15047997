import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { openStore, type Store } from '../../../src/store/index.js';

// The store's SQLite checkpoints on a worker thread (src/store/wal-checkpointer.ts), seen from the
// database file alone: what a checkpoint has copied back is in the main file; what is only in the
// write-ahead log is not. A copy of the main file without its log shows which.

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function place(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kyso-wal-'));
  dirs.push(dir);
  return { dir, file: join(dir, 'kyso.sqlite') };
}

/** Audit events in the main database file, its write-ahead log left aside (0 if not even the table is there). */
function eventsInMainFile(dir: string, file: string): number {
  const copy = join(dir, `copy-${Math.random().toString(36).slice(2)}.sqlite`);
  copyFileSync(file, copy);
  const db = new BetterSqlite3(copy, { readonly: true });
  try {
    // a fresh store's very schema may still be only in the log
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'audit_events'").get()) return 0;
    return (db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function appendEvents(store: Store, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await store.transaction(async (repos) => {
      await repos.audit.append({ actor: 'test', role: 'admin', action: 'test.wal', target: `t-${i}`, outcome: 'success', details: { i } });
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SQLite checkpoints on a worker thread', () => {
  it('ok/committed pages reach the database file without a commit reaching the automatic checkpoint', async () => {
    const { dir, file } = place();
    const store = await openStore({ dialect: 'sqlite', filename: file }, { walCheckpointIntervalMs: 20 });
    stores.push(store);
    await appendEvents(store, 30);
    // 30 small commits are far below the 1,000 log pages at which a commit checkpoints itself
    let seen = 0;
    for (let waited = 0; waited < 5_000 && seen < 30; waited += 25) {
      await sleep(25);
      try {
        seen = eventsInMainFile(dir, file);
      } catch {
        // a copy taken while the checkpoint wrote the file: the next one is whole
      }
    }
    expect(seen).toBe(30);
    // the service's connection goes on committing while the thread runs
    await appendEvents(store, 5);
    expect((await store.audit.verifyChain()).ok).toBe(true);
  });

  it('edge/without the thread the same commits stay in the log until a checkpoint', async () => {
    const { dir, file } = place();
    const store = await openStore({ dialect: 'sqlite', filename: file });
    stores.push(store);
    await appendEvents(store, 30);
    await sleep(200);
    expect(eventsInMainFile(dir, file)).toBe(0);
  });

  it('ok/closing the store stops the thread and leaves no log behind, as without it', async () => {
    const { file } = place();
    const store = await openStore({ dialect: 'sqlite', filename: file }, { walCheckpointIntervalMs: 20 });
    await appendEvents(store, 10);
    expect(existsSync(`${file}-wal`)).toBe(true);
    await store.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    // the events are all in the file, reopened
    const again = await openStore({ dialect: 'sqlite', filename: file });
    stores.push(again);
    expect((await again.audit.list({ limit: 100 })).length).toBe(10);
  });

  it('ok/a process with nothing else to do waits for the close: its last commits are in the file', () => {
    const built = fileURLToPath(new URL('../../../dist/store/index.js', import.meta.url));
    expect(existsSync(built), 'run `npm run build` first').toBe(true);
    const { file } = place();
    const script = `
      const { openStore } = await import(${JSON.stringify(built)});
      const store = await openStore({ dialect: 'sqlite', filename: ${JSON.stringify(file)} }, { walCheckpointIntervalMs: 1000 });
      for (let i = 0; i < 5; i++)
        await store.audit.append({ actor: 'test', role: 'admin', action: 'test.wal', outcome: 'success' });
      await store.close();
      console.log('closed');`;
    // exit code 13 (a top-level await left unsettled) if the process ended before the thread closed
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(out.trim()).toBe('closed');
    expect(existsSync(`${file}-wal`)).toBe(false);
    const db = new BetterSqlite3(file, { readonly: true });
    try {
      expect((db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n).toBe(5);
    } finally {
      db.close();
    }
  });

  it('bad/an interval that is not a positive integer is refused', async () => {
    const { file } = place();
    await expect(openStore({ dialect: 'sqlite', filename: file }, { walCheckpointIntervalMs: 0 })).rejects.toThrow();
  });
});
