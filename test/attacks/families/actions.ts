/**
 * Actions added after signing (ISO 32000-1 §12.6): a document /OpenAction running JavaScript,
 * page /AA, a /Names /JavaScript tree, and Launch / SubmitForm / ImportData link annotations.
 * None is a permitted change under any DocMDP level (§12.8.2.2): they are "other".
 */
import { appendRevision, readPdf } from '../incremental-writer.js';
import { firstPage } from '../samples.js';
import type { AttackFamily } from './family.js';

function catalogText(signed: Buffer): { num: number; body: string } {
  const raw = readPdf(signed);
  const root = raw.trailerValue('Root') as { num: number };
  const d = raw.object(root.num) as unknown as { start: number; end: number };
  const src = signed.toString('latin1', d.start, d.end);
  return { num: root.num, body: src.slice(src.indexOf('<<'), src.lastIndexOf('>>')) };
}

function pageBody(signed: Buffer): string {
  const raw = readPdf(signed);
  const d = raw.object(firstPage(signed).num) as unknown as { start: number; end: number };
  const src = signed.toString('latin1', d.start, d.end);
  return src.slice(src.indexOf('<<'), src.lastIndexOf('>>'));
}

const js = '<< /S /JavaScript /JS (app.alert\\(1\\)) >>';

const catalogAction = (name: string, entry: string): AttackFamily => ({
  name,
  expectedKey: 'MODIFICATION_ACTION_ADDED',
  shows: 'action',
  build(signed) {
    const c = catalogText(signed);
    return appendRevision(signed, { objects: { [c.num]: `${c.body} ${entry} >>`, 9300: js } });
  },
});

const linkAction = (s: string, extra: string): AttackFamily => ({
  name: `${s} link annotation`,
  expectedKey: 'MODIFICATION_ACTION_ADDED',
  shows: 'action',
  build(signed) {
    const page = firstPage(signed);
    const body = pageBody(signed).replace(/\/Annots\s*\[[^\]]*\]/, '');
    const old = page.dict.get('Annots');
    const kept = Array.isArray(old) ? old.map((r) => `${(r as { num: number }).num} 0 R`).join(' ') : '';
    return appendRevision(signed, {
      objects: {
        [page.num]: `${body} /Annots [${kept} 9310 0 R] >>`,
        9310: `<< /Type /Annot /Subtype /Link /Rect [0 0 595 842] /Border [0 0 0] /A << /S /${s} ${extra} >> >>`,
      },
    });
  },
});

export const actionFamilies: AttackFamily[] = [
  catalogAction('/OpenAction JavaScript', '/OpenAction 9300 0 R'),
  catalogAction('/Names /JavaScript', '/Names << /JavaScript << /Names [(x) 9300 0 R] >> >>'),
  {
    name: 'page /AA',
    expectedKey: 'MODIFICATION_ACTION_ADDED',
    shows: 'action',
    build(signed) {
      const page = firstPage(signed);
      return appendRevision(signed, { objects: { [page.num]: `${pageBody(signed)} /AA << /O 9300 0 R >> >>`, 9300: js } });
    },
  },
  linkAction('Launch', '/F (cmd.exe)'),
  linkAction('SubmitForm', '/F << /FS /URL /F (http://example.invalid/) >>'),
  linkAction('ImportData', '/F (data.fdf)'),
];
