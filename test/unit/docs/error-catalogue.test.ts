import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../../src/core/error-codes.js';
import { HTTP_STATUS } from '../../../src/http/problem.js';
import { EXIT_CODES } from '../../../src/cli/exit-codes.js';

/** docs/architecture.md convention 4: every code is in docs/errors.md, the HTTP map and the CLI exit map. */
const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
const rows = new Map<string, { http: number; exit: number; meaning: string }>();
for (const line of doc.split('\n')) {
  const m = /^\| `([A-Z0-9_]+)` \| (.+?) \| (\d{3}) \| (\d+) \|$/.exec(line);
  if (m) rows.set(m[1]!, { meaning: m[2]!, http: Number(m[3]), exit: Number(m[4]) });
}

describe('error catalogue', () => {
  it('docs/errors.md has a row per code and no extra rows', () => {
    expect([...rows.keys()].sort()).toEqual([...ERROR_CODES].sort());
  });
  it.each([...ERROR_CODES])('%s is mapped to an HTTP status and exit code that docs/errors.md states', (code) => {
    const http = HTTP_STATUS[code];
    const exit = EXIT_CODES[code];
    expect(http, `HTTP_STATUS lacks ${code}`).toBeTypeOf('number');
    expect(exit, `EXIT_CODES lacks ${code}`).toBeTypeOf('number');
    expect(http! >= 400 && http! <= 599).toBe(true);
    expect(exit! === 3 || (exit! >= 64 && exit! <= 78)).toBe(true);
    const row = rows.get(code);
    expect(row, `docs/errors.md lacks ${code}`).toBeDefined();
    expect(row!.http).toBe(http);
    expect(row!.exit).toBe(exit);
    expect(row!.meaning.length).toBeGreaterThan(10);
  });
  it('maps carry no codes outside the catalogue', () => {
    const known = new Set<string>(ERROR_CODES);
    expect(Object.keys(HTTP_STATUS).filter((c) => !known.has(c))).toEqual([]);
    expect(Object.keys(EXIT_CODES).filter((c) => !known.has(c))).toEqual([]);
  });
});
