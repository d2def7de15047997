import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../../src/core/errors.js';
import { ARCHIVE_MAGIC, openArchive, writeArchive } from '../../../src/store/backup/archive.js';

const dir = mkdtempSync(join(tmpdir(), 'kyso-archive-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const header = { kysoVersion: '0.1.0', databaseKind: 'sqlite' as const, createdAt: '2026-12-06T00:00:00.000Z' };

function sample(name = 'a.backup'): { path: string; bytes: Buffer } {
  writeFileSync(join(dir, 'db'), Buffer.alloc(5000, 7));
  writeFileSync(join(dir, 'keys'), '[]');
  writeFileSync(join(dir, 'copy'), '%PDF-1.7 copy');
  const path = join(dir, name);
  writeArchive(path, header, [
    { name: 'database.sqlite', path: join(dir, 'db') },
    { name: 'sealed-keys.json', path: join(dir, 'keys') },
    { name: 'copies/ab/ab12.pdf', path: join(dir, 'copy') },
  ]);
  return { path, bytes: readFileSync(path) };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return isAppError(e) ? e.code : `not an AppError: ${String(e)}`;
  }
  return 'no error';
}

/** Rewrites the manifest (and the trailing digest, as a careless editor would not) to test the manifest checks alone. */
function withManifest(bytes: Buffer, edit: (m: Record<string, unknown>) => void): Buffer {
  const len = bytes.readUInt32BE(ARCHIVE_MAGIC.length);
  const start = ARCHIVE_MAGIC.length + 4;
  const m = JSON.parse(bytes.subarray(start, start + len).toString('utf8')) as Record<string, unknown>;
  edit(m);
  const json = Buffer.from(JSON.stringify(m));
  const l = Buffer.alloc(4);
  l.writeUInt32BE(json.length);
  return Buffer.concat([ARCHIVE_MAGIC, l, json, bytes.subarray(start + len)]);
}

describe('backup archive (manifest with per-part SHA-256, trailing digest)', () => {
  it('ok/round trip: every part comes back byte for byte; the manifest says format, version, kind, time', () => {
    const { path } = sample();
    const a = openArchive(path);
    expect(a.manifest).toMatchObject({ format: 1, ...header });
    expect(a.manifest.parts.map((p) => p.name)).toEqual(['database.sqlite', 'sealed-keys.json', 'copies/ab/ab12.pdf']);
    expect(a.read('database.sqlite')).toEqual(Buffer.alloc(5000, 7));
    a.extract('copies/ab/ab12.pdf', join(dir, 'out', 'c.pdf'));
    expect(readFileSync(join(dir, 'out', 'c.pdf'), 'utf8')).toBe('%PDF-1.7 copy');
  });

  it('fail/one flipped byte anywhere (manifest, part, digest) → BACKUP_INVALID', () => {
    const { bytes } = sample('b.backup');
    for (const at of [20, 200, bytes.length - 3000, bytes.length - 5]) {
      const t = Buffer.from(bytes);
      t[at]! ^= 0x20;
      writeFileSync(join(dir, 't.backup'), t);
      expect(
        codeOf(() => openArchive(join(dir, 't.backup'))),
        `byte ${at}`,
      ).toBe('BACKUP_INVALID');
    }
  });

  it('fail/truncated, extended, not an archive, unknown format → BACKUP_INVALID', () => {
    const { bytes } = sample('c.backup');
    const cases: Record<string, Buffer> = {
      truncated: bytes.subarray(0, bytes.length - 1),
      'half of it': bytes.subarray(0, bytes.length >> 1),
      'bytes after the end': Buffer.concat([bytes, Buffer.from('x')]),
      'not an archive': Buffer.from('%PDF-1.7\n'.repeat(20)),
      'format 2': withManifest(bytes, (m) => (m.format = 2)),
      'part escaping its folder': withManifest(bytes, (m) => ((m.parts as { name: string }[])[2]!.name = 'copies/../../etc/passwd')),
      'part size changed': withManifest(bytes, (m) => ((m.parts as { size: number }[])[0]!.size = 4999)),
    };
    for (const [name, b] of Object.entries(cases)) {
      writeFileSync(join(dir, 'x.backup'), b);
      expect(
        codeOf(() => openArchive(join(dir, 'x.backup'))),
        name,
      ).toBe('BACKUP_INVALID');
    }
    expect(codeOf(() => openArchive(join(dir, 'missing.backup')))).toBe('NOT_FOUND');
  });
});
