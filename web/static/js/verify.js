/**
 * Citizen verification page: upload a PDF → POST /api/v1/verify?lang= (JSON report with the
 * server's `presentation`, the same words the CLI and the HTML/PDF reports use) → one of three
 * states in colour and words, one card per signature with what was found and where, links to the
 * signed revisions, the side-by-side view of a signed revision and the current document, the
 * HTML/PDF report, and any certified-copy register match.
 */
import { h, append, clear, byId, facts, dropzone } from './dom.js';
import { t, lang, initI18n, onLangChange, setText } from './i18n.js';
import { apiFetch, showProblem, downloadBlob } from './api.js';
import { showSideBySide } from './side-by-side.js';
import { vietnamTime } from './time.js';
import { renderCopyFacts } from './copy-facts.js';

const VERIFY_URL = '/api/v1/verify';
const VERDICT_CLASS = { TOTAL_PASSED: 'passed', TOTAL_FAILED: 'failed', INDETERMINATE: 'failed' };
/** Three states (docs/verification-report.md): green, amber, red — always with words too. */
const STATE_CLASS = { valid: 'passed', changed: 'changed', invalid: 'failed' };
const LINE_MARK = { error: '✗', warning: '!', change: '△', info: 'ℹ' };

/** @type {{ file: File, body: any } | null} */
let last = null;

/** 'C=VN, O=UBND, CN=Nguyễn Văn A' or one RDN per line → the value of `attr`. */
export function dnAttr(dn, attr) {
  if (typeof dn !== 'string') return null;
  const re = new RegExp(`(?:^|[,\\n+]\\s*)${attr}=((?:\\\\.|[^,\\n+])*)`);
  const m = re.exec(dn);
  return m ? m[1].replace(/\\(.)/g, '$1').trim() : null;
}

function personName(summary) {
  if (!summary) return t('verify.unknownSigner');
  return dnAttr(summary.subject, 'CN') || summary.subject;
}

/** The report may come bare or wrapped ({ reportId, report, … }). */
function unwrap(body) {
  const report = body && typeof body.report === 'object' && body.report ? body.report : body;
  const reportId = body.reportId ?? body.id ?? report.reportId ?? null;
  // POST /api/v1/verify adds registerMatch: { matched, entries } (public facts of certified copies with these bytes).
  const matches = body.registerMatch?.entries ?? [];
  const revisions = Array.isArray(body.signedRevisions) ? body.signedRevisions : [];
  const presentation = body.presentation ?? null;
  return { report, reportId, revisions, presentation, matches: Array.isArray(matches) ? matches : [] };
}

function verdictBox(report, view) {
  const cls = STATE_CLASS[view.state] ?? 'failed';
  const count = Array.isArray(report.signatures) ? report.signatures.length : 0;
  return h(
    'div',
    {
      class: `verdict ${cls}`,
      id: 'verdict',
      'data-state': view.state,
      'data-indication': report.indication,
      'data-lang': view.lang,
      tabindex: '-1',
    },
    h('p', { class: 'verdict-title' }, view.headline),
    view.reason ? h('p', { class: 'verdict-reason' }, `${t('verify.reason')}: ${view.reason}`) : null,
    h('p', { class: 'hint' }, count === 0 ? t('verify.noSignatures') : t('verify.signatureCount', { n: count })),
  );
}

/** The presenter's lines: errors, warnings and changes after signing (with their page). */
function lineList(lines, heading) {
  if (!Array.isArray(lines) || lines.length === 0) return null;
  return h(
    'div',
    {},
    h('h4', {}, heading),
    h(
      'ul',
      { class: 'messages findings' },
      ...lines.map((l) =>
        h('li', { class: `finding ${l.kind}`, 'data-key': l.key, 'data-page': l.page ?? null }, `${LINE_MARK[l.kind] ?? ''} ${l.text}`),
      ),
    ),
  );
}

function signingTime(p) {
  return p.time ? `${p.time} — ${p.timeNote}` : t('verify.none');
}

function timestampsText(sig) {
  const list = Array.isArray(sig.timestamps) ? sig.timestamps : [];
  if (list.length === 0) return null;
  return h(
    'ul',
    { class: 'messages' },
    ...list.map((x) =>
      h(
        'li',
        {},
        `${t(x.type === 'document' ? 'verify.tsDocument' : 'verify.tsSignature')}: ${vietnamTime(x.genTime) || '?'}`,
        x.tsa ? ` — ${dnAttr(x.tsa, 'CN') || x.tsa}` : '',
        ` — ${x.valid ? (x.trusted ? t('verify.tsValid') : t('verify.tsUntrusted')) : t('verify.tsInvalid')}`,
      ),
    ),
  );
}

function trustText(sig) {
  if (sig.trustAnchor) return `${t('verify.trustYes')} (${dnAttr(sig.trustAnchor, 'CN') || sig.trustAnchor})`;
  return t('verify.trustNo');
}

function revocationText(sig) {
  const list = Array.isArray(sig.revocation) ? sig.revocation : [];
  if (list.length === 0) return t('verify.revocationNone');
  const items = list.map((r) => {
    const who = dnAttr(r.certificate, 'CN') || r.certificate;
    let text;
    if (r.status === 'good') text = t('verify.revGood', { source: r.source });
    else if (r.status === 'revoked') text = t('verify.revRevoked', { at: vietnamTime(r.revokedAt) || '?' });
    else text = t('verify.revUnknown');
    return h('li', {}, `${who}: ${text}`, r.thisUpdate ? ` — ${t('verify.revUpdated')} ${vietnamTime(r.thisUpdate)}` : '');
  });
  return h('ul', { class: 'messages' }, ...items);
}

function modificationsText(sig) {
  const m = sig.modifications ?? {};
  return t(`mod.${m.level ?? 'NONE'}`);
}

function integrityText(sig) {
  const i = sig.integrity ?? {};
  const yn = (b) => (b ? t('verify.yes') : t('verify.no'));
  return h(
    'ul',
    { class: 'messages' },
    h('li', {}, `${t('verify.digestMatch')}: ${yn(i.digestMatch)}`),
    h('li', {}, `${t('verify.cryptoValid')}: ${yn(i.cryptoValid)}`),
    i.signatureAlgorithm ? h('li', {}, `${t('verify.algorithm')}: ${i.signatureAlgorithm}`) : null,
  );
}

/** Same-origin path of the signed revision: the server's link when it gives one, else built. */
function revisionHref(revisions, reportId, i, n) {
  const given = revisions[i];
  if (typeof given === 'string' && /^\/api\/v1\/verify\//.test(given)) return given;
  return reportId ? `${VERIFY_URL}/${encodeURIComponent(reportId)}/signed-revision/${n}` : null;
}

function signatureCard(sig, p, i, reportId, revisions) {
  const cls = VERDICT_CLASS[sig.indication] ?? 'failed';
  const name = p.signerName ?? personName(sig.signer);
  const org = p.organization;
  const n = typeof sig.index === 'number' ? sig.index : i;
  const href = revisionHref(revisions, reportId, i, n);
  const canDownload = href && sig.integrity && sig.integrity.byteRangeValid && sig.signedRevision && sig.signedRevision.length > 0;
  const card = h(
    'article',
    { class: 'card signature', 'data-indication': sig.indication, 'aria-labelledby': `sig-h-${i}` },
    h(
      'h3',
      { id: `sig-h-${i}` },
      `${t('verify.signature')} ${i + 1}: `,
      h('span', { class: 'signer-name' }, name),
      ' ',
      h('span', { class: `badge ${cls}` }, p.verdict),
    ),
    p.reason ? h('p', {}, p.reason) : null,
    facts([
      [t('verify.signer'), sig.signer ? h('span', {}, name, org ? ` — ${org}` : '') : t('verify.unknownSigner')],
      [t('verify.issuer'), sig.signer ? dnAttr(sig.signer.issuer, 'CN') || sig.signer.issuer : null],
      [t('verify.kind'), t(`kind.${sig.kind}`)],
      [t('verify.time'), signingTime(p)],
      [t('verify.timestamps'), timestampsText(sig)],
      [t('verify.level'), sig.level ? `${sig.level} — ${t(`level.${sig.level}`)}` : null],
      [t('verify.trust'), trustText(sig)],
      [t('verify.revocation'), revocationText(sig)],
      [t('verify.coverage'), t(`coverage.${sig.coverage}`)],
      [t('verify.modifications'), modificationsText(sig)],
      [t('verify.integrity'), integrityText(sig)],
      [t('verify.docMdp'), sig.mdp && sig.mdp.docMdpP ? t(`docmdp.${sig.mdp.docMdpP}`) : null],
      [t('verify.certificate'), sig.signer ? h('span', { class: 'mono' }, sig.signer.subject) : null],
    ]),
    lineList(p.lines, t('verify.findings')),
    canDownload
      ? h(
          'p',
          { class: 'actions' },
          h('a', { class: 'button secondary signed-revision', href, download: `phien-ban-da-ky-${n}.pdf` }, t('verify.downloadRevision')),
        )
      : null,
  );
  if (canDownload && p.hasVisibleChanges) append(card, compareControls(p, href, i));
  return card;
}

/** A button that renders the signed revision and the current upload side by side, changes outlined. */
function compareControls(p, href, i) {
  const area = h('div', { class: 'compare', id: `compare-${i}`, 'aria-live': 'polite' });
  const button = h('button', { type: 'button', class: 'compare-button', 'aria-controls': `compare-${i}` }, t('verify.compare'));
  button.addEventListener('click', async () => {
    if (!last) return;
    button.setAttribute('disabled', '');
    try {
      const current = new Uint8Array(await last.file.arrayBuffer());
      const changes = p.lines.filter((l) => l.kind === 'change' && typeof l.page === 'number' && l.category !== 'extension');
      await showSideBySide(area, { signedUrl: href, current, changes });
    } catch {
      clear(area);
      append(area, h('p', { class: 'problem' }, t('compare.failed')));
    } finally {
      button.removeAttribute('disabled');
    }
  });
  return h('div', {}, h('h4', {}, t('compare.heading')), h('p', {}, button), area);
}

async function downloadReport(kind) {
  if (!last) return;
  const err = byId('error');
  err.hidden = true;
  const accept = kind === 'pdf' ? 'application/pdf' : 'text/html';
  try {
    // The server renders the report in the page's language (?lang=vi|en).
    const res = await apiFetch(`${VERIFY_URL}?lang=${lang()}`, { method: 'POST', body: formFor(last.file), headers: { Accept: accept } });
    downloadBlob(await res.blob(), kind === 'pdf' ? 'bao-cao-kiem-tra.pdf' : 'bao-cao-kiem-tra.html');
  } catch (e) {
    showProblem(err, e);
  }
}

function render() {
  const section = byId('result');
  clear(section);
  if (!last) {
    section.hidden = true;
    return;
  }
  const { report, reportId, revisions, presentation, matches } = unwrap(last.body);
  const sigs = Array.isArray(report.signatures) ? report.signatures : [];
  append(
    section,
    h('h2', { id: 'result-heading' }, t('verify.resultFor', { name: last.file.name })),
    verdictBox(report, presentation),
    lineList(presentation.lines, t('verify.findings')),
  );
  if (matches.length > 0) {
    append(section, h('h2', {}, t('verify.copyMatch')), ...matches.map((m) => h('div', { class: 'card copy-match' }, renderCopyFacts(m))));
  }
  append(section, ...sigs.map((s, i) => signatureCard(s, presentation.signatures[i], i, reportId, revisions)));
  const htmlBtn = h('button', { type: 'button', class: 'secondary', id: 'report-html' }, t('verify.reportHtml'));
  const pdfBtn = h('button', { type: 'button', class: 'secondary', id: 'report-pdf' }, t('verify.reportPdf'));
  htmlBtn.addEventListener('click', () => void downloadReport('html'));
  pdfBtn.addEventListener('click', () => void downloadReport('pdf'));
  append(
    section,
    h('h2', {}, t('verify.documentHeading')),
    facts([
      [t('verify.fileName'), last.file.name],
      [t('verify.sha256'), report.document ? h('span', { class: 'mono' }, report.document.sha256) : null],
      [t('verify.pages'), report.document ? report.document.pages : null],
      [t('verify.revisions'), report.document ? report.document.revisions : null],
      [t('verify.validationTime'), vietnamTime(report.validationTime)],
    ]),
    h('div', { class: 'actions' }, htmlBtn, pdfBtn),
  );
  section.hidden = false;
}

function formFor(file) {
  const fd = new FormData();
  fd.append('pdf', file, file.name);
  return fd;
}

async function verify(file) {
  const status = byId('status');
  const err = byId('error');
  err.hidden = true;
  clear(err);
  last = null;
  render();
  setText(status, 'verify.checking', { name: file.name });
  try {
    // The server words the result in the page's language (?lang=): one source for every reader.
    const res = await apiFetch(`${VERIFY_URL}?lang=${lang()}`, {
      method: 'POST',
      body: formFor(file),
      headers: { Accept: 'application/json', 'Accept-Language': lang() },
    });
    last = { file, body: await res.json() };
    setText(status, 'verify.done');
    render();
    const v = document.getElementById('verdict');
    if (v) v.focus();
  } catch (e) {
    setText(status, null);
    showProblem(err, e);
  }
}

function main() {
  initI18n();
  // The result's words come from the server in one language: ask again in the other one.
  onLangChange(() => (last ? void verify(last.file) : render()));
  dropzone(byId('dropzone'), /** @type {HTMLInputElement} */ (byId('file')), (f) => void verify(f));
}

main();
