import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { buildAppearance } from '../../../src/signing/build-appearance.js';

const seal = readFileSync('examples/seal.png');
const base = {
  kind: 'organization' as const,
  // A 36 mm seal (102 pt) needs a box at least that big; the text goes beside it.
  width: 330,
  height: 110,
  image: seal,
  organization: 'Ủy ban nhân dân huyện Vân Đồn',
  signingTime: new Date('2026-11-26T03:00:00Z'),
};

/** A font object in the bundle means text is drawn. */
const hasFont = (a: { objects: readonly { dict: { entries: Readonly<Record<string, unknown>> } }[] }): boolean =>
  a.objects.some((o) => JSON.stringify(o.dict.entries.Type ?? '').includes('Font'));

describe('organization appearance', () => {
  it('ok/by default draws the seal with the organization name and time (text needs a font)', async () => {
    expect(hasFont(await buildAppearance(base))).toBe(true);
  });
  it('ok/sealOnly draws the seal image alone, to lie over the official’s signature (Decree 30/2020 Appendix I)', async () => {
    const a = await buildAppearance({ ...base, sealOnly: true });
    expect(hasFont(a)).toBe(false);
    expect(a.objects.some((o) => JSON.stringify(o.dict.entries.Subtype ?? '').includes('Image'))).toBe(true);
  });
});
