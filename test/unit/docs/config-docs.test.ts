import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPTIONS, renderConfigMarkdown } from '../../../src/config/options.js';

describe('docs/config.md', () => {
  it('is exactly the rendering of src/config/options.ts (regenerate with `kyso config docs > docs/config.md`)', () => {
    expect(readFileSync(new URL('../../../docs/config.md', import.meta.url), 'utf8')).toBe(renderConfigMarkdown());
  });
  it('names every option once with its environment variable and default', () => {
    const md = renderConfigMarkdown();
    for (const o of OPTIONS) {
      expect(md.split(`\`${o.env}\``).length - 1).toBe(1);
      expect(md).toContain(o.doc.replace(/\|/g, '\\|'));
    }
  });
});
