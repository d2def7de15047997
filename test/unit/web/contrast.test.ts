import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * WCAG 2.1 success criterion 1.4.3 (contrast, minimum): 4.5:1 for body text. The colour pairs
 * the stylesheet actually uses for text on a background, computed from its custom properties.
 */
const css = readFileSync(fileURLToPath(new URL('../../../web/static/kyso.css', import.meta.url)), 'utf8');
const vars = Object.fromEntries([...css.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})\s*;/gi)].map((m) => [m[1]!, m[2]!.toLowerCase()]));

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5]
    .map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}
function ratio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe('kyso.css colour contrast (WCAG 2.1 AA)', () => {
  const pairs: Array<[string, string, string]> = [
    ['fg', 'bg', 'body text'],
    ['muted', 'bg', 'hints on the page'],
    ['muted', 'card', 'labels in cards'],
    ['link', 'bg', 'links'],
    ['ok', 'ok-bg', 'valid verdict'],
    ['bad', 'bad-bg', 'invalid verdict and problems'],
    ['warn', 'warn-bg', 'indeterminate verdict'],
    ['brand', 'card', 'secondary buttons'],
  ];
  it.each(pairs)('%s on %s (%s) ≥ 4.5:1', (fg, bg) => {
    expect(vars[fg], fg).toMatch(/^#/);
    expect(vars[bg], bg).toMatch(/^#/);
    expect(ratio(vars[fg]!, vars[bg]!)).toBeGreaterThanOrEqual(4.5);
  });
  it('white text on the brand colour (header, primary buttons) ≥ 4.5:1', () => {
    expect(ratio('#ffffff', vars.brand!)).toBeGreaterThanOrEqual(4.5);
    expect(ratio('#ffffff', vars['brand-dark']!)).toBeGreaterThanOrEqual(4.5);
  });
});
