/**
 * Vietnamese and English texts for the report presenter (present.ts). Message keys are stable
 * (report.ts); their texts live in message-texts.ts. A key without a translation is shown as a
 * readable form of the key itself.
 */
import { MESSAGE_TEXTS, SUB_INDICATION_TEXTS } from './message-texts.js';

export type Lang = 'vi' | 'en';
export const LANGS: readonly Lang[] = ['vi', 'en'];

type Texts = Readonly<Record<string, readonly [vi: string, en: string]>>;

/** Labels of the rendered reports (exported for the language tests). */
export const LABEL_TEXTS: Texts = {
  title: ['Báo cáo kiểm tra chữ ký số', 'Signature verification report'],
  document: ['Tài liệu', 'Document'],
  sha256: ['Mã băm SHA-256', 'SHA-256 hash'],
  size: ['Kích thước', 'Size'],
  revisions: ['Số phiên bản lưu', 'Revisions'],
  pages: ['Số trang', 'Pages'],
  validationTime: ['Thời điểm kiểm tra', 'Validation time'],
  overall: ['Kết luận chung', 'Overall result'],
  signature: ['Chữ ký', 'Signature'],
  field: ['Trường chữ ký', 'Field'],
  kind: ['Loại', 'Kind'],
  level: ['Mức PAdES', 'PAdES level'],
  signer: ['Người ký', 'Signer'],
  issuer: ['Cơ quan cấp', 'Issuer'],
  chain: ['Chuỗi chứng thư', 'Certificate chain'],
  anchor: ['Chứng thư gốc tin cậy', 'Trust anchor'],
  none: ['không có', 'none'],
  claimedTime: ['Thời điểm ký (khai báo)', 'Claimed signing time'],
  bestTime: ['Thời điểm ký được chứng minh', 'Best signature time'],
  timestamps: ['Dấu thời gian', 'Timestamps'],
  integrity: ['Toàn vẹn', 'Integrity'],
  byteRange: ['Vùng dữ liệu được ký hợp lệ', 'Byte range valid'],
  digest: ['Mã băm khớp', 'Digest matches'],
  crypto: ['Chữ ký mật mã hợp lệ', 'Signature value valid'],
  coverage: ['Phạm vi ký', 'Coverage'],
  signedRevision: ['Phiên bản được ký', 'Signed revision'],
  bytes: ['byte', 'bytes'],
  modifications: ['Thay đổi sau khi ký', 'Changes after signing'],
  revocation: ['Tình trạng thu hồi', 'Revocation'],
  errors: ['Lỗi', 'Errors'],
  warnings: ['Cảnh báo', 'Warnings'],
  yes: ['có', 'yes'],
  no: ['không', 'no'],
  noSignatures: ['Không tìm thấy chữ ký nào.', 'No signature found.'],
  approval: ['Chữ ký phê duyệt', 'Approval signature'],
  certification: ['Chữ ký chứng nhận (DocMDP)', 'Certification signature (DocMDP)'],
  documentTimestamp: ['Dấu thời gian tài liệu', 'Document timestamp'],
  docMdp: ['Quyền thay đổi (DocMDP P)', 'Permitted changes (DocMDP P)'],
  ENTIRE_FILE: ['toàn bộ tệp', 'entire file'],
  ENTIRE_REVISION: ['toàn bộ phiên bản đã ký', 'entire signed revision'],
  INVALID: ['không hợp lệ', 'invalid'],
  NONE: ['không có', 'none'],
  LTA_UPDATES: ['chỉ bổ sung dữ liệu kiểm tra dài hạn', 'long-term validation data only'],
  FORM_FILLING: ['điền biểu mẫu hoặc ký thêm', 'form filling or further signatures'],
  ANNOTATIONS: ['thêm chú thích', 'annotations'],
  OTHER: ['thay đổi không được phép', 'changes that are not permitted'],
  'state.valid': ['HỢP LỆ — văn bản không bị thay đổi sau khi ký', 'VALID — the document was not changed after signing'],
  'state.changed': [
    'HỢP LỆ NHƯNG ĐÃ CÓ THAY ĐỔI SAU KHI KÝ — xem các thay đổi bên dưới',
    'VALID BUT CHANGED AFTER SIGNING — see the changes below',
  ],
  'state.invalid': ['KHÔNG HỢP LỆ — không thể tin cậy chữ ký', 'NOT VALID — the signature cannot be relied on'],
  signedBy: ['Người ký', 'Signed by'],
  organization: ['Đơn vị', 'Organization'],
  signedAt: ['Thời điểm ký', 'Signing time'],
  timeProven: ['được chứng minh bằng dấu thời gian tin cậy', 'proven by a trusted timestamp'],
  timeClaimed: ['theo khai báo của người ký, không có dấu thời gian', 'as stated by the signer, no timestamp'],
  page: ['trang', 'page'],
  changes: ['Thay đổi sau khi ký', 'Changes after signing'],
  viewSignedRevision: ['Xem phiên bản đã ký', 'View the signed revision'],
  reason: ['Lý do', 'Reason'],
  unknownSigner: ['không xác định', 'unknown'],
};

const INDICATIONS: Texts = {
  TOTAL_PASSED: ['HỢP LỆ', 'TOTAL PASSED'],
  TOTAL_FAILED: ['KHÔNG HỢP LỆ', 'TOTAL FAILED'],
  INDETERMINATE: ['CHƯA XÁC ĐỊNH', 'INDETERMINATE'],
  ...SUB_INDICATION_TEXTS,
};

function humanize(key: string): string {
  return key.toLowerCase().replace(/_/g, ' ');
}

export function label(key: string, lang: Lang): string {
  const t = LABEL_TEXTS[key];
  return t ? t[lang === 'vi' ? 0 : 1] : key;
}
export function indicationText(key: string | null, lang: Lang): string {
  if (!key) return '';
  const t = INDICATIONS[key];
  return t ? t[lang === 'vi' ? 0 : 1] : humanize(key);
}
export function messageText(key: string, lang: Lang): string {
  const t = (MESSAGE_TEXTS as Texts)[key];
  return t ? t[lang === 'vi' ? 0 : 1] : humanize(key);
}
