/**
 * Vietnamese and English texts for the report renderers. Message keys are stable (report.ts);
 * a key without a translation is shown as a readable form of the key itself.
 */
export type Lang = 'vi' | 'en';

type Texts = Record<string, [vi: string, en: string]>;

const LABELS: Texts = {
  title: ['Báo cáo kiểm tra chữ ký số', 'Signature verification report'],
  document: ['Tài liệu', 'Document'],
  sha256: ['Mã băm SHA-256', 'SHA-256'],
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
  byteRange: ['Vùng ký (ByteRange) hợp lệ', 'Byte range valid'],
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
};

const INDICATIONS: Texts = {
  TOTAL_PASSED: ['HỢP LỆ', 'TOTAL PASSED'],
  TOTAL_FAILED: ['KHÔNG HỢP LỆ', 'TOTAL FAILED'],
  INDETERMINATE: ['CHƯA XÁC ĐỊNH', 'INDETERMINATE'],
  FORMAT_FAILURE: ['lỗi định dạng', 'format failure'],
  HASH_FAILURE: ['nội dung đã bị thay đổi (mã băm không khớp)', 'hash failure (content changed)'],
  SIG_CRYPTO_FAILURE: ['chữ ký mật mã không hợp lệ', 'signature value invalid'],
  SIG_CONSTRAINTS_FAILURE: ['vi phạm ràng buộc kiểm tra', 'validation constraints failed'],
  CRYPTO_CONSTRAINTS_FAILURE: ['thuật toán không đủ an toàn', 'cryptographic constraints failed'],
  REVOKED: ['chứng thư đã bị thu hồi', 'certificate revoked'],
  EXPIRED: ['chứng thư đã hết hạn', 'certificate expired'],
  NOT_YET_VALID: ['chứng thư chưa có hiệu lực', 'certificate not yet valid'],
  NO_CERTIFICATE_CHAIN_FOUND: ['không dựng được chuỗi tới chứng thư gốc tin cậy', 'no chain to a trust anchor'],
  CERTIFICATE_CHAIN_GENERAL_FAILURE: ['chuỗi chứng thư không hợp lệ', 'certificate chain failure'],
  NO_SIGNING_CERTIFICATE_FOUND: ['không xác định được chứng thư người ký', 'signing certificate not identified'],
  OUT_OF_BOUNDS_NO_POE: ['chứng thư hết hạn và không có bằng chứng thời điểm ký', 'certificate expired, no proof of existence'],
  TRY_LATER: ['chưa có thông tin thu hồi', 'revocation information not available'],
  NO_SIGNATURE_FOUND: ['không có chữ ký', 'no signature found'],
};

const MESSAGES: Texts = {
  NO_SIGNATURE_FOUND: ['Tài liệu không có chữ ký số.', 'The document has no signature.'],
  PDF_XREF_RECOVERED: [
    'Bảng tham chiếu của tệp bị hỏng, đã đọc lại bằng cách dò tìm.',
    'The cross-reference table is damaged and was recovered.',
  ],
  ENCRYPTED_DOCUMENT: ['Tài liệu được mã hóa.', 'The document is encrypted.'],
  EMPTY_SIGNATURE_PLACEHOLDER: ['Có trường chữ ký chưa ký.', 'An unsigned signature placeholder is present.'],
  BYTE_RANGE_MALFORMED: ['ByteRange sai cấu trúc.', 'Malformed /ByteRange.'],
  BYTE_RANGE_NOT_FROM_START: ['Vùng ký không bắt đầu từ đầu tệp.', 'The byte range does not start at 0.'],
  BYTE_RANGE_OUTSIDE_FILE: ['Vùng ký vượt ra ngoài tệp.', 'The byte range lies outside the file.'],
  BYTE_RANGE_GAP_NOT_CONTENTS: ['Khoảng trống của vùng ký không phải là giá trị chữ ký.', 'The gap is not the /Contents string.'],
  BYTE_RANGE_CONTENTS_MISMATCH: [
    'Giá trị chữ ký trong khoảng trống khác với từ điển chữ ký (tấn công bọc chữ ký).',
    "The gap differs from this dictionary's /Contents (wrapping attack).",
  ],
  BYTE_RANGE_OVERLAP: ['Các vùng ký chồng lên nhau.', 'Overlapping byte ranges.'],
  COVERAGE_INVALID: ['Vùng ký không phủ trọn một phiên bản của tài liệu.', 'The signed bytes do not cover a complete revision.'],
  SIGNATURE_DICTIONARY_INCONSISTENT: ['Từ điển chữ ký đã bị sửa sau khi ký.', 'The signature dictionary was redefined after signing.'],
  CMS_MALFORMED: ['Dữ liệu chữ ký (CMS) sai cấu trúc.', 'The CMS signature is malformed.'],
  CMS_NOT_ONE_SIGNER: ['CMS phải có đúng một người ký.', 'The CMS must have exactly one SignerInfo.'],
  CMS_ENCAPSULATED_CONTENT: ['CMS chứa nội dung đóng gói (không được phép).', 'The CMS encapsulates content (not allowed).'],
  SIGNER_CERT_MISSING: ['Thiếu chứng thư của người ký.', 'The signer certificate is missing.'],
  DIGEST_MISMATCH: ['Mã băm không khớp: nội dung đã bị thay đổi.', 'Digest mismatch: the signed content was changed.'],
  SIGNATURE_INVALID: ['Giá trị chữ ký không hợp lệ.', 'The signature value is invalid.'],
  SIGNED_ATTRIBUTES_NOT_DER: ['Thuộc tính ký không theo thứ tự DER.', 'Signed attributes are not DER-sorted.'],
  SIGNING_CERTIFICATE_V2_ABSENT: ['Thiếu thuộc tính signing-certificate-v2.', 'The signing-certificate-v2 attribute is absent.'],
  SIGNING_CERTIFICATE_V2_MISMATCH: [
    'signing-certificate-v2 không khớp chứng thư người ký.',
    'signing-certificate-v2 does not match the signer.',
  ],
  CHAIN_NO_TRUST_ANCHOR: ['Chứng thư không chuỗi tới gốc tin cậy.', 'The certificate does not chain to a trust anchor.'],
  CERT_EXPIRED: ['Chứng thư đã hết hạn.', 'The certificate has expired.'],
  CERT_NOT_YET_VALID: ['Chứng thư chưa có hiệu lực.', 'The certificate is not yet valid.'],
  CERT_KEY_USAGE: ['Mục đích sử dụng khóa không cho phép ký.', 'Key usage does not allow signing.'],
  CERT_REVOKED: ['Chứng thư đã bị thu hồi.', 'The certificate is revoked.'],
  TSA_CERT_REVOKED: [
    'Chứng thư của đơn vị cấp dấu thời gian đã bị thu hồi trước thời điểm cấp dấu.',
    'The timestamp authority certificate was revoked before the timestamp time.',
  ],
  TSA_REVOCATION_UNKNOWN: [
    'Không rõ trạng thái thu hồi của chứng thư đơn vị cấp dấu thời gian.',
    'The revocation status of the timestamp authority certificate is unknown.',
  ],
  OCSP_RESPONDER_REVOKED: ['Chứng thư của máy chủ OCSP đã bị thu hồi.', 'The OCSP responder certificate is revoked.'],
  PDF_XREF_PREV_BROKEN: [
    'Một liên kết /Prev của bảng tham chiếu chéo trỏ tới chỗ không có bảng; các phiên bản được dựng lại — trình xem khác có thể hiển thị nội dung khác.',
    'A /Prev link of the cross-reference data points where there is none; revisions were rebuilt, so another viewer may show different content.',
  ],
  PDF_XREF_OFFSET_WRONG: [
    'Một mục của bảng tham chiếu chéo không trỏ đúng đối tượng của nó; trình xem khác có thể hiển thị nội dung khác.',
    'A cross-reference entry does not point at its object; another viewer may show different content.',
  ],
  PDF_OBJSTM_DUPLICATE_OBJECT: [
    'Một luồng đối tượng chứa cùng một số đối tượng hai lần: mỗi trình xem có thể hiển thị một tài liệu khác.',
    'An object stream holds the same object number twice: different viewers may show different documents.',
  ],
  PDF_OBJECTS_OUTSIDE_XREF: [
    'Có đối tượng được thêm sau khi ký mà không bảng tham chiếu chéo nào liệt kê; trình xem dựng lại bảng sẽ hiển thị chúng.',
    'Objects were added after signing that no cross-reference section lists; viewers that rebuild the table show them.',
  ],
  PDF_OBJECTS_AFTER_EOF: [
    'Có đối tượng nằm sau dấu kết thúc tệp %%EOF cuối cùng; trình xem dựng lại bảng sẽ hiển thị chúng.',
    'Objects are defined after the final %%EOF; viewers that rebuild the table show them.',
  ],
  MODIFICATION_ROOT_REPLACED: [
    'Sau khi ký, phần trailer trỏ tới một danh mục (catalog) khác: tài liệu hiển thị có thể không phải tài liệu đã ký.',
    'After signing, the trailer names another catalog: the document shown may not be the one signed.',
  ],
  MODIFICATION_ACTION_ADDED: [
    'Sau khi ký, một hành động (JavaScript, mở tệp, gửi biểu mẫu, /OpenAction, /AA …) đã được thêm vào.',
    'After signing, an action was added (JavaScript, Launch, SubmitForm, ImportData, /OpenAction, /AA …).',
  ],
  REVOCATION_KEY_COMPROMISE_LATER: [
    'Chứng thư bị thu hồi vì lộ khóa sau thời điểm cần xét: khóa có thể đã bị lạm dụng trước đó, nên không được dùng làm bằng chứng.',
    'The certificate was revoked for key compromise after the time in question: the key may have been misused before, so it is not accepted as proof.',
  ],
  MODIFICATION_COVERS_CONTENT: [
    'Sau khi ký, một chú thích, ô biểu mẫu hoặc chữ ký được đặt đè lên chữ hoặc hình của nội dung đã ký: nội dung hiển thị có thể khác nội dung đã ký.',
    'After signing, an annotation, form field or signature was laid over text or images of the signed content: what is shown may differ from what was signed.',
  ],
  MODIFICATION_SIGNATURE_FORGED: [
    'Sau khi ký, một ô chữ ký được gán giá trị không phải chữ ký hợp lệ (chữ ký giả).',
    'After signing, a signature field was given a value that is not a valid signature (a forged signature).',
  ],
  MODIFICATION_FIELD_ADDED: [
    'Sau khi ký, một ô biểu mẫu mới hoặc một vị trí hiển thị mới của ô có sẵn đã được thêm: chữ ký chứng nhận chỉ cho phép điền và ký.',
    'After signing, a new form field or a new widget of an existing field was added: the certification only permits filling in and signing.',
  ],
  REVOCATION_DATA_MISSING: ['Không có thông tin thu hồi (CRL/OCSP).', 'No revocation information (CRL/OCSP).'],
  TST_IMPRINT_MISMATCH: ['Dấu thời gian không gắn với chữ ký này (bị sao chép).', 'The timestamp is not bound to this signature (copied).'],
  TST_SIGNATURE_INVALID: ['Chữ ký của dấu thời gian không hợp lệ.', 'The timestamp signature is invalid.'],
  MODIFICATION_OTHER: [
    'Tài liệu bị thay đổi sau khi ký theo cách không được phép.',
    'The document was changed after signing in a way that is not permitted.',
  ],
  MODIFICATION_PAGE_COUNT: ['Số trang đã thay đổi sau khi ký.', 'The page count changed after signing.'],
  MODIFICATION_ANNOTATION: ['Có chú thích được thêm sau khi ký.', 'Annotations were added after signing.'],
  MODIFICATION_FORM_FILL: ['Có điền biểu mẫu hoặc ký thêm sau khi ký.', 'Form filling or further signatures after signing.'],
  DOCMDP_VIOLATION: ['Vi phạm quyền thay đổi của chữ ký chứng nhận.', "Violates the certification signature's permissions."],
  DOCMDP_NEW_VISIBLE_SIGNATURE_FIELD: [
    'Thêm trường chữ ký hiển thị mới trong tài liệu đã chứng nhận.',
    'New visible signature field in a certified document.',
  ],
  FIELDMDP_VIOLATION: ['Trường đã khóa bị thay đổi.', 'A locked field was changed.'],
  DOC_TIMESTAMP_TYPE_INVALID: ['Dấu thời gian tài liệu có /Type sai, bị bỏ qua.', 'A document timestamp with a wrong /Type was ignored.'],
  LIMIT_TIME: ['Vượt quá thời gian cho phép khi kiểm tra.', 'The time budget was exceeded.'],
  LIMIT_SIZE: ['Tệp quá lớn.', 'The file is too large.'],
  PDF_UNREADABLE_STRUCTURE: ['Không đọc được cấu trúc tệp.', 'The file structure could not be read.'],
};

function humanize(key: string): string {
  return key.toLowerCase().replace(/_/g, ' ');
}

export function label(key: string, lang: Lang): string {
  const t = LABELS[key];
  return t ? t[lang === 'vi' ? 0 : 1] : key;
}
export function indicationText(key: string | null, lang: Lang): string {
  if (!key) return '';
  const t = INDICATIONS[key];
  return t ? t[lang === 'vi' ? 0 : 1] : humanize(key);
}
export function messageText(key: string, lang: Lang): string {
  const t = MESSAGES[key];
  return t ? t[lang === 'vi' ? 0 : 1] : humanize(key);
}
