/**
 * Citizen verification page: upload a PDF → POST /api/v1/verify (JSON report) → verdict, one card
 * per signature with plain-language explanations, links to the signed revisions and to the
 * HTML/PDF report, and any certified-copy register match.
 */
import { h, append, clear, byId, facts, dropzone } from './dom.js';
import { t, lang, initI18n, onLangChange, setText } from './i18n.js';
import { apiFetch, showProblem, downloadBlob } from './api.js';
import { MESSAGES, SUB_INDICATIONS, explain } from './messages.js';
import { vietnamTime } from './time.js';
import { renderCopyFacts } from './copy-facts.js';

const VERIFY_URL = '/api/v1/verify';
const VERDICT_CLASS = { TOTAL_PASSED: 'passed', TOTAL_FAILED: 'failed', INDETERMINATE: 'indeterminate' };

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
  return { report, reportId, revisions, matches: Array.isArray(matches) ? matches : [] };
}

function verdictBox(report) {
  const cls = VERDICT_CLASS[report.indication] ?? 'indeterminate';
  const sub = report.subIndication ? explain(SUB_INDICATIONS, report.subIndication, lang()) : null;
  const count = Array.isArray(report.signatures) ? report.signatures.length : 0;
  return h(
    'div',
    { class: `verdict ${cls}`, id: 'verdict', 'data-indication': report.indication, tabindex: '-1' },
    h('p', { class: 'verdict-title' }, t(`verdict.${report.indication}`)),
    h('p', {}, t(`verdict.${report.indication}.explain`)),
    sub ? h('p', { class: 'verdict-reason' }, `${t('verify.reason')}: ${sub}`) : null,
    h('p', { class: 'hint' }, count === 0 ? t('verify.noSignatures') : t('verify.signatureCount', { n: count })),
  );
}

function messageList(keys, heading) {
  if (!Array.isArray(keys) || keys.length === 0) return null;
  return h(
    'div',
    {},
    h('h4', {}, heading),
    h(
      'ul',
      { class: 'messages' },
      ...keys.map((k) => h('li', {}, explain(MESSAGES, String(k), lang()), ' ', h('span', { class: 'key' }, `(${k})`))),
    ),
  );
}

function signingTime(sig) {
  const validTs = (sig.timestamps ?? []).find((x) => x.type === 'signature' && x.valid);
  if (validTs && sig.bestSignatureTime) return `${vietnamTime(sig.bestSignatureTime)} — ${t('verify.timeProven')}`;
  if (sig.claimedSigningTime) return `${vietnamTime(sig.claimedSigningTime)} — ${t('verify.timeClaimed')}`;
  return t('verify.none');
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
  const level = m.level ?? 'NONE';
  const wrap = h('div', {}, t(`mod.${level}`));
  if (Array.isArray(m.details) && m.details.length > 0) {
    // The validator's object-level notes are for specialists: folded away by default.
    append(
      wrap,
      h(
        'details',
        { class: 'tech' },
        h('summary', {}, t('verify.technicalDetails', { n: m.details.length })),
        h(
          'ul',
          { class: 'messages' },
          ...m.details.slice(0, 50).map((d) => h('li', { class: 'mono' }, MESSAGES[d] ? explain(MESSAGES, d, lang()) : String(d))),
        ),
      ),
    );
  }
  return wrap;
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

function signatureCard(sig, i, reportId, revisions) {
  const cls = VERDICT_CLASS[sig.indication] ?? 'indeterminate';
  const name = personName(sig.signer);
  const org = sig.signer ? dnAttr(sig.signer.subject, 'O') : null;
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
      h('span', { class: `badge ${cls}` }, t(`verdict.${sig.indication}`)),
    ),
    sig.subIndication ? h('p', {}, explain(SUB_INDICATIONS, sig.subIndication, lang())) : null,
    facts([
      [t('verify.signer'), sig.signer ? h('span', {}, name, org ? ` — ${org}` : '') : t('verify.unknownSigner')],
      [t('verify.issuer'), sig.signer ? dnAttr(sig.signer.issuer, 'CN') || sig.signer.issuer : null],
      [t('verify.kind'), t(`kind.${sig.kind}`)],
      [t('verify.time'), signingTime(sig)],
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
    messageList(sig.errors, t('verify.errors')),
    messageList(sig.warnings, t('verify.warnings')),
    canDownload
      ? h(
          'p',
          {},
          h('a', { class: 'button secondary signed-revision', href, download: `phien-ban-da-ky-${n}.pdf` }, t('verify.downloadRevision')),
        )
      : null,
  );
  return card;
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
  const { report, reportId, revisions, matches } = unwrap(last.body);
  const sigs = Array.isArray(report.signatures) ? report.signatures : [];
  append(
    section,
    h('h2', { id: 'result-heading' }, t('verify.resultFor', { name: last.file.name })),
    verdictBox(report),
    messageList(report.errors, t('verify.errors')),
    messageList(report.warnings, t('verify.warnings')),
  );
  if (matches.length > 0) {
    append(section, h('h2', {}, t('verify.copyMatch')), ...matches.map((m) => h('div', { class: 'card copy-match' }, renderCopyFacts(m))));
  }
  append(section, ...sigs.map((s, i) => signatureCard(s, i, reportId, revisions)));
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
    const res = await apiFetch(VERIFY_URL, {
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
  onLangChange(() => render());
  dropzone(byId('dropzone'), /** @type {HTMLInputElement} */ (byId('file')), (f) => void verify(f));
}

main();
