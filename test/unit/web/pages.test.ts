import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type Coverage,
  type Indication,
  type ModificationLevel,
  type PadesLevel,
  type SignatureKind,
} from '../../../src/pdf/verify/report.js';
import type { PublicCopyFacts } from '../../../src/copies/public-facts.js';
import { ERROR_CODES } from '../../../src/core/error-codes.js';

/**
 * Static checks of web/: the pages must work under the strict CSP of src/http/web-static.ts
 * (no inline script, style or handler; only same-origin files), render server data as text,
 * and have every text in both languages.
 */
const WEB = fileURLToPath(new URL('../../../web', import.meta.url));
const PAGES = ['index.html', 'copy.html', 'workstation.html', 'audit.html'];
const JS_DIR = join(WEB, 'static', 'js');
const JS_FILES = readdirSync(JS_DIR).filter((f) => f.endsWith('.js'));
const read = (p: string) => readFileSync(p, 'utf8');
type Table = Record<string, [string, string]>;
// Plain ES modules shipped to the browser; these two touch no DOM, so Node can import them.
const strings = ((await import(pathToFileURL(join(JS_DIR, 'strings.js')).href)) as { STRINGS: Table }).STRINGS;

function attrValues(html: string, attr: string): string[] {
  return [...html.matchAll(new RegExp(`\\s${attr}\\s*=\\s*"([^"]*)"`, 'gi'))].map((m) => m[1]!);
}

describe.each(PAGES)('web/%s', (page) => {
  const html = read(join(WEB, page));

  it('has no inline script: every <script> is an external same-origin module', () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(body!.trim()).toBe('');
      expect(attrs).toMatch(/\btype="module"/);
      expect(attrs).toMatch(/\bsrc="\/static\/js\/[a-z-]+\.js"/);
    }
    expect(html).not.toMatch(/\son[a-z]+\s*=/i); // no onclick= etc.
    expect(html).not.toMatch(/javascript:/i);
  });

  it("has no inline style (style-src 'self')", () => {
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle\s*=/i);
  });

  it('loads only same-origin resources that exist', () => {
    const refs = [...attrValues(html, 'src'), ...attrValues(html, 'href'), ...attrValues(html, 'action')];
    expect(refs.length).toBeGreaterThan(3);
    for (const ref of refs) {
      if (ref.startsWith('#')) continue;
      expect(ref, ref).toMatch(/^\/(?!\/)/); // path-absolute, not protocol-relative, no scheme
      if (ref.startsWith('/static/')) expect(existsSync(join(WEB, ref)), ref).toBe(true);
      else expect(['/', '/verify/copy', '/workstation', '/audit'], ref).toContain(ref);
    }
    expect(html).not.toMatch(/https?:\/\//i);
  });

  it('is Vietnamese first: lang="vi", and every data-i18n text equals its Vietnamese string', () => {
    expect(html).toMatch(/<html lang="vi">/);
    const tagged = [...html.matchAll(/<(\w+)\b[^>]*?\sdata-i18n="([^"]+)"[^>]*>([^<]*)<\/\1>/g)];
    expect(tagged.length).toBeGreaterThan(5);
    for (const [, , key, text] of tagged) {
      expect(strings[key!], key).toBeDefined();
      expect(text!.replace(/\s+/g, ' ').trim(), key).toBe(strings[key!]![0]);
    }
    for (const key of [...attrValues(html, 'data-i18n-placeholder'), ...attrValues(html, 'data-i18n-aria-label')])
      expect(strings[key], key).toBeDefined();
  });

  it('labels every form control', () => {
    const ids = [...html.matchAll(/<(?:input|select|textarea)\b([^>]*)>/gi)]
      .map((m) => m[1]!)
      .filter((a) => !/type="(?:radio|hidden)"/.test(a))
      .map((a) => /\sid="([^"]+)"/.exec(a)?.[1]);
    for (const id of ids) {
      expect(id, 'control without id').toBeDefined();
      // Either <label for=id> or a wrapping <label> (drop zones).
      const labelled = html.includes(`for="${id}"`) || new RegExp(`<label\\b[^>]*>(?:(?!</label>)[\\s\\S])*id="${id}"`).test(html);
      expect(labelled, id).toBe(true);
    }
  });
});

describe('web/static/js', () => {
  it('never writes HTML from strings and never evaluates code', () => {
    for (const f of JS_FILES) {
      const src = read(join(JS_DIR, f));
      expect(src, f).not.toMatch(/\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(/);
      expect(src, f).not.toMatch(/setAttribute\(\s*['"]style['"]/);
      // No absolute URL to anywhere, except the official's own signing agent on the loopback interface.
      expect(src.replace(/'http:\/\/127\.0\.0\.1:'/g, ''), f).not.toMatch(/https?:\/\//i);
    }
  });

  it('imports only sibling modules that exist', () => {
    for (const f of JS_FILES) {
      const src = read(join(JS_DIR, f));
      for (const m of src.matchAll(/\bfrom\s+'([^']+)'/g)) {
        expect(m[1], `${f} imports ${m[1]}`).toMatch(/^\.\/[a-z0-9-]+\.js$/);
        expect(existsSync(resolve(dirname(join(JS_DIR, f)), m[1]!)), m[1]).toBe(true);
      }
    }
  });

  it('has every t() key used by the scripts in both languages', () => {
    for (const f of JS_FILES) {
      const src = read(join(JS_DIR, f));
      const used = [
        ...src.matchAll(/\bt\('([^']+)'/g),
        ...src.matchAll(/'((?:site|nav|lang|footer|error|verdict|verify|kind|level|coverage|mod|docmdp|copy|ws|audit)\.[A-Za-z0-9.-]+)'/g),
      ];
      if (f !== 'strings.js') for (const m of used) expect(strings[m[1]!], `${f}: ${m[1]}`).toBeDefined();
    }
    for (const [key, [vi, en]] of Object.entries(strings)) {
      expect(vi.trim().length, key).toBeGreaterThan(0);
      expect(en.trim().length, key).toBeGreaterThan(0);
    }
  });

  it('has a sentence in both languages for every stable error code of the API, and for no other code', async () => {
    const { PROBLEM_STRINGS, PROBLEM_FALLBACK } = (await import(pathToFileURL(join(JS_DIR, 'problem-strings.js')).href)) as {
      PROBLEM_STRINGS: Table;
      PROBLEM_FALLBACK: [string, string];
    };
    expect(Object.keys(PROBLEM_STRINGS)).toEqual([...ERROR_CODES]);
    for (const [code, pair] of [...Object.entries(PROBLEM_STRINGS), ['fallback', PROBLEM_FALLBACK] as const]) {
      const [vi, en] = pair;
      expect(vi.trim().length, code).toBeGreaterThan(0);
      expect(en.trim().length, code).toBeGreaterThan(0);
      // Vietnamese text, not the English one copied: it has the letters only Vietnamese has.
      expect(vi, code).toMatch(/[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/i);
      expect(vi, code).not.toBe(en);
    }
    expect(PROBLEM_FALLBACK[0]).toContain('{code}');
  });

  it('has the three verdict texts of the brief', () => {
    expect(strings['verdict.TOTAL_PASSED']![0]).toBe('Chữ ký hợp lệ');
    expect(strings['verdict.TOTAL_FAILED']![0]).toBe('Không hợp lệ');
    expect(strings['verdict.INDETERMINATE']![0]).toBe('Chưa xác định được');
  });

  it('covers every value of the report enums the page renders through templated keys', () => {
    // Record<Union, true> makes the compiler reject a missing or extra member.
    const indications: Record<Indication, true> = { TOTAL_PASSED: true, TOTAL_FAILED: true, INDETERMINATE: true };
    const kinds: Record<SignatureKind, true> = { approval: true, certification: true, documentTimestamp: true };
    const levels: Record<PadesLevel, true> = { 'B-B': true, 'B-T': true, 'B-LT': true, 'B-LTA': true, PKCS7: true, NOT_ETSI: true };
    const coverage: Record<Coverage, true> = { ENTIRE_FILE: true, ENTIRE_REVISION: true, INVALID: true };
    const mods: Record<ModificationLevel, true> = { NONE: true, LTA_UPDATES: true, FORM_FILLING: true, ANNOTATIONS: true, OTHER: true };
    const status: Record<PublicCopyFacts['status'], true> = { valid: true, annulled: true, pending: true };
    const need = [
      ...Object.keys(indications).flatMap((k) => [`verdict.${k}`, `verdict.${k}.explain`]),
      ...Object.keys(kinds).map((k) => `kind.${k}`),
      ...Object.keys(levels).map((k) => `level.${k}`),
      ...Object.keys(coverage).map((k) => `coverage.${k}`),
      ...Object.keys(mods).map((k) => `mod.${k}`),
      ...Object.keys(status).map((k) => `copy.status.${k}`),
      'docmdp.1',
      'docmdp.2',
      'docmdp.3',
    ];
    for (const k of need) expect(strings[k], k).toBeDefined();
  });
  // The validator's message texts are the server's (src/pdf/verify/message-texts.ts): test/integration/verify/present.test.ts.
});

describe('web/static/kyso.css', () => {
  it('loads nothing from elsewhere', () => {
    const css = read(join(WEB, 'static', 'kyso.css'));
    expect(css).not.toMatch(/@import|url\(/i);
  });
});
