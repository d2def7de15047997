import { AppError } from '../../core/errors.js';
import type { HashName } from '../../core/signature-algorithms.js';
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import type { DocMdpPermission, FieldLock, SubFilter } from '../../core/sign-options.js';
import type { PdfObjectBundle } from '../appearance/model.js';
import { IncrementalWriter } from '../incremental/writer.js';
import { formFields, type FormField } from '../syntax/acroform.js';
import { PdfDocument } from '../syntax/document.js';
import type { PdfLimits } from '../syntax/limits.js';
import { PdfDict, PdfRaw, PdfRef, PdfString, name, textString, type PdfObject } from '../syntax/objects.js';
import { getPage } from '../syntax/page-tree.js';
import { emitBundle } from './bundle.js';
import { UpdateEditor } from './form-update.js';
import { pdfDate } from './pdf-date.js';
import { assertSigningAllowed } from './permissions.js';
import { standardSecurity } from './standard-security.js';
import { isCertificationPlaceholder, unsignedPlaceholders, type UnsignedPlaceholder } from './unsigned-placeholder.js';
import { byteRangePlaceholder, byteRangeText, contentsPlaceholder, hashByteRange, writeContents, type ByteRange } from './placeholder.js';

export interface PrepareOptions {
  /** Sign this existing, empty signature field (fully qualified name). PDF_FIELD_NOT_FOUND / PDF_FIELD_ALREADY_SIGNED. */
  fieldName?: string;
  /** Name of the new signature field when `fieldName` is absent (default: first free "SignatureN"). */
  newFieldName?: string;
  /** 1-based page of a new field's widget (default 1). */
  page?: number;
  /** Widget rectangle [x1 y1 x2 y2] in default user space; absent → invisible ([0 0 0 0]). */
  rect?: [number, number, number, number];
  /** Appearance bundle from src/pdf/appearance (its root is the widget's /AP /N). Needs `rect` for a new field. */
  appearance?: PdfObjectBundle;
  /** Bytes reserved for the CMS in /Contents (default 16384). */
  placeholderSize?: number;
  reason?: string;
  location?: string;
  contactInfo?: string;
  /** /Name: the signer's name (§12.8.1 Table 252). */
  name?: string;
  /** /M, the claimed signing time (PAdES: the time lives here, not in the CMS). Default: clock.now(). */
  signingTime?: Date;
  /** Offset written in /M, in minutes east of UTC (Vietnam: 420). Default: UTC ("Z"). */
  timeZoneOffsetMinutes?: number;
  clock?: Clock;
  /** Certification signature with DocMDP P (§12.8.2.2). Only as the document's first signature. */
  certify?: DocMdpPermission;
  /** Lock fields once this signature is applied (new fields only; an existing field's own /Lock is honoured automatically). */
  lock?: FieldLock;
  /** Default ETSI.CAdES.detached; ETSI.RFC3161 prepares a document timestamp (/Type /DocTimeStamp). */
  subFilter?: SubFilter;
  limits?: Partial<PdfLimits>;
  /** User or owner password of an encrypted PDF (standard security handler); without it such a file is PDF_ENCRYPTED. */
  password?: string;
  /**
   * Empty signature fields to create in the same update, for the signers who come later
   * (under certification P=2 only pre-existing fields may be signed with a visible widget,
   * ISO 32000-1 §12.8.2.2). They are filled later with `fieldName`.
   */
  emptyFields?: Array<{ name: string; page?: number; rect?: [number, number, number, number] }>;
  /** Second trailer /ID element (tests: deterministic output). */
  id?: Buffer;
}

const DEFAULT_PLACEHOLDER = 16384;
/** Files up to this size are prepared as one buffer, original and update (see `Prepared.embed`). */
const JOINED_FILE_MAX = 1024 * 1024;

/**
 * A document prepared for one signature: the original bytes plus an appended incremental update
 * holding the signature dictionary with a zero-filled /Contents. Nothing is copied until
 * `embed` produces the final file.
 */
export class Prepared {
  constructor(
    private readonly original: Buffer,
    private readonly tail: Buffer,
    /** [0, b, c, d]: bytes [0,b) and [c,c+d) are signed; [b,c) is the /Contents hex string. */
    readonly byteRange: ByteRange,
    /** Bytes available for the DER CMS. */
    readonly placeholderSize: number,
    /** Fully qualified name of the signature field. */
    readonly fieldName: string,
    /** Reference of the signature dictionary. */
    readonly signatureRef: PdfRef,
    readonly subFilter: SubFilter,
  ) {}

  /** Total length of the prepared (and final) file. */
  get length(): number {
    return this.original.length + this.tail.length;
  }

  /** Hash over the two byte ranges, computed in place (never concatenating the file). */
  digest(hash: HashName): Buffer {
    return hashByteRange([this.original, this.tail], this.byteRange, hash);
  }

  /**
   * Writes the DER CMS (or RFC 3161 token) into /Contents and returns the complete signed file:
   * the prepared buffer itself when original and update were written into one (no copy).
   */
  embed(cms: Buffer): Buffer {
    writeContents(this.tail, this.original.length, this.byteRange, cms);
    const o = this.original;
    if (o.length > 0 && o.buffer === this.tail.buffer && o.byteOffset + o.length === this.tail.byteOffset)
      return Buffer.from(o.buffer, o.byteOffset, o.length + this.tail.length);
    return Buffer.concat([o, this.tail]);
  }

  /** Like `embed`, but returns [original, appended] without joining them (for streaming writes). */
  embedChunks(cms: Buffer): [Buffer, Buffer] {
    writeContents(this.tail, this.original.length, this.byteRange, cms);
    return [this.original, this.tail];
  }

  /** The prepared file with the zero placeholder as [original, appended], without joining them. */
  parts(): readonly [Buffer, Buffer] {
    return [this.original, this.tail];
  }

  /** The prepared file with the zero placeholder (e.g. to store a two-phase session). */
  toBuffer(): Buffer {
    return Buffer.concat([this.original, this.tail]);
  }
}

/** How the serializer writes the two placeholders' keys (searched as bytes, not converted per call). */
const BYTE_RANGE_KEY = Buffer.from('/ByteRange ', 'latin1');
const CONTENTS_KEY = Buffer.from('/Contents ', 'latin1');

function uniqueFieldName(fields: FormField[]): string {
  const names = new Set(fields.map((f) => f.name));
  for (let i = 1; ; i++) if (!names.has(`Signature${i}`)) return `Signature${i}`;
}

function lockParams(lock: FieldLock | PdfDict, doc: PdfDocument): PdfDict {
  const d = new PdfDict([['Type', name('TransformParams')]]);
  if (lock instanceof PdfDict) {
    d.set('Action', lock.get('Action') ?? name('All'));
    const f = doc.get(lock, 'Fields');
    if (f !== undefined) d.set('Fields', f);
  } else {
    d.set('Action', name(lock.action));
    if (lock.action !== 'All')
      d.set(
        'Fields',
        (lock.fields ?? []).map((f) => textString(f)),
      );
  }
  d.set('V', name('1.2'));
  return d;
}

/**
 * The field a new signature goes into when the document holds unsigned placeholders (a /V whose
 * /Contents was never filled). The placeholder is signed in place — same field, its /V replaced
 * by a real signature dictionary in this update — so no broken signature is left beside the new
 * one. Refused (SIGNATURE_FIELD_PLACEHOLDER_BROKEN) when that cannot hold: several placeholders,
 * a different field requested, or the placeholder is the catalog's certification signature
 * (/Perms /DocMDP would keep naming the unsigned dictionary, ISO 32000-1 §12.8.2.2).
 */
function reusablePlaceholder(
  doc: PdfDocument,
  placeholders: UnsignedPlaceholder[],
  requested: FormField | undefined,
  newFieldName: string | undefined,
): FormField {
  const names = placeholders.map((p) => p.field.name);
  const chosen = requested
    ? placeholders.find((p) => p.field === requested)
    : placeholders.length === 1 && !newFieldName
      ? placeholders[0]
      : undefined;
  const others = placeholders.filter((p) => p !== chosen);
  if (!chosen || others.length > 0) {
    const list = names.map((n) => `"${n}"`).join(', ');
    throw new AppError(
      'SIGNATURE_FIELD_PLACEHOLDER_BROKEN',
      placeholders.length === 1
        ? `the document holds the unsigned signature placeholder ${list} (zero-filled /Contents); sign that field instead of adding another signature beside it`
        : `the document holds ${placeholders.length} unsigned signature placeholders (${list}, zero-filled /Contents); signing one would leave the others broken beside it`,
      { details: { placeholders: names } },
    );
  }
  if (isCertificationPlaceholder(doc, chosen))
    throw new AppError(
      'SIGNATURE_FIELD_PLACEHOLDER_BROKEN',
      `unsigned placeholder "${chosen.field.name}" is the document's certification signature (/Perms /DocMDP); it cannot be signed in place`,
      { details: { placeholders: names } },
    );
  if (!chosen.field.ref)
    throw new AppError('SIGNATURE_FIELD_PLACEHOLDER_BROKEN', `unsigned placeholder "${chosen.field.name}" is not an indirect object`, {
      details: { placeholders: names },
    });
  return chosen.field;
}

/**
 * Stage 1 of a PAdES signature (ETSI EN 319 142-1 §5, ISO 32000-1 §12.8): adds, as one
 * incremental update, the signature dictionary (/ByteRange and /Contents placeholders), the
 * field and widget (new, or an existing empty field filled by name), the page /Annots and
 * /AcroForm entries, and for certification the /Perms /DocMDP entry. Existing bytes never change.
 */
export function preparePdfSignature(pdf: Buffer, o: PrepareOptions = {}): Prepared {
  const doc = PdfDocument.open(pdf, {
    ...(o.limits ? { limits: o.limits } : {}),
    ...(o.password !== undefined ? { security: standardSecurity(o.password) } : {}),
  });
  return prepareOpenedSignature(doc, o);
}

/**
 * `preparePdfSignature` on a document already opened (parsed once for the field size, the
 * preparation and the chains of its earlier signatures). `limits` and `password` belong to the
 * opening and are not read here. The document is only read: edits go to copies in the update.
 */
export function prepareOpenedSignature(doc: PdfDocument, o: Omit<PrepareOptions, 'limits' | 'password'> = {}): Prepared {
  const subFilter = o.subFilter ?? 'ETSI.CAdES.detached';
  const docTimestamp = subFilter === 'ETSI.RFC3161';
  const size = o.placeholderSize ?? DEFAULT_PLACEHOLDER;
  if (!Number.isInteger(size) || size < 64 || size > 64 * 1024 * 1024)
    throw new TypeError('placeholderSize must be an integer between 64 and 64 MiB');
  if (docTimestamp && (o.certify || o.lock)) throw new TypeError('a document timestamp cannot certify or lock');
  const fields = formFields(doc);
  const placeholders = unsignedPlaceholders(doc, fields);
  let target: FormField | undefined;
  if (o.fieldName !== undefined) {
    target = fields.find((f) => f.name === o.fieldName);
    if (!target || target.fieldType !== 'Sig')
      throw new AppError('PDF_FIELD_NOT_FOUND', `no signature field named "${o.fieldName}"`, { details: { field: o.fieldName } });
    if (target.value !== undefined && target.value !== null && !placeholders.some((p) => p.field === target))
      throw new AppError('PDF_FIELD_ALREADY_SIGNED', `signature field "${o.fieldName}" is already signed`, {
        details: { field: o.fieldName },
      });
    if (!target.ref) throw new AppError('PDF_MALFORMED', `signature field "${o.fieldName}" is not an indirect object`);
  } else if (o.newFieldName !== undefined && fields.some((f) => f.name === o.newFieldName)) {
    target = placeholders.find((p) => p.field.name === o.newFieldName)?.field;
    if (!target)
      throw new AppError('CONFLICT', `a field named "${o.newFieldName}" already exists; sign it with fieldName`, {
        details: { field: o.newFieldName },
      });
  }
  if (placeholders.length > 0) target = reusablePlaceholder(doc, placeholders, target, o.newFieldName);
  if (doc.security && !doc.security.owner) {
    // §7.6.3.2 Table 22: creating a field needs bits 6 and 4 (values 32 and 8); filling an
    // existing one (signing included) needs bit 6 or bit 9 (256)
    const perm = doc.security.permissions;
    const allowed = target ? (perm & (32 | 256)) !== 0 : (perm & 32) !== 0 && (perm & 8) !== 0;
    if (!allowed)
      throw new AppError(
        'PDF_SIGNING_FORBIDDEN',
        target
          ? 'the document permissions forbid filling form fields'
          : 'the document permissions forbid adding a signature field; use the owner password',
      );
  }
  if (o.appearance && !target && !o.rect) throw new TypeError('a visible signature on a new field needs a rect');
  if (o.rect && (o.rect.length !== 4 || !o.rect.every((x) => Number.isFinite(x))))
    throw new TypeError('rect must be four finite numbers [x1 y1 x2 y2]');
  const visibleNew = !target && !!o.rect && o.rect[2] - o.rect[0] !== 0 && o.rect[3] - o.rect[1] !== 0;
  assertSigningAllowed(doc, { targetField: target?.name, newVisibleField: visibleNew, docTimestamp, certify: !!o.certify, fields });

  const w = new IncrementalWriter(doc);
  const ed = new UpdateEditor(doc, w);
  const sigRef = w.allocate();

  // --- signature dictionary (§12.8.1 Table 252), placeholders as raw fixed-width bytes
  const sig = new PdfDict([['Type', name(docTimestamp ? 'DocTimeStamp' : 'Sig')]]);
  sig.set('Filter', name('Adobe.PPKLite'));
  sig.set('SubFilter', name(subFilter));
  sig.set('ByteRange', new PdfRaw(byteRangePlaceholder()));
  sig.set('Contents', new PdfRaw(contentsPlaceholder(size)));
  if (!docTimestamp) {
    sig.set('M', new PdfString(Buffer.from(pdfDate(o.signingTime ?? (o.clock ?? systemClock).now(), o.timeZoneOffsetMinutes), 'latin1')));
    if (o.name !== undefined) sig.set('Name', textString(o.name));
    if (o.reason !== undefined) sig.set('Reason', textString(o.reason));
    if (o.location !== undefined) sig.set('Location', textString(o.location));
    if (o.contactInfo !== undefined) sig.set('ContactInfo', textString(o.contactInfo));
  }
  const references: PdfObject[] = [];
  if (o.certify) {
    references.push(
      new PdfDict([
        ['Type', name('SigRef')],
        ['TransformMethod', name('DocMDP')],
        [
          'TransformParams',
          new PdfDict([
            ['Type', name('TransformParams')],
            ['P', o.certify],
            ['V', name('1.2')],
          ]),
        ],
      ]),
    );
    const cat = ed.catalog();
    const perms = doc.resolve(cat.get('Perms'));
    const p = perms instanceof PdfDict ? perms.clone() : new PdfDict();
    p.set('DocMDP', sigRef);
    cat.set('Perms', p);
  }
  const lock: FieldLock | PdfDict | undefined = target?.lock ?? o.lock;
  if (lock && !docTimestamp)
    references.push(
      new PdfDict([
        ['Type', name('SigRef')],
        ['TransformMethod', name('FieldMDP')],
        ['TransformParams', lockParams(lock, doc)],
      ]),
    );
  if (references.length) sig.set('Reference', references);
  w.set(sigRef, sig);

  // --- field and widget
  const apRef = o.appearance ? emitBundle(w, o.appearance) : undefined;
  let fieldName: string;
  if (target) {
    fieldName = target.name;
    const f = ed.dict(target.ref!);
    f.set('V', sigRef);
    if (apRef) {
      const wd = target.widgets[0];
      const widget = !wd || wd.ref === undefined || wd.ref.equals(target.ref!) ? f : ed.dict(wd.ref);
      widget.set('AP', new PdfDict([['N', apRef]]));
    }
    ed.acroForm().set('SigFlags', 3);
  } else {
    fieldName = o.newFieldName ?? uniqueFieldName(fields);
    const pageIndex = (o.page ?? 1) - 1;
    const page = getPage(doc, pageIndex);
    const widgetRef = w.allocate();
    const widget = new PdfDict([
      ['Type', name('Annot')],
      ['Subtype', name('Widget')],
      ['FT', name('Sig')],
      ['T', textString(fieldName)],
      ['V', sigRef],
      ['F', 132], // Print | Locked (§12.5.3)
      ['Rect', o.rect ? [...o.rect] : [0, 0, 0, 0]],
      ['P', page.ref],
    ]);
    if (apRef) widget.set('AP', new PdfDict([['N', apRef]]));
    if (o.lock) {
      const l = new PdfDict([
        ['Type', name('SigFieldLock')],
        ['Action', name(o.lock.action)],
      ]);
      if (o.lock.action !== 'All')
        l.set(
          'Fields',
          (o.lock.fields ?? []).map((x) => textString(x)),
        );
      widget.set('Lock', l);
    }
    w.set(widgetRef, widget);
    ed.appendToArray(() => ed.dict(page.ref), page.dict, 'Annots', widgetRef);
    const af = ed.acroForm();
    ed.appendToArray(() => af, af, 'Fields', widgetRef);
    af.set('SigFlags', 3);
  }

  // --- empty fields for later signers (the set of taken names only built when there are some)
  const taken = o.emptyFields?.length ? new Set<string>(fields.map((f) => f.name)).add(fieldName) : new Set<string>();
  for (const ef of o.emptyFields ?? []) {
    if (taken.has(ef.name)) throw new AppError('CONFLICT', `a field named "${ef.name}" already exists`, { details: { field: ef.name } });
    if (ef.rect && (ef.rect.length !== 4 || !ef.rect.every((x) => Number.isFinite(x))))
      throw new TypeError('rect must be four finite numbers [x1 y1 x2 y2]');
    taken.add(ef.name);
    const page = getPage(doc, (ef.page ?? 1) - 1);
    const r = w.allocate();
    w.set(
      r,
      new PdfDict([
        ['Type', name('Annot')],
        ['Subtype', name('Widget')],
        ['FT', name('Sig')],
        ['T', textString(ef.name)],
        ['F', 4], // Print
        ['Rect', ef.rect ? [...ef.rect] : [0, 0, 0, 0]],
        ['P', page.ref],
      ]),
    );
    ed.appendToArray(() => ed.dict(page.ref), page.dict, 'Annots', r);
    const af = ed.acroForm();
    ed.appendToArray(() => af, af, 'Fields', r);
    af.set('SigFlags', 3);
  }

  // --- write and locate the placeholders
  // A small file is written whole here (its original bytes copied once), so that `embed` hands it
  // out without joining; a large one keeps its upload uncopied (`embedChunks` never copies it).
  const joined = doc.bytes.length <= JOINED_FILE_MAX;
  const u = w.build({ ...(o.id ? { id: o.id } : {}), joined });
  const span = u.objects.get(sigRef.num)!;
  const rel = (abs: number): number => abs - u.base;
  const sigBytes = u.tail.subarray(rel(span.start), rel(span.end));
  const brAt = sigBytes.indexOf(BYTE_RANGE_KEY);
  const ctAt = sigBytes.indexOf(CONTENTS_KEY);
  if (brAt < 0 || ctAt < 0) throw new Error('internal: placeholders not found in the signature dictionary');
  const brStart = span.start + brAt + BYTE_RANGE_KEY.length;
  const gapStart = span.start + ctAt + CONTENTS_KEY.length;
  const gapEnd = gapStart + size * 2 + 2;
  const total = u.base + u.tail.length;
  const byteRange: ByteRange = [0, gapStart, gapEnd, total - gapEnd];
  u.tail.write(byteRangeText(byteRange), rel(brStart), 'latin1');
  return new Prepared(u.file ? u.file.subarray(0, u.base) : doc.bytes, u.tail, byteRange, size, fieldName, sigRef, subFilter);
}
