import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultWebDir } from '../../../src/http/web-static.js';

/** The workstation's request groups (web/static/js/ws-groups.js, a browser module without DOM use). */
interface Sized {
  readonly file: { readonly size: number };
  readonly n: number;
}
interface WsGroups {
  readonly CHUNK_BYTES: number;
  credentialGroups<T extends Sized>(list: T[]): T[][];
  tokenGroups<T extends Sized>(list: T[]): T[][];
}
const groups = (await import(pathToFileURL(join(defaultWebDir(), 'static', 'js', 'ws-groups.js')).href)) as WsGroups;

const files = (count: number, size = 1300): Sized[] => Array.from({ length: count }, (_, n) => ({ n, file: { size } }));
const sizes = (g: Sized[][]) => g.map((x) => x.length);
const inOrder = (g: Sized[][]) => g.flat().map((x) => x.n);

describe('the workstation’s request groups', () => {
  it('a server-held credential’s batch goes 25 files per request', () => {
    expect(sizes(groups.credentialGroups(files(50)))).toEqual([25, 25]);
    expect(sizes(groups.credentialGroups(files(30)))).toEqual([25, 5]);
    expect(sizes(groups.credentialGroups(files(3)))).toEqual([3]);
    expect(inOrder(groups.credentialGroups(files(60)))).toEqual([...Array(60).keys()]);
  });

  it('the token’s pipeline: 5, 15, then 20, and a last group of ten or more ends with five alone', () => {
    expect(sizes(groups.tokenGroups(files(50)))).toEqual([5, 15, 20, 5, 5]);
    expect(sizes(groups.tokenGroups(files(30)))).toEqual([5, 15, 5, 5]);
    expect(sizes(groups.tokenGroups(files(100)))).toEqual([5, 15, 20, 20, 20, 15, 5]);
    // a last group under ten stays whole: no smaller group in the middle
    expect(sizes(groups.tokenGroups(files(7)))).toEqual([5, 2]);
    expect(sizes(groups.tokenGroups(files(12)))).toEqual([5, 7]);
    expect(sizes(groups.tokenGroups(files(5)))).toEqual([5]);
    expect(groups.tokenGroups([])).toEqual([]);
    expect(inOrder(groups.tokenGroups(files(50)))).toEqual([...Array(50).keys()]);
  });

  it('no request carries more than CHUNK_BYTES of files; a larger file goes alone', () => {
    const big = groups.CHUNK_BYTES / 4 + 1;
    expect(sizes(groups.credentialGroups(files(10, big)))).toEqual([3, 3, 3, 1]);
    const mixed = [...files(2), { n: 2, file: { size: groups.CHUNK_BYTES * 2 } }, ...files(2).map((f) => ({ ...f, n: f.n + 3 }))];
    expect(sizes(groups.credentialGroups(mixed))).toEqual([2, 1, 2]);
    expect(sizes(groups.tokenGroups(files(12, big)))).toEqual([3, 3, 3, 3]);
  });
});
