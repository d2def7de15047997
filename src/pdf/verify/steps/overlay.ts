/**
 * What is laid over the signed pages after signing (STANDARDS.md rule C; ISO 32000-1 §12.8.2.2,
 * ETSI EN 319 102-1 §5.1.3): the form-field rules (field-rules.ts) and, for every annotation or
 * widget added or changed after the signed revision, whether the box it draws covers text or
 * images of the signed page content (later-drawing.ts, content-cover.ts). A covering addition
 * makes the signature INDETERMINATE: the bytes are intact, but what a reader sees over the signed
 * text is not what was signed, and no object-level rule can tell a stamp from a forgery.
 */
import type { DiffResult } from '../diff.js';
import { fieldRuleFindings } from '../field-rules.js';
import { drawnChangesAfter, type DrawnChange } from '../later-drawing.js';
import { coveredContent, type Covering, type GeometryCache } from '../content-cover.js';
import type { SignatureWork, VerifyContext } from './context.js';
import type { ChangeReport } from '../report.js';

export interface OverlayOutcome {
  /** The object diff with the field rules' "other" findings and the covering details added. */
  readonly diff: DiffResult;
  readonly errors: readonly string[];
  /** DocMDP violations found here (a new visible signature field P=2 does not permit). */
  readonly violations: readonly string[];
  /** Something added or changed after signing covers signed text or images. */
  readonly coversContent: boolean;
  /** Each covering, located for a reader: the page, the covering box and the signed text it hides. */
  readonly located: readonly ChangeReport[];
}

const geometryCaches = new WeakMap<VerifyContext, GeometryCache>();

export async function judgeOverlay(
  ctx: VerifyContext,
  w: SignatureWork,
  all: readonly SignatureWork[],
  docMdpP: 1 | 2 | 3 | null,
): Promise<OverlayOutcome | undefined> {
  const { pdf, budget } = ctx;
  const d = w.diff;
  const k = w.signedRevisionIndex;
  if (!d || k === undefined || k >= pdf.revisions.length - 1) return undefined;
  const validSignatureIn = (name: string) =>
    all.some((x) => x !== w && x.found.fieldNames.includes(name) && x.intact && x.signedRevisionIndex !== undefined);
  const fields = fieldRuleFindings(pdf, k, budget, validSignatureIn);
  const errors: string[] = [];
  const violations: string[] = [];
  const other = [...fields.fakeSignatures];
  if (fields.fakeSignatures.length) errors.push('MODIFICATION_SIGNATURE_FORGED');
  if (docMdpP === 2) {
    other.push(...fields.notFormFilling);
    if (fields.notFormFilling.length) errors.push('MODIFICATION_FIELD_ADDED');
    if (fields.visibleWithoutSignature.length) violations.push('DOCMDP_NEW_VISIBLE_SIGNATURE_FIELD');
  }
  // P=1 permits no change at all (mdp.ts): nothing to weigh, and no page content to read
  const changes = docMdpP === 1 ? [] : drawnChangesAfter(pdf, k, budget).filter((c) => !c.drawsNothing);
  let cache = geometryCaches.get(ctx);
  if (!cache) geometryCaches.set(ctx, (cache = new Map()));
  // pdf.js gets what is left of the validation's time budget; running out is LIMIT_TIME, as everywhere
  const left = Math.max(1, budget.deadline - Date.now());
  const coverings = changes.length ? await coveredContent(pdf.buf.subarray(0, w.signedRevision.length), changes, cache, left) : [];
  budget.check();
  if (coverings.length) errors.push('MODIFICATION_COVERS_CONTENT');
  const newSignatureNames = new Set(fields.newSignatureFields.map((f) => f.name));
  if (docMdpP === 2 && coverings.some((c) => c.change.field && newSignatureNames.has(c.change.field.name)))
    violations.push('DOCMDP_NEW_VISIBLE_SIGNATURE_FIELD');
  const details = [...d.details, ...other.map((x) => `other: ${x}`), ...coverings.map((c) => `covers: ${describe(c)}`)];
  const diff: DiffResult = other.length ? { ...d, other: true, level: 'OTHER', details } : { ...d, details };
  return { diff, errors, violations, coversContent: coverings.length > 0, located: coverings.map(locate) };
}

/** The covering as a change a person can find: page number, the box drawn over it, the hidden signed text (quoted, any language). */
function locate(c: Covering): ChangeReport {
  const b = c.change.box;
  const finite = [b.x0, b.y0, b.x1, b.y1].every(Number.isFinite);
  return {
    category: c.change.field ? 'signatureOrFormFill' : 'annotation',
    key: 'MODIFICATION_COVERS_CONTENT',
    page: c.change.pageIndex + 1,
    rect: finite ? [b.x0, b.y0, b.x1, b.y1] : null,
    ...(c.covered.kind === 'text' ? { detail: `“${shorten(c.covered.text)}”` } : {}),
  };
}

/** "new FreeText annotation covers text “approved” on page 1" — pages by number, never objects. */
function describe(c: Covering): string {
  const what =
    c.covered.kind === 'text'
      ? `text “${shorten(c.covered.text)}”`
      : c.covered.kind === 'image'
        ? 'an image'
        : 'page content that could not be interpreted';
  return `${label(c.change)} covers ${what} of the signed revision on page ${c.change.pageIndex + 1}`;
}

function label(c: DrawnChange): string {
  const state = c.added ? 'new' : 'changed';
  if (c.field) return `${state} widget of ${c.field.ft === 'Sig' ? 'signature' : (c.field.ft ?? 'untyped')} field “${c.field.name}”`;
  return `${state} ${c.subtype} annotation`;
}

function shorten(s: string): string {
  const t = s.trim();
  return t.length > 40 ? `${t.slice(0, 39)}…` : t;
}
