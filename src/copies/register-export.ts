import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, type PDFFont, type PDFPage } from 'pdf-lib';
import type { CopyFonts } from './copy-document.js';
import type { RegisterEntryRecord } from './ports.js';
import { certificationNumberLabel, volumeLabel } from './register-labels.js';
import { formatVietnamDate } from '../core/vietnam-time.js';

/**
 * Register exports: CSV for spreadsheets and archives (RFC 4180, UTF-8 with BOM so that Excel
 * shows Vietnamese correctly) and a PDF listing that the authority then signs.
 */
const COLUMNS = [
  'so_chung_thuc',
  'quyen_so',
  'ngay_chung_thuc',
  'trang_thai',
  'nguoi_yeu_cau',
  'giay_to_tuy_than',
  'loai_giay_to',
  'ten_giay_to',
  'co_quan_cap',
  'so_trang',
  'so_ban',
  'le_phi_vnd',
  'sha256_ban_chinh',
  'sha256_ban_sao',
  'ma_tra_cuu',
  'ly_do_trang_thai',
] as const;

function csvCell(v: string | number | null): string {
  const s = v === null ? '' : String(v);
  // Cells starting with = + - @ are prefixed so spreadsheets do not evaluate them (CSV injection).
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function registerCsv(entries: readonly RegisterEntryRecord[]): string {
  const rows = [COLUMNS.join(',')];
  for (const e of entries) {
    rows.push(
      [
        certificationNumberLabel(e.number),
        volumeLabel(e.volume, e.year, e.registerType),
        formatVietnamDate(e.certifiedAt),
        e.status,
        e.requesterName,
        e.requesterIdDocument,
        e.documentType,
        e.documentTitle,
        e.documentIssuer,
        e.originalPages,
        e.copies,
        e.feeTotal,
        e.originalSha256,
        e.copySha256,
        e.lookupCode,
        e.statusReason,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return '\ufeff' + rows.join('\r\n') + '\r\n';
}

export interface RegisterPdfInput {
  readonly authorityName: string;
  readonly year: number;
  readonly entries: readonly RegisterEntryRecord[];
  readonly generatedAt: Date;
  readonly total: number | null;
}

/** Landscape A4 listing of the register, unsigned (the caller signs it with the authority's seal). */
export async function registerPdf(input: RegisterPdfInput, fonts: CopyFonts): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  doc.setTitle(`Sổ chứng thực bản sao từ bản chính ${input.year} - ${input.authorityName}`);
  doc.setProducer('kyso');
  const font = await doc.embedFont(fonts.regular, { subset: true });
  const bold = await doc.embedFont(fonts.bold, { subset: true });
  const size: [number, number] = [841.89, 595.28];
  const cols = [36, 70, 150, 215, 270, 400, 540, 600, 650, 700];
  const head = ['Số', 'Quyển số', 'Ngày', 'Trạng thái', 'Người yêu cầu', 'Giấy tờ', 'Số trang', 'Số bản', 'Lệ phí', 'Mã tra cứu'];
  let page: PDFPage | undefined;
  let y = 0;
  const newPage = (): void => {
    page = doc.addPage(size);
    y = size[1] - 40;
    page.drawText(`SỔ CHỨNG THỰC BẢN SAO TỪ BẢN CHÍNH (SỔ ĐIỆN TỬ) NĂM ${input.year}`, { x: 36, y, size: 13, font: bold });
    y -= 16;
    page.drawText(input.authorityName, { x: 36, y, size: 11, font });
    y -= 22;
    head.forEach((h, i) => page!.drawText(h, { x: cols[i]!, y, size: 9, font: bold }));
    y -= 14;
  };
  newPage();
  for (const e of input.entries) {
    if (y < 40) newPage();
    const cells = [
      certificationNumberLabel(e.number),
      volumeLabel(e.volume, e.year, e.registerType),
      formatVietnamDate(e.certifiedAt),
      e.status,
      e.requesterName,
      `${e.documentType}: ${e.documentTitle}`,
      String(e.originalPages),
      String(e.copies),
      String(e.feeTotal),
      e.lookupCode,
    ];
    cells.forEach((c, i) => page!.drawText(fit(c, font, 9, (cols[i + 1] ?? 800) - cols[i]! - 4), { x: cols[i]!, y, size: 9, font }));
    y -= 12;
  }
  if (y < 60) newPage();
  y -= 10;
  const totalLine =
    input.total === null ? `Số mục: ${input.entries.length}` : `Khóa sổ năm ${input.year}: tổng số ${input.total} việc chứng thực.`;
  page!.drawText(totalLine, { x: 36, y, size: 10, font: bold });
  page!.drawText(`Xuất lúc ${formatVietnamDate(input.generatedAt)}`, { x: 36, y: y - 14, size: 9, font });
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

function fit(s: string, font: PDFFont, size: number, width: number): string {
  if (font.widthOfTextAtSize(s, size) <= width) return s;
  let t = s;
  while (t.length > 1 && font.widthOfTextAtSize(`${t}…`, size) > width) t = t.slice(0, -1);
  return `${t}…`;
}
