import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FileCopyDocumentStore } from '../../../src/store/index.js';
import type { CopyDocumentStore } from '../../../src/copies/ports.js';
import { storePerDialect } from './support/store-per-dialect.js';
import { DIALECTS } from './support/test-db.js';

/** The copy store contract, for the database table (SQLite and PostgreSQL) and for the folder of files. */
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const pdfA = Buffer.from('%PDF-1.7\n% bản sao A\n%%EOF\n');
const pdfB = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(300_000, 0xff), Buffer.from('\n%%EOF\n')]);

function contract(store: () => CopyDocumentStore) {
  it('ok/put then get returns the same bytes, binary-safe; an unknown hash is undefined', async () => {
    await store().put(sha(pdfA), pdfA);
    await store().put(sha(pdfB), pdfB);
    expect((await store().get(sha(pdfA)))?.equals(pdfA)).toBe(true);
    expect((await store().get(sha(pdfB)))?.equals(pdfB)).toBe(true);
    expect(await store().get('0'.repeat(64))).toBeUndefined();
  });
  it('ok/a second put of the same hash changes nothing (written once)', async () => {
    await store().put(sha(pdfA), pdfA);
    await Promise.all([store().put(sha(pdfA), pdfA), store().put(sha(pdfA), pdfA)]);
    expect((await store().get(sha(pdfA)))?.equals(pdfA)).toBe(true);
  });
}

describe.each(DIALECTS)('copy_documents table on %s', (dialect) => {
  const ctx = storePerDialect(dialect);
  contract(() => ctx.store.copyDocuments);
  it('ok/the bytes are in the table under their hash', async () => {
    await ctx.store.copyDocuments.put(sha(pdfB), pdfB);
    const rows = await ctx.db.raw('SELECT sha256 FROM copy_documents WHERE sha256 = ?'.replace('?', dialect === 'postgres' ? '$1' : '?'), [
      sha(pdfB),
    ]);
    expect(rows).toHaveLength(1);
  });
});

describe('folder of copy files', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'kyso-copy-files-')), 'copies');
  const files = new FileCopyDocumentStore(dir);
  contract(() => files);
  it('ok/files are named by their hash, mode 0600 in 0700 folders, no temporary file left', async () => {
    await files.put(sha(pdfA), pdfA);
    const h = sha(pdfA);
    const file = join(dir, h.slice(0, 2), `${h}.pdf`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, h.slice(0, 2))).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, h.slice(0, 2))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
  it('ok/a writer killed between writing and renaming leaves its temporary file; the sweep at start removes it, and only temporary files of dead writers of this host', () => {
    const store = join(mkdtempSync(join(tmpdir(), 'kyso-copy-sweep-')), 'copies');
    const h = sha(pdfA);
    const folder = join(store, h.slice(0, 2));
    // The built store in another process, killed (SIGKILL) at the rename, as a crash would.
    const built = pathToFileURL(join(import.meta.dirname, '..', '..', '..', 'dist', 'store', 'adapters', 'copy-files.js')).href;
    const child = spawnSync(
      process.execPath,
      [
        '-e',
        `const fs = require('node:fs'); fs.renameSync = () => process.kill(process.pid, 'SIGKILL');
         require('node:module').syncBuiltinESMExports();
         import(${JSON.stringify(built)}).then(({ FileCopyDocumentStore }) =>
           new FileCopyDocumentStore(${JSON.stringify(store)}).put(${JSON.stringify(h)}, Buffer.from('%PDF-1.7 killed')));`,
      ],
      { encoding: 'utf8' },
    );
    expect(child.signal, child.stderr).toBe('SIGKILL');
    const abandoned = readdirSync(folder).filter((n) => n.startsWith('.'));
    expect(abandoned).toHaveLength(1);
    // A writer still running (this process) and one on another host sharing the folder keep theirs.
    const host = hostname().replace(/[^A-Za-z0-9_-]/g, '_');
    const live = `.${h}.${'a'.repeat(12)}.${process.pid}.${host}.tmp`;
    const elsewhere = `.${h}.${'b'.repeat(12)}.1.another-host.tmp`;
    for (const n of [live, elsewhere]) writeFileSync(join(folder, n), 'partial');
    expect(new FileCopyDocumentStore(store).sweepAbandoned()).toBe(1);
    expect(readdirSync(folder).sort()).toEqual([live, elsewhere].sort());
  });
  it('fail/a name that is not 64 hex digits is refused (no path outside the folder)', async () => {
    for (const bad of ['../../etc/passwd', 'ab/../../x', 'A'.repeat(64), ''])
      await expect(files.get(bad)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(files.put('../x', pdfA)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
