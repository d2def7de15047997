import { describe, expect, it } from 'vitest';
import { promptText } from '../../../src/agent/agent-server.js';

// The workstation page's own module (a browser module: it reads the page's address when loaded).
Object.assign(globalThis, { location: new URL('http://127.0.0.1:8080/workstation') });
const pageModule: string = '../../../web/static/js/ws-agent.js';
const { promptName } = (await import(pageModule)) as { promptName: (name: string) => string };

describe("a file's name as the workstation sends it to kyso agent", () => {
  const names = [
    'quyet-dinh-so-12.pdf',
    'Quyết định bổ nhiệm.pdf',
    'quyet-dinh-\u202efdp.exe',
    'to-trinh\u200b.pdf',
    'a\u001b[2Jb.pdf',
    'line\u2028break.pdf',
    '\u2067isolate\u2069.pdf',
    '',
    'đ'.repeat(400),
    '😀'.repeat(200),
  ];

  it('is always accepted by the agent, so one odd file name does not fail a whole batch', () => {
    for (const name of names) expect(() => promptText(promptName(name), 'documentName', 300), JSON.stringify(name)).not.toThrow();
  });

  it('keeps ordinary Vietnamese names as they are and marks what it replaced', () => {
    expect(promptName('Quyết định bổ nhiệm.pdf')).toBe('Quyết định bổ nhiệm.pdf');
    expect(promptName('quyet-dinh-\u202efdp.exe')).toBe('quyet-dinh-\ufffdfdp.exe');
  });

  it('is what the agent refuses when sent unchanged', () => {
    for (const name of ['quyet-dinh-\u202efdp.exe', 'to-trinh\u200b.pdf', 'a\u001b[2Jb.pdf', 'line\u2028break.pdf'])
      expect(() => promptText(name, 'documentName', 300), JSON.stringify(name)).toThrow(/control characters/);
  });
});
