/**
 * A self-contained HTML rendering of the verification report (no external resources, every
 * value escaped) in Vietnamese or English, for people.
 */
import type { SignatureReport, VerificationReport } from './report.js';
import { indicationText, label, messageText, type Lang } from './i18n.js';

export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const COLORS = { TOTAL_PASSED: '#1b7f3b', TOTAL_FAILED: '#b00020', INDETERMINATE: '#a86b00' } as const;

function row(k: string, v: string): string {
  return `<tr><th>${escapeHtml(k)}</th><td>${v}</td></tr>`;
}

function signatureSection(s: SignatureReport, lang: Lang): string {
  const e = escapeHtml;
  const yn = (b: boolean) => e(label(b ? 'yes' : 'no', lang));
  const rows = [
    row(label('field', lang), e(s.fieldNames.join(', ') || '—')),
    row(label('kind', lang), e(label(s.kind, lang))),
    row(label('level', lang), e(s.level)),
    row(label('signer', lang), e(s.signer?.subject ?? '—')),
    row(label('issuer', lang), e(s.signer?.issuer ?? '—')),
    row(label('chain', lang), s.chain.map((c) => e(c.subject)).join('<br>') || '—'),
    row(label('anchor', lang), e(s.trustAnchor ?? label('none', lang))),
    row(label('claimedTime', lang), e(s.claimedSigningTime ?? '—')),
    row(label('bestTime', lang), e(s.provenSigningTime ?? '—')),
    row(
      label('timestamps', lang),
      s.timestamps.map((t) => `${e(t.type)}: ${e(t.genTime ?? '?')} (${e(t.tsa ?? '?')}) ${t.valid ? '✓' : '✗'}`).join('<br>') || '—',
    ),
    row(label('byteRange', lang), `${yn(s.integrity.byteRangeValid)} ${e(JSON.stringify(s.integrity.byteRange))}`),
    row(label('digest', lang), yn(s.integrity.digestMatch)),
    row(
      label('crypto', lang),
      `${yn(s.integrity.cryptoValid)} (${e(s.integrity.signatureAlgorithm ?? '?')}, ${e(s.integrity.digestAlgorithm ?? '?')})`,
    ),
    row(label('coverage', lang), e(label(s.coverage, lang))),
    row(label('signedRevision', lang), `${e(s.signedRevision.index ?? '—')} (${e(s.signedRevision.length)} ${e(label('bytes', lang))})`),
    row(
      label('modifications', lang),
      `${e(label(s.modifications.level, lang))}${s.modifications.details.length ? `<details><summary>…</summary><ul>${s.modifications.details.map((d) => `<li>${e(d)}</li>`).join('')}</ul></details>` : ''}`,
    ),
    row(label('docMdp', lang), e(s.mdp.docMdpP ?? '—')),
    row(
      label('revocation', lang),
      s.revocation.map((r) => `${e(r.certificate)}: ${e(r.status)} (${e(r.source)}${r.origin ? `, ${e(r.origin)}` : ''})`).join('<br>') ||
        '—',
    ),
  ];
  const list = (title: string, keys: readonly string[]) =>
    keys.length
      ? `<h4>${e(title)}</h4><ul>${keys.map((k) => `<li><code>${e(k)}</code> ${e(messageText(k, lang))}</li>`).join('')}</ul>`
      : '';
  return `<section class="sig"><h3>${e(label('signature', lang))} ${s.index + 1}: <span style="color:${COLORS[s.indication]}">${e(indicationText(s.indication, lang))}</span>${s.subIndication ? ` — ${e(indicationText(s.subIndication, lang))}` : ''}</h3>
<table>${rows.join('\n')}</table>${list(label('errors', lang), s.errors)}${list(label('warnings', lang), s.warnings)}</section>`;
}

export function renderReportHtml(report: VerificationReport, lang: Lang): string {
  if (lang !== 'vi' && lang !== 'en') throw new TypeError('renderReportHtml: lang must be "vi" or "en"');
  const e = escapeHtml;
  const d = report.document;
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(label('title', lang))}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{width:16rem;background:#f4f4f4}.overall{font-size:1.4rem;font-weight:bold}section.sig{margin-top:2rem}code{font-size:.85em}</style></head>
<body><h1>${e(label('title', lang))}</h1>
<p class="overall" style="color:${COLORS[report.indication]}">${e(label('overall', lang))}: ${e(indicationText(report.indication, lang))}${report.subIndication ? ` — ${e(indicationText(report.subIndication, lang))}` : ''}</p>
<h2>${e(label('document', lang))}</h2><table>
${row(label('sha256', lang), `<code>${e(d.sha256)}</code>`)}
${row(label('size', lang), `${e(d.bytes)} ${e(label('bytes', lang))}`)}
${row(label('revisions', lang), e(d.revisions))}
${row(label('pages', lang), e(d.pages ?? '—'))}
${row(label('validationTime', lang), e(report.validationTime))}
</table>
${report.signatures.length === 0 ? `<p>${e(label('noSignatures', lang))}</p>` : report.signatures.map((s) => signatureSection(s, lang)).join('\n')}
${[...report.errors, ...report.warnings].length ? `<ul>${[...report.errors, ...report.warnings].map((k) => `<li><code>${e(k)}</code> ${e(messageText(k, lang))}</li>`).join('')}</ul>` : ''}
</body></html>
`;
}
