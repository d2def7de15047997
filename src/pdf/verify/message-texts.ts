/**
 * Plain-language Vietnamese and English texts of the validator's stable message keys (report.ts
 * MESSAGE_KEYS) and of the ETSI EN 319 102-1 §5.1.3 sub-indications, written for a citizen rather
 * than a PKI specialist. The one source of these texts: the CLI, the HTML and PDF reports and the
 * web page (through the presenter's model in the verify API response) all read them from here.
 */
import type { MessageKey, SubIndication } from './report.js';

export type Texts<K extends string> = Readonly<Record<K, readonly [vi: string, en: string]>>;

export const MESSAGE_TEXTS: Texts<MessageKey> = {
  NO_SIGNATURE_FOUND: ['Tệp này không có chữ ký số nào.', 'This file carries no digital signature.'],
  PDF_UNREADABLE_STRUCTURE: [
    'Không đọc được cấu trúc tệp PDF; tệp có thể bị hỏng hoặc không phải PDF.',
    'The PDF structure could not be read; the file may be damaged or not a PDF.',
  ],
  PDF_XREF_RECOVERED: [
    'Bảng mục lục của tệp bị hỏng và đã được dựng lại; hãy thận trọng.',
    "The file's cross-reference table was damaged and had to be rebuilt; be careful.",
  ],
  PDF_ENCRYPTED: ['Tệp được mã hóa nên không kiểm tra được.', 'The file is encrypted and cannot be checked.'],
  LIMIT_SIZE: ['Tệp vượt quá kích thước cho phép để kiểm tra.', 'The file is larger than the checker accepts.'],
  LIMIT_REVISIONS: ['Tệp có quá nhiều lần lưu bổ sung.', 'The file has too many saved revisions.'],
  LIMIT_OBJECTS: ['Tệp có quá nhiều đối tượng.', 'The file has too many objects.'],
  LIMIT_INFLATE: [
    'Dữ liệu nén trong tệp giãn ra quá lớn (có thể là tệp độc hại).',
    'Compressed data in the file expands too much (possibly a hostile file).',
  ],
  LIMIT_DEPTH: ['Cấu trúc tệp lồng nhau quá sâu.', 'The file structure is nested too deeply.'],
  LIMIT_TIME: ['Việc kiểm tra vượt quá thời gian cho phép.', 'Checking took longer than allowed.'],
  LIMIT_SIGNATURES: ['Tệp có quá nhiều chữ ký.', 'The file has too many signatures.'],
  BYTE_RANGE_MALFORMED: ['Thông tin vùng dữ liệu được ký bị sai cấu trúc.', 'The description of the signed bytes is malformed.'],
  BYTE_RANGE_NOT_FROM_START: [
    'Chữ ký không bắt đầu từ đầu tệp, nên không bảo vệ toàn bộ nội dung.',
    'The signature does not start at the beginning of the file, so it does not protect all content.',
  ],
  BYTE_RANGE_OUTSIDE_FILE: ['Vùng được ký vượt ra ngoài tệp.', 'The signed range lies outside the file.'],
  BYTE_RANGE_GAP_NOT_CONTENTS: [
    'Phần không được ký không phải là giá trị chữ ký: có thể là tấn công giả mạo.',
    'The unsigned gap is not the signature value: a possible forgery attack.',
  ],
  BYTE_RANGE_CONTENTS_MISMATCH: [
    'Giá trị chữ ký đã bị tráo (tấn công bọc chữ ký).',
    'The signature value was swapped (signature wrapping attack).',
  ],
  BYTE_RANGE_OVERLAP: ['Các vùng được ký chồng lên nhau.', 'The signed ranges overlap.'],
  CONTENTS_NOT_HEX_STRING: ['Giá trị chữ ký không được lưu đúng dạng.', 'The signature value is not stored in the required form.'],
  COVERAGE_INVALID: [
    'Chữ ký không phủ trọn một phiên bản của văn bản.',
    'The signature does not cover a complete version of the document.',
  ],
  SIGNATURE_DICTIONARY_INCONSISTENT: ['Thông tin chữ ký đã bị sửa sau khi ký.', 'The signature information was altered after signing.'],
  CMS_MALFORMED: ['Dữ liệu chữ ký bị hỏng hoặc sai định dạng.', 'The signature data is damaged or malformed.'],
  CMS_NOT_ONE_SIGNER: ['Mỗi chữ ký phải có đúng một người ký.', 'Each signature must have exactly one signer.'],
  CMS_ENCAPSULATED_CONTENT: ['Dữ liệu chữ ký chứa nội dung không được phép.', 'The signature data embeds content, which is not allowed.'],
  SIGNER_CERT_MISSING: ['Không tìm thấy chứng thư số của người ký.', "The signer's certificate is missing."],
  DIGEST_MISMATCH: ['Nội dung văn bản đã bị thay đổi sau khi ký.', 'The document content was changed after it was signed.'],
  SIGNATURE_INVALID: [
    'Giá trị chữ ký không khớp với chứng thư của người ký.',
    "The signature value does not match the signer's certificate.",
  ],
  SIGNATURE_ALGORITHM_UNSUPPORTED: ['Thuật toán ký không được hỗ trợ.', 'The signature algorithm is not supported.'],
  DIGEST_ALGORITHM_UNSUPPORTED: ['Thuật toán băm không được hỗ trợ.', 'The hash algorithm is not supported.'],
  DIGEST_ALGORITHM_WEAK: ['Thuật toán băm đã lỗi thời, kém an toàn.', 'The hash algorithm is outdated and weak.'],
  ALGORITHM_MISMATCH: ['Thuật toán khai báo không khớp với khóa của người ký.', "The declared algorithm does not match the signer's key."],
  SIGNER_KEY_UNSUPPORTED: ['Loại khóa của người ký không được hỗ trợ.', "The signer's key type is not supported."],
  SIGNED_ATTRIBUTES_NOT_DER: ['Các thuộc tính được ký không theo mã hóa chuẩn.', 'The signed attributes are not in canonical encoding.'],
  SIGNED_ATTRIBUTES_CONTENT_TYPE: ['Thuộc tính loại nội dung của chữ ký không đúng.', "The signature's content-type attribute is wrong."],
  SIGNING_TIME_ATTRIBUTE_PRESENT: [
    'Chữ ký khai báo thời điểm ký theo cách PAdES không cho phép.',
    'The signature states its signing time in a way PAdES does not allow.',
  ],
  SIGNING_CERTIFICATE_V2_ABSENT: [
    'Chữ ký không gắn chặt với chứng thư người ký.',
    "The signature is not bound to the signer's certificate.",
  ],
  SIGNING_CERTIFICATE_V2_MISMATCH: [
    'Chữ ký gắn với một chứng thư khác với chứng thư đi kèm.',
    'The signature is bound to a different certificate than the one provided.',
  ],
  SIGNING_CERTIFICATE_V1_ONLY: [
    'Chữ ký chỉ gắn với chứng thư bằng thuật toán cũ (SHA-1).',
    'The signature binds the certificate only with the old SHA-1 form.',
  ],
  CHAIN_NO_TRUST_ANCHOR: [
    'Chứng thư của người ký không do tổ chức cung cấp dịch vụ được tin cậy cấp.',
    "The signer's certificate was not issued by a trusted authority.",
  ],
  CHAIN_INTERMEDIATE_NOT_CA: [
    'Một chứng thư trung gian không có quyền cấp chứng thư.',
    'An intermediate certificate is not allowed to issue certificates.',
  ],
  CHAIN_INTERMEDIATE_KEY_USAGE: [
    'Một chứng thư trung gian không được phép ký chứng thư.',
    'An intermediate certificate may not sign certificates.',
  ],
  CHAIN_PATH_LENGTH: ['Chuỗi chứng thư dài hơn mức cho phép.', 'The certificate chain is longer than allowed.'],
  CHAIN_CA_EXPIRED: ['Chứng thư của tổ chức cấp đã hết hạn.', "The issuing authority's certificate has expired."],
  CERT_EXPIRED: ['Chứng thư của người ký đã hết hạn vào thời điểm ký.', "The signer's certificate had expired at signing time."],
  CERT_NOT_YET_VALID: [
    'Chứng thư của người ký chưa có hiệu lực vào thời điểm ký.',
    "The signer's certificate was not yet valid at signing time.",
  ],
  CERT_KEY_USAGE: [
    'Chứng thư của người ký không được phép dùng để ký văn bản.',
    "The signer's certificate may not be used to sign documents.",
  ],
  CERT_UNKNOWN_CRITICAL_EXTENSION: [
    'Chứng thư có phần mở rộng bắt buộc mà hệ thống không hiểu.',
    'The certificate has a critical extension the checker does not understand.',
  ],
  CERT_REVOKED: ['Chứng thư của người ký đã bị thu hồi.', "The signer's certificate has been revoked."],
  REVOCATION_DATA_MISSING: [
    'Chưa kiểm tra được chứng thư có bị thu hồi hay không (thiếu CRL/OCSP).',
    'Could not check whether the certificate was revoked (no CRL/OCSP).',
  ],
  REVOCATION_OCSP_UNREACHABLE: ['Không kết nối được dịch vụ OCSP để kiểm tra thu hồi.', 'The OCSP service could not be reached.'],
  REVOCATION_CRL_UNREACHABLE: ['Không tải được danh sách thu hồi (CRL).', 'The revocation list (CRL) could not be downloaded.'],
  REVOCATION_OCSP_SIGNATURE_INVALID: ['Phản hồi OCSP có chữ ký không hợp lệ.', 'The OCSP response has an invalid signature.'],
  REVOCATION_OCSP_RESPONDER_UNAUTHORIZED: [
    'Phản hồi OCSP đến từ nguồn không có thẩm quyền.',
    'The OCSP response comes from an unauthorised responder.',
  ],
  REVOCATION_CRL_SIGNATURE_INVALID: ['Danh sách thu hồi có chữ ký không hợp lệ.', 'The revocation list has an invalid signature.'],
  TSA_EKU_MISSING: [
    'Đơn vị cấp dấu thời gian không có quyền cấp dấu thời gian.',
    'The timestamp authority is not authorised to issue timestamps.',
  ],
  TST_MALFORMED: ['Dấu thời gian bị hỏng.', 'The timestamp is damaged.'],
  TST_IMPRINT_MISMATCH: [
    'Dấu thời gian không thuộc về chữ ký này (có thể bị sao chép).',
    'The timestamp does not belong to this signature (possibly copied).',
  ],
  TST_SIGNATURE_INVALID: ['Chữ ký của dấu thời gian không hợp lệ.', "The timestamp's own signature is invalid."],
  TST_SIGNER_CERT_MISSING: ['Thiếu chứng thư của đơn vị cấp dấu thời gian.', "The timestamp authority's certificate is missing."],
  MODIFICATION_OTHER: [
    'Văn bản đã bị sửa sau khi ký theo cách không được phép.',
    'The document was changed after signing in a way that is not allowed.',
  ],
  MODIFICATION_PAGE_COUNT: ['Số trang đã thay đổi sau khi ký.', 'The number of pages changed after signing.'],
  MODIFICATION_PAGE_CONTENT: ['Nội dung trang đã bị thay đổi sau khi ký.', 'Page content was changed after signing.'],
  MODIFICATION_ANNOTATION: ['Có ghi chú/chú thích được thêm sau khi ký.', 'Comments or annotations were added after signing.'],
  MODIFICATION_FORM_FILL: [
    'Có điền biểu mẫu hoặc thêm chữ ký sau khi ký (thường là bình thường).',
    'Form fields were filled or signatures added after signing (usually normal).',
  ],
  MODIFICATION_SIGNATURE_REPLACED: ['Một chữ ký đã bị thay thế sau khi ký.', 'A signature was replaced after signing.'],
  DOCMDP_VIOLATION: [
    'Văn bản bị thay đổi vượt quá quyền mà người chứng nhận cho phép.',
    'The document was changed beyond what the certifying signer allowed.',
  ],
  DOCMDP_NEW_VISIBLE_SIGNATURE_FIELD: [
    'Có ô chữ ký hiển thị mới được thêm vào văn bản đã chứng nhận.',
    'A new visible signature box was added to a certified document.',
  ],
  FIELDMDP_VIOLATION: ['Một ô đã bị khóa khi ký lại bị thay đổi.', 'A field locked by a signature was changed.'],
  DOC_TIMESTAMP_TYPE_INVALID: [
    'Một dấu thời gian của văn bản có khai báo sai và đã bị bỏ qua.',
    'A document timestamp is mislabelled and was ignored.',
  ],
  ENCRYPTED_DOCUMENT: ['Văn bản được mã hóa.', 'The document is encrypted.'],
  EMPTY_SIGNATURE_PLACEHOLDER: ['Văn bản còn ô chữ ký chưa ký.', 'The document still has an unsigned signature box.'],
  REVOCATION_ARCHIVAL_MALFORMED: [
    'Dữ liệu kiểm tra dài hạn lưu trong văn bản bị hỏng.',
    'The long-term validation data stored in the document is damaged.',
  ],
  REVOCATION_OCSP_MALFORMED: ['Phản hồi OCSP bị hỏng.', 'The OCSP response is damaged.'],
  REVOCATION_CRL_MALFORMED: ['Danh sách thu hồi bị hỏng.', 'The revocation list is damaged.'],
  REVOCATION_CRL_NOT_FRESH: [
    'Danh sách thu hồi được phát hành trước thời điểm ký nên chưa đủ mới.',
    'The revocation list was issued before the signing time, so it is not fresh enough.',
  ],
  REVOCATION_OCSP_NOT_FRESH: [
    'Phản hồi OCSP có trước thời điểm ký nên chưa đủ mới.',
    'The OCSP response predates the signing time, so it is not fresh enough.',
  ],
  REVOCATION_CRL_STALE: ['Danh sách thu hồi đã quá hạn cập nhật.', 'The revocation list is past its next update.'],
  REVOCATION_OCSP_STALE: ['Phản hồi OCSP đã quá hạn.', 'The OCSP response is out of date.'],
  REVOCATION_CRL_FROM_FUTURE: [
    'Danh sách thu hồi ghi ngày phát hành trong tương lai.',
    'The revocation list claims to be issued in the future.',
  ],
  OCSP_RESPONDER_NO_CHECK_ABSENT: [
    'Chứng thư của máy chủ OCSP thiếu dấu hiệu miễn kiểm tra thu hồi.',
    'The OCSP responder certificate lacks the no-check extension.',
  ],
  OCSP_RESPONDER_EKU_MISSING: [
    'Chứng thư của máy chủ OCSP không có quyền ký phản hồi OCSP.',
    'The OCSP responder certificate is not authorised to sign OCSP responses.',
  ],
  TST_DIGEST_UNSUPPORTED: ['Dấu thời gian dùng thuật toán băm không được hỗ trợ.', 'The timestamp uses an unsupported hash algorithm.'],
  VERIFY_INTERNAL_ERROR: [
    'Hệ thống kiểm tra gặp lỗi với tệp này nên không thể kết luận; hãy báo cho cơ quan phát hành.',
    'The checker hit an internal error on this file and cannot conclude; please tell the issuing agency.',
  ],
  TST_SIGNING_CERTIFICATE_NOT_BOUND: [
    'Dấu thời gian không gắn chặt với chứng thư của đơn vị cấp.',
    "The timestamp is not bound to its authority's certificate.",
  ],
  TSA_CERT_REVOKED: [
    'Chứng thư của đơn vị cấp dấu thời gian đã bị thu hồi trước thời điểm cấp dấu, nên dấu thời gian này không chứng minh được thời điểm ký.',
    "The timestamp authority's certificate was revoked before the timestamp was issued, so this timestamp does not prove when the document was signed.",
  ],
  TSA_REVOCATION_UNKNOWN: [
    'Không kiểm tra được chứng thư của đơn vị cấp dấu thời gian có bị thu hồi hay không (thiếu thông tin thu hồi).',
    "It could not be checked whether the timestamp authority's certificate was revoked (no revocation information).",
  ],
  OCSP_RESPONDER_REVOKED: [
    'Chứng thư của máy chủ trả lời trạng thái (OCSP) đã bị thu hồi, nên câu trả lời của nó không được dùng.',
    'The certificate of the status server (OCSP responder) was revoked, so its answer was not used.',
  ],
  PDF_XREF_PREV_BROKEN: [
    'Bảng mục lục của một lần lưu trước trỏ tới chỗ không có bảng; các lần lưu được dựng lại, nên phần mềm xem khác có thể hiển thị nội dung khác.',
    'A /Prev link of the cross-reference data points where there is none; revisions were rebuilt, so another viewer may show different content.',
  ],
  PDF_XREF_OFFSET_WRONG: [
    'Một mục của bảng mục lục không trỏ đúng phần nội dung của nó; phần mềm xem khác có thể hiển thị nội dung khác.',
    'A cross-reference entry does not point at its object; another viewer may show different content.',
  ],
  PDF_OBJSTM_DUPLICATE_OBJECT: [
    'Tệp chứa cùng một phần nội dung hai lần với hai giá trị khác nhau: mỗi phần mềm xem có thể hiển thị một văn bản khác.',
    'An object stream holds the same object number twice: different viewers may show different documents.',
  ],
  PDF_OBJECTS_OUTSIDE_XREF: [
    'Có nội dung được thêm sau khi ký mà bảng mục lục không liệt kê; phần mềm xem tự dựng lại bảng sẽ hiển thị chúng.',
    'Objects were added after signing that no cross-reference section lists; viewers that rebuild the table show them.',
  ],
  PDF_OBJECTS_AFTER_EOF: [
    'Có nội dung nằm sau dấu kết thúc tệp cuối cùng; phần mềm xem tự dựng lại bảng sẽ hiển thị chúng.',
    'Objects are defined after the final %%EOF; viewers that rebuild the table show them.',
  ],
  MODIFICATION_ROOT_REPLACED: [
    'Sau khi ký, tệp được đổi để trỏ tới một văn bản gốc khác: văn bản hiển thị có thể không phải văn bản đã ký.',
    'After signing, the trailer names another catalog: the document shown may not be the one signed.',
  ],
  MODIFICATION_ACTION_ADDED: [
    'Sau khi ký, một lệnh tự động (chạy mã, mở tệp khác, gửi biểu mẫu đi …) đã được thêm vào.',
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
  MODIFICATION_EXTENSION: [
    'Sau khi ký có bổ sung dữ liệu kiểm tra dài hạn hoặc dấu thời gian cho tài liệu; nội dung không đổi.',
    'Long-term validation data or a document timestamp was added after signing; the content is unchanged.',
  ],
  MODIFICATION_SIGNATURE_ADDED: ['Sau chữ ký này có người ký thêm.', 'Someone signed the document after this signature.'],
};

export const SUB_INDICATION_TEXTS: Texts<SubIndication> = {
  FORMAT_FAILURE: ['Tệp hoặc chữ ký sai định dạng.', 'The file or signature is malformed.'],
  HASH_FAILURE: ['Nội dung đã bị thay đổi sau khi ký.', 'The content was changed after signing.'],
  SIG_CRYPTO_FAILURE: ['Giá trị chữ ký không hợp lệ.', 'The signature value is invalid.'],
  SIG_CONSTRAINTS_FAILURE: [
    'Chữ ký vi phạm quy tắc kiểm tra (ví dụ văn bản bị sửa sau khi ký).',
    'The signature breaks a validation rule (e.g. the document was changed after signing).',
  ],
  CRYPTO_CONSTRAINTS_FAILURE: ['Thuật toán mật mã không đủ an toàn.', 'The cryptography is not strong enough.'],
  REVOKED: ['Chứng thư của người ký đã bị thu hồi.', "The signer's certificate is revoked."],
  EXPIRED: ['Chứng thư của người ký đã hết hạn.', "The signer's certificate has expired."],
  NOT_YET_VALID: ['Chứng thư của người ký chưa có hiệu lực.', "The signer's certificate is not yet valid."],
  NO_CERTIFICATE_CHAIN_FOUND: [
    'Không xác nhận được tổ chức đã cấp chứng thư cho người ký.',
    "The authority that issued the signer's certificate is not trusted or not found.",
  ],
  CERTIFICATE_CHAIN_GENERAL_FAILURE: ['Chuỗi chứng thư không hợp lệ.', 'The certificate chain is invalid.'],
  NO_SIGNING_CERTIFICATE_FOUND: ['Không xác định được chứng thư của người ký.', "The signer's certificate could not be identified."],
  OUT_OF_BOUNDS_NO_POE: [
    'Chứng thư đã hết hạn và không có bằng chứng chữ ký được tạo trước đó.',
    'The certificate expired and nothing proves the signature was made before.',
  ],
  TRY_LATER: ['Chưa có thông tin thu hồi chứng thư; có thể thử lại sau.', 'Revocation information is not available yet; try again later.'],
  NO_SIGNATURE_FOUND: ['Văn bản không có chữ ký số.', 'The document has no digital signature.'],
};
