/**
 * The one presenter of a verification report for people: report + language → a plain model that
 * the CLI text output, the HTML and PDF reports and the citizen web page (through the verify API)
 * all render. It decides what a reader is told: the three states (state.ts), who signed (CN and
 * organization of the signer certificate), when in Vietnam time and whether a trusted timestamp
 * proves it, and one translated line per error, warning and change after signing, with page
 * numbers (1-based, never PDF object numbers).
 */
import { vietnamParts } from '../../core/vietnam-time.js';
import { indicationText, label, messageText, type Lang } from './i18n.js';
import type { ChangeReport, Indication, ReportState, SignatureReport, VerificationReport } from './report.js';
import { reportState } from './state.js';

export interface PresentedLine {
  /** `info`: an update that only extends the signature (DSS, document timestamp), nothing to look at. */
  readonly kind: 'error' | 'warning' | 'change' | 'info';
  readonly key: string;
  readonly text: string;
  /** Only for changes: where it is (1-based page, user-space rectangle) and its class. */
  readonly page?: number | null;
  readonly rect?: readonly [number, number, number, number] | null;
  readonly category?: ChangeReport['category'];
}

export interface PresentedSignature {
  readonly index: number;
  readonly title: string;
  readonly kind: string;
  readonly indication: Indication;
  readonly verdict: string;
  readonly reason: string | null;
  readonly signerName: string | null;
  readonly organization: string | null;
  /** `dd/mm/yyyy hh:mm:ss (UTC+7)` or null when the signature carries no time at all. */
  readonly time: string | null;
  readonly timeProven: boolean;
  readonly timeNote: string;
  readonly level: string;
  readonly lines: readonly PresentedLine[];
  /** Changes after signing that a reader can look at (everything but extensions). */
  readonly hasVisibleChanges: boolean;
  /** Where the revision this signature covers can be downloaded, when the caller has such a place. */
  readonly signedRevisionUrl: string | null;
}

export interface PresentOptions {
  /** Link to signature `index`'s signed revision (the verify API keeps it for a while). */
  readonly signedRevisionUrl?: (index: number) => string;
}

export interface Presentation {
  readonly lang: Lang;
  readonly state: ReportState;
  readonly headline: string;
  readonly reason: string | null;
  readonly validationTime: string;
  readonly pages: number | null;
  readonly signatures: readonly PresentedSignature[];
  /** Document-level errors and warnings. */
  readonly lines: readonly PresentedLine[];
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `dd/mm/yyyy hh:mm:ss (UTC+7)`: Vietnam has kept UTC+07:00 without daylight saving since 1975. */
export function vietnamClock(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  const p = vietnamParts(d);
  return `${pad(p.day)}/${pad(p.month)}/${p.year} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)} (UTC+7)`;
}

/** One attribute of an RFC 4514 distinguished name as printed in the report ('CN=…, O=…'). */
export function dnAttribute(dn: string | null | undefined, attr: string): string | null {
  if (!dn) return null;
  const m = new RegExp(`(?:^|[,+\\n]\\s*)${attr}=((?:\\\\.|[^,+\\n])*)`).exec(dn);
  return m ? m[1]!.replace(/\\(.)/g, '$1').trim() : null;
}

/**
 * Names taken from the document or its certificates (field names, CN, O) are the signer's or an
 * attacker's words: control characters become '?', so they cannot steer a terminal (ECMA-48
 * escape sequences) or break a line of the report.
 */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
}

function changeLine(c: ChangeReport, lang: Lang): PresentedLine {
  const where = c.page !== null ? ` (${label('page', lang)} ${c.page})` : '';
  // field names and the covered signed text are the document's own words; annotation subtypes
  // are PDF vocabulary, not for readers
  const what =
    c.detail && (c.category === 'signatureOrFormFill' || c.key === 'MODIFICATION_COVERS_CONTENT') ? ` — ${printable(c.detail)}` : '';
  return {
    kind: c.category === 'extension' ? 'info' : 'change',
    key: c.key,
    text: `${messageText(c.key, lang)}${what}${where}`,
    page: c.page,
    rect: c.rect,
    category: c.category,
  };
}

function presentSignature(s: SignatureReport, lang: Lang, o: PresentOptions): PresentedSignature {
  // The verifier sets provenSigningTime only when a trusted timestamp gives proof of existence
  // (ETSI EN 319 102-1 §5.6.2.3); otherwise the time is only what the signer's computer claimed.
  const proven = s.provenSigningTime !== null;
  const time = s.provenSigningTime ?? s.claimedSigningTime;
  const changes = (s.changes ?? []).map((c) => changeLine(c, lang));
  const lines: PresentedLine[] = [
    ...s.errors.map((k) => ({ kind: 'error' as const, key: k, text: messageText(k, lang) })),
    // the generic modification warnings are replaced by the located change lines when there are any
    ...s.warnings
      .filter((k) => !(changes.length && k.startsWith('MODIFICATION_')))
      .map((k) => ({ kind: 'warning' as const, key: k, text: messageText(k, lang) })),
    ...changes,
  ];
  return {
    index: s.index,
    title: `${label('signature', lang)} ${s.index + 1}`,
    kind: label(s.kind, lang),
    indication: s.indication,
    verdict: indicationText(s.indication, lang),
    reason: s.subIndication ? indicationText(s.subIndication, lang) : null,
    signerName: nullable(dnAttribute(s.signer?.subject, 'CN') ?? s.signer?.subject ?? null),
    organization: nullable(dnAttribute(s.signer?.subject, 'O')),
    time: vietnamClock(time),
    timeProven: proven,
    timeNote: label(proven ? 'timeProven' : 'timeClaimed', lang),
    level: s.level,
    lines,
    hasVisibleChanges: (s.changes ?? []).some((c) => c.category !== 'extension'),
    signedRevisionUrl: o.signedRevisionUrl && s.integrity.byteRangeValid ? o.signedRevisionUrl(s.index) : null,
  };
}

const nullable = (s: string | null) => (s === null ? null : printable(s));

export function presentReport(report: VerificationReport, lang: Lang, o: PresentOptions = {}): Presentation {
  if (lang !== 'vi' && lang !== 'en') throw new TypeError('presentReport: lang must be "vi" or "en"');
  const state = report.state ?? reportState(report);
  return {
    lang,
    state,
    headline: label(`state.${state}`, lang),
    reason: state === 'invalid' && report.subIndication ? indicationText(report.subIndication, lang) : null,
    validationTime: vietnamClock(report.validationTime) ?? report.validationTime,
    pages: report.document.pages,
    signatures: report.signatures.map((s) => presentSignature(s, lang, o)),
    lines: [
      ...report.errors.map((k) => ({ kind: 'error' as const, key: k, text: messageText(k, lang) })),
      ...report.warnings.map((k) => ({ kind: 'warning' as const, key: k, text: messageText(k, lang) })),
    ],
  };
}
