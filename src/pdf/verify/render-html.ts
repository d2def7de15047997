/**
 * A self-contained HTML rendering of the verification report (no external resources, every
 * value escaped) in Vietnamese or English, for people. What it says comes from the presenter
 * (present.ts); the technical table below it shows the report's own facts.
 */
import type { SignatureReport, VerificationReport } from './report.js';
import { label, type Lang } from './i18n.js';
import { presentReport, vietnamClock, type PresentOptions, type PresentedLine, type PresentedSignature } from './present.js';

export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Colour is never the only signal: each state also has its words (WCAG 2.1 §1.4.1). */
const STATE_COLORS = { valid: '#1b7f3b', changed: '#8a5a00', invalid: '#b00020' } as const;
const SIGN_COLORS = { TOTAL_PASSED: '#1b7f3b', TOTAL_FAILED: '#b00020', INDETERMINATE: '#b00020' } as const;
const LINE_MARK = { error: '✗', warning: '!', change: '△', info: 'ℹ' } as const;

function row(k: string, v: string): string {
  return `<tr><th>${escapeHtml(k)}</th><td>${v}</td></tr>`;
}

function lines(list: readonly PresentedLine[]): string {
  if (list.length === 0) return '';
  return `<ul class="lines">${list.map((l) => `<li class="${l.kind}">${LINE_MARK[l.kind]} ${escapeHtml(l.text)}</li>`).join('')}</ul>`;
}

function technical(s: SignatureReport, lang: Lang): string {
  const e = escapeHtml;
  const yn = (b: boolean) => e(label(b ? 'yes' : 'no', lang));
  return `<details><summary>${e(label('integrity', lang))}, ${e(label('chain', lang))}</summary><table>
${row(label('field', lang), e(s.fieldNames.join(', ') || '—'))}
${row(label('issuer', lang), e(s.signer?.issuer ?? '—'))}
${row(label('chain', lang), s.chain.map((c) => e(c.subject)).join('<br>') || '—')}
${row(label('anchor', lang), e(s.trustAnchor ?? label('none', lang)))}
${row(label('claimedTime', lang), e(vietnamClock(s.claimedSigningTime) ?? '—'))}
${row(label('timestamps', lang), s.timestamps.map((t) => `${e(vietnamClock(t.genTime) ?? '?')} (${e(t.tsa ?? '?')}) ${t.valid && t.trusted ? '✓' : '✗'}`).join('<br>') || '—')}
${row(label('byteRange', lang), `${yn(s.integrity.byteRangeValid)} ${e(JSON.stringify(s.integrity.byteRange))}`)}
${row(label('digest', lang), yn(s.integrity.digestMatch))}
${row(label('crypto', lang), `${yn(s.integrity.cryptoValid)} (${e(s.integrity.signatureAlgorithm ?? '?')}, ${e(s.integrity.digestAlgorithm ?? '?')})`)}
${row(label('coverage', lang), e(label(s.coverage, lang)))}
${row(label('signedRevision', lang), `${e(s.signedRevision.length)} ${e(label('bytes', lang))}`)}
${row(label('modifications', lang), e(label(s.modifications.level, lang)))}
${row(label('docMdp', lang), e(s.mdp.docMdpP ?? '—'))}
${row(label('revocation', lang), s.revocation.map((r) => `${e(r.certificate)}: ${e(r.status)} (${e(r.source)})`).join('<br>') || '—')}
</table></details>`;
}

function signatureSection(p: PresentedSignature, s: SignatureReport, lang: Lang): string {
  const e = escapeHtml;
  const who = p.signerName ? `${e(p.signerName)}${p.organization ? ` — ${e(p.organization)}` : ''}` : e(label('unknownSigner', lang));
  return `<section class="sig"><h3>${e(p.title)} (${e(p.kind)}): <span style="color:${SIGN_COLORS[p.indication]}">${e(p.verdict)}</span>${p.reason ? ` — ${e(p.reason)}` : ''}</h3>
<table>
${row(label('signedBy', lang), who)}
${row(label('signedAt', lang), p.time ? `${e(p.time)} — ${e(p.timeNote)}` : '—')}
${row(label('level', lang), e(p.level))}
</table>${lines(p.lines)}${p.signedRevisionUrl ? `<p><a href="${e(p.signedRevisionUrl)}">${e(label('viewSignedRevision', lang))}</a></p>` : ''}${technical(s, lang)}</section>`;
}

export function renderReportHtml(report: VerificationReport, lang: Lang, o: PresentOptions = {}): string {
  const view = presentReport(report, lang, o);
  const e = escapeHtml;
  const d = report.document;
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(label('title', lang))}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{width:16rem;background:#f4f4f4}.state{font-size:1.3rem;font-weight:bold;padding:.6rem 1rem;border-left:.6rem solid}
section.sig{margin-top:2rem}.lines li.error{color:#b00020}.lines li.change{color:#8a5a00}</style></head>
<body><h1>${e(label('title', lang))}</h1>
<p class="state" data-state="${view.state}" style="color:${STATE_COLORS[view.state]};border-color:${STATE_COLORS[view.state]}">${e(view.headline)}${view.reason ? `<br>${e(label('reason', lang))}: ${e(view.reason)}` : ''}</p>
${lines(view.lines)}
<h2>${e(label('document', lang))}</h2><table>
${row(label('sha256', lang), `<code>${e(d.sha256)}</code>`)}
${row(label('size', lang), `${e(d.bytes)} ${e(label('bytes', lang))}`)}
${row(label('revisions', lang), e(d.revisions))}
${row(label('pages', lang), e(d.pages ?? '—'))}
${row(label('validationTime', lang), e(view.validationTime))}
</table>
${report.signatures.length === 0 ? `<p>${e(label('noSignatures', lang))}</p>` : view.signatures.map((p, i) => signatureSection(p, report.signatures[i]!, lang)).join('\n')}
</body></html>
`;
}
