#!/usr/bin/env node
// Generates examples/quyet-dinh.pdf: a one-page Vietnamese administrative decision ("Quyết định")
// in the layout of Decree 30/2020/NĐ-CP, with an embedded subset of Liberation Serif (OFL, shipped
// in assets/fonts) so every diacritic renders. Run: node examples/make-result-pdf.mjs [out.pdf]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PDFDocument, rgb } from 'pdf-lib';
import fontkit from '@pdf-lib/fontkit';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] ?? join(here, 'quyet-dinh.pdf');
const fonts = join(here, '..', 'assets', 'fonts');

const doc = await PDFDocument.create({ updateMetadata: false });
doc.registerFontkit(fontkit);
const regular = await doc.embedFont(readFileSync(join(fonts, 'LiberationSerif-Regular.ttf')), { subset: true });
const bold = await doc.embedFont(readFileSync(join(fonts, 'LiberationSerif-Bold.ttf')), { subset: true });
doc.setTitle('Quyết định cấp giấy phép xây dựng');
doc.setAuthor('UBND huyện Vân Đồn');
doc.setProducer('kyso examples');
doc.setCreationDate(new Date('2026-11-20T08:00:00+07:00'));
doc.setModificationDate(new Date('2026-11-20T08:00:00+07:00'));

const page = doc.addPage([595.28, 841.89]); // A4
const black = rgb(0, 0, 0);
const centre = (text, font, size, cx, y) =>
  page.drawText(text, { x: cx - font.widthOfTextAtSize(text, size) / 2, y, size, font, color: black });

centre('ỦY BAN NHÂN DÂN', regular, 12, 150, 790);
centre('HUYỆN VÂN ĐỒN', bold, 12, 150, 775);
centre('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', bold, 12, 410, 790);
centre('Độc lập - Tự do - Hạnh phúc', bold, 13, 410, 774);
page.drawLine({ start: { x: 345, y: 770 }, end: { x: 475, y: 770 }, thickness: 0.6 });
centre('Số: 1234/QĐ-UBND', regular, 12, 150, 752);
page.drawText('Vân Đồn, ngày 20 tháng 11 năm 2026', { x: 318, y: 752, size: 12, font: regular, color: black });

centre('QUYẾT ĐỊNH', bold, 14, 297.6, 712);
centre('Về việc cấp giấy phép xây dựng nhà ở riêng lẻ', bold, 13, 297.6, 695);
centre('CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN VÂN ĐỒN', bold, 13, 297.6, 665);

const body = [
  'Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;',
  'Căn cứ Luật Xây dựng ngày 18 tháng 6 năm 2014 và Luật sửa đổi, bổ sung năm 2020;',
  'Xét đề nghị của Trưởng phòng Kinh tế và Hạ tầng tại Tờ trình số 56/TTr-KTHT.',
];
let y = 635;
for (const line of body) {
  page.drawText(line, { x: 85, y, size: 12, font: regular, color: black, maxWidth: 440 });
  y -= 20;
}
centre('QUYẾT ĐỊNH:', bold, 13, 297.6, y - 6);
y -= 34;
const articles = [
  ['Điều 1. ', 'Cấp giấy phép xây dựng nhà ở riêng lẻ cho ông Nguyễn Văn Đẳng, thửa đất số 123,'],
  ['', 'tờ bản đồ số 45, xã Đông Xá; diện tích xây dựng 96 m², 3 tầng, chiều cao 11,5 m.'],
  ['Điều 2. ', 'Chủ đầu tư có trách nhiệm thực hiện đúng giấy phép và các quy định hiện hành.'],
  ['Điều 3. ', 'Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng HĐND và UBND huyện,'],
  ['', 'Trưởng phòng Kinh tế và Hạ tầng, Chủ tịch UBND xã Đông Xá và ông Nguyễn Văn Đẳng'],
  ['', 'chịu trách nhiệm thi hành Quyết định này./.'],
];
for (const [head, text] of articles) {
  let x = 85;
  if (head) {
    page.drawText(head, { x, y, size: 12, font: bold, color: black });
    x += bold.widthOfTextAtSize(head, 12);
  } else x = 85 + 12;
  page.drawText(text, { x, y, size: 12, font: regular, color: black });
  y -= 20;
}
page.drawText('Nơi nhận:', { x: 70, y: 330, size: 11, font: bold, color: black });
for (const [i, t] of ['- Như Điều 3;', '- Lưu: VT, KTHT.'].entries())
  page.drawText(t, { x: 70, y: 315 - i * 14, size: 10, font: regular, color: black });
centre('KT. CHỦ TỊCH', bold, 12, 420, 330);
centre('PHÓ CHỦ TỊCH', bold, 12, 420, 315);
// The approver's stamp goes at [340, 215, 160, 90] and the agency seal over its left third.

writeFileSync(out, await doc.save({ useObjectStreams: false }));
console.log(`wrote ${out}`);
