/**
 * A one-page form as an office tool writes it (pdf-lib): the signed line "Result page 1: approved"
 * and two empty text fields with transparent widgets — "Note" lying over the signed line (the
 * shadow "replace" layout: harmless while empty) and "Name" on empty page area.
 */
import { PDFDocument, StandardFonts } from 'pdf-lib';

export const NOTE_RECT = { x: 45, y: 772, width: 180, height: 26 };
export const NAME_RECT = { x: 300, y: 700, width: 200, height: 20 };

export async function formPdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([595, 842]);
  page.drawText('Result page 1: approved', { x: 50, y: 780, size: 14, font });
  const form = doc.getForm();
  const clear = { borderWidth: 0, borderColor: undefined, backgroundColor: undefined };
  form.createTextField('Note').addToPage(page, { ...NOTE_RECT, ...clear });
  form.createTextField('Name').addToPage(page, { ...NAME_RECT, ...clear });
  doc.setCreationDate(new Date('2026-01-01T00:00:00Z'));
  doc.setModificationDate(new Date('2026-01-01T00:00:00Z'));
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}
