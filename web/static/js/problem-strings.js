/**
 * What people read on the web pages for each stable error code of the API (src/core/error-codes.ts,
 * docs/errors.md), [Vietnamese, English], one entry per code in the same order. {name} placeholders
 * are filled from the problem's `details` and are used only where the server always sends that
 * detail. The PIN attempts left (`details.remainingAttempts`) are added by api.js, not written here.
 */
/** @type {Record<string, [string, string]>} */
export const PROBLEM_STRINGS = {
  // generic request problems
  BAD_REQUEST: [
    'Máy chủ không đọc được yêu cầu vừa gửi. Hãy tải lại trang rồi thử lại.',
    'The server could not read the request. Reload the page and try again.',
  ],
  VALIDATION_FAILED: [
    'Có thông tin còn thiếu hoặc chưa đúng. Hãy kiểm tra lại các ô đã điền.',
    'Some information is missing or not right. Check the fields you filled in.',
  ],
  TEXT_UNSAFE: [
    'Nội dung đã nhập có ký tự ẩn hoặc ký tự đặc biệt không được phép. Hãy gõ lại nội dung đó thay vì sao chép từ nơi khác.',
    'The text contains a hidden or special character that is not allowed. Type it again instead of pasting it.',
  ],
  PAYLOAD_TOO_LARGE: [
    'Tệp hoặc dữ liệu gửi lên vượt quá dung lượng cho phép. Hãy chọn tệp nhỏ hơn hoặc gửi ít tệp hơn mỗi lần.',
    'The file or data is larger than allowed. Choose a smaller file or send fewer files at a time.',
  ],
  UNSUPPORTED_MEDIA_TYPE: [
    'Chức năng này không nhận loại dữ liệu vừa gửi. Hãy chọn đúng loại tệp.',
    'This function does not accept this kind of data. Choose the right kind of file.',
  ],
  NOT_FOUND: ['Không tìm thấy trang hoặc thông tin được yêu cầu.', 'The page or item you asked for was not found.'],
  CONFLICT: [
    'Không thực hiện được thao tác vì trạng thái hiện tại không cho phép. Hãy tải lại trang để xem thông tin mới nhất.',
    'This cannot be done in the current state. Reload the page to see the latest information.',
  ],
  RATE_LIMITED: [
    'Có quá nhiều yêu cầu trong thời gian ngắn, hoặc quá nhiều văn bản đang chờ ký. Hãy ký xong văn bản đang chờ hoặc thử lại sau ít phút.',
    'Too many requests in a short time, or too many documents awaiting a signature. Finish those or try again in a few minutes.',
  ],
  // idempotent retries
  IDEMPOTENCY_KEY_INVALID: [
    'Mã chống gửi trùng (Idempotency-Key) kèm theo yêu cầu không hợp lệ.',
    'The Idempotency-Key sent with the request is not valid.',
  ],
  IDEMPOTENCY_KEY_REUSED: [
    'Mã chống gửi trùng (Idempotency-Key) này đã được dùng cho một yêu cầu khác. Hãy dùng mã mới cho yêu cầu mới.',
    'This Idempotency-Key was already used for a different request. Use a new key for a new request.',
  ],
  IDEMPOTENCY_IN_PROGRESS: [
    'Yêu cầu giống hệt gửi lần trước vẫn đang được xử lý. Hãy chờ một lát rồi thử lại để nhận kết quả.',
    'The same request sent before is still being processed. Wait a moment and try again to get its result.',
  ],
  IDEMPOTENCY_SECRET_NOT_REPLAYED: [
    'Yêu cầu này đã thành công từ trước; thông tin bí mật trong kết quả (mã truy cập, mã kích hoạt, tệp khóa) chỉ trả một lần.',
    'This request already succeeded; the secret in its result (access token, activation code, key file) is given only once.',
  ],
  UNAUTHENTICATED: [
    'Bạn chưa đăng nhập, phiên đăng nhập đã hết hạn hoặc mã truy cập không còn hiệu lực. Hãy đăng nhập lại.',
    'You are not signed in, your session has ended, or the access token is no longer valid. Please sign in again.',
  ],
  FORBIDDEN: [
    'Tài khoản của bạn không có quyền thực hiện thao tác này. Hãy liên hệ cán bộ quản trị nếu cần được cấp quyền.',
    'Your account may not do this. Contact the administrator if you need the permission.',
  ],
  FORBIDDEN_SCOPE: [
    'Bạn không có quyền với dữ liệu của cơ quan, đơn vị khác, hoặc chứng thư số dùng để ký được cấp cho người khác (con dấu: bạn không còn là người được giao giữ con dấu).',
    "You have no rights over another organization's data, or the signing certificate was issued to someone else (a seal: you are no longer the one who keeps it).",
  ],
  // sign-in for people
  LOGIN_FAILED: [
    'Sai tên đăng nhập, mật khẩu hoặc mã xác thực. Hãy kiểm tra lại và thử lần nữa.',
    'Wrong username, password or code. Check them and try again.',
  ],
  TOTP_REQUIRED: [
    'Mật khẩu đúng. Hãy nhập thêm mã xác thực 6 số từ ứng dụng xác thực trên điện thoại.',
    'The password is right. Now enter the 6-digit code from your authenticator app.',
  ],
  LOGIN_LOCKED: [
    'Đăng nhập sai quá nhiều lần nên tạm thời bị chặn. Hãy thử lại sau {retryAfterSeconds} giây.',
    'Too many failed sign-ins, so signing in is blocked for now. Try again in {retryAfterSeconds} seconds.',
  ],
  CSRF_INVALID: [
    'Trang này đã quá cũ hoặc yêu cầu không đến từ trang của hệ thống. Hãy tải lại trang rồi thử lại.',
    'This page is out of date, or the request did not come from our site. Reload the page and try again.',
  ],
  OIDC_FAILED: [
    'Đăng nhập qua cổng xác thực của tỉnh không thành công. Hãy thử lại hoặc liên hệ cán bộ quản trị.',
    "Signing in through the province's identity portal failed. Try again or contact the administrator.",
  ],
  ACCOUNT_NOT_FOUND: ['Không tìm thấy tài khoản này.', 'This account was not found.'],
  INTERNAL: [
    'Hệ thống gặp lỗi ngoài dự kiến. Hãy thử lại sau; nếu vẫn lỗi, hãy báo cán bộ quản trị kèm mã yêu cầu bên dưới.',
    'An unexpected error occurred. Try again later; if it happens again, give the administrator the request id below.',
  ],
  CONFIG_INVALID: [
    'Cấu hình của hệ thống không hợp lệ nên dịch vụ không thể hoạt động. Hãy báo cán bộ quản trị.',
    'The system configuration is invalid, so the service cannot run. Tell the administrator.',
  ],
  CLOCK_INVALID: [
    'Đồng hồ của máy chủ hoặc của dịch vụ cấp dấu thời gian đang sai nên tạm thời chưa thực hiện được. Hãy báo cán bộ quản trị.',
    'The clock of the server or of the timestamping service is wrong, so this cannot be done now. Tell the administrator.',
  ],
  // storage
  STORE_UNAVAILABLE: [
    'Tạm thời không kết nối được cơ sở dữ liệu. Hãy thử lại sau ít phút.',
    'The database cannot be reached right now. Try again in a few minutes.',
  ],
  STORE_CONSTRAINT: [
    'Không lưu được vì thông tin này đã có hoặc trùng với thông tin khác. Hãy kiểm tra lại.',
    'Could not save: this information already exists or clashes with other records. Check it again.',
  ],
  // keys
  KEY_NOT_FOUND: [
    'Không tìm thấy khóa bí mật tại nơi lưu trữ đã chỉ định.',
    'The private key was not found where it was said to be stored.',
  ],
  KEY_URI_UNSUPPORTED: [
    'Hệ thống không hỗ trợ kiểu nơi lưu khóa bí mật này.',
    'The system does not support this kind of private-key storage.',
  ],
  KEY_DECRYPT_FAILED: [
    'Không mở được khóa bí mật hoặc mã PIN đã lưu (sai khóa chủ hoặc dữ liệu hỏng). Hãy báo cán bộ quản trị; có thể cần đặt lại mã PIN.',
    'The private key or stored PIN cannot be opened (wrong master key or damaged data). Tell the administrator; the PIN may need a reset.',
  ],
  KEY_ALGORITHM_UNSUPPORTED: ['Loại khóa hoặc độ dài khóa này không được hỗ trợ.', 'This key type or key size is not supported.'],
  KEY_LOCKED: [
    'Khóa bí mật hoặc thiết bị ký số (USB token) đang bị khóa nên chưa dùng được. Hãy liên hệ cán bộ quản trị.',
    'The private key or the signing device (USB token) is locked and cannot be used now. Contact the administrator.',
  ],
  PIN_INVALID: [
    'Mã PIN không đúng hoặc chưa được nhập. Nhập sai nhiều lần, chứng thư số sẽ bị khóa.',
    'The PIN is wrong or was not entered. Too many wrong PINs lock the certificate.',
  ],
  // the local signing agent (kyso agent)
  AGENT_ORIGIN_NOT_ALLOWED: [
    'Trang này chưa được kết nối với kyso agent trên máy. Hãy bấm “Kết nối với kyso agent” trước.',
    'This page is not paired with kyso agent on this computer yet. Click “Connect to kyso agent” first.',
  ],
  AGENT_REFUSED: [
    'Yêu cầu đã bị từ chối trong cửa sổ kyso agent, hoặc không có ai trả lời kịp. Hãy thử lại và xác nhận trong cửa sổ kyso agent.',
    'The request was refused in the kyso agent window, or nobody answered in time. Try again and confirm it in the kyso agent window.',
  ],
  AGENT_PAIRING_PENDING: [
    'kyso agent đang chờ trả lời một yêu cầu kết nối khác. Hãy trả lời yêu cầu đó trong cửa sổ kyso agent, hoặc chờ một phút rồi thử lại.',
    'kyso agent is waiting for an answer to another pairing request. Answer it in the kyso agent window, or wait a minute and try again.',
  ],
  // pki
  PROFILE_UNKNOWN: [
    'Loại chứng thư số đã chọn không có trong hệ thống (ví dụ: cá nhân, tổ chức, thiết bị).',
    'The chosen certificate type is unknown (e.g. individual, organization, device).',
  ],
  SUBJECT_INVALID: [
    'Thông tin người hoặc đơn vị được cấp chứng thư số (tên, quốc gia, thư điện tử, mã số…) chưa hợp lệ hoặc không hợp với loại chứng thư.',
    "The certificate holder's details (name, country, e-mail, identifiers…) are not valid or do not fit the certificate type.",
  ],
  UID_INVALID: [
    'Mã định danh chưa đúng (mã số thuế, số CCCD/CMND, số hộ chiếu hoặc mã số đơn vị quan hệ ngân sách). Hãy kiểm tra lại số đã nhập.',
    'An identifier is not valid (tax code, citizen ID or ID card number, passport number, or budget-unit code). Check the number entered.',
  ],
  CSR_MALFORMED: [
    'Không đọc được yêu cầu cấp chứng thư số (CSR). Hãy tạo lại tệp yêu cầu.',
    'The certificate request (CSR) cannot be read. Create the request file again.',
  ],
  CSR_SIGNATURE_INVALID: [
    'Chữ ký trên yêu cầu cấp chứng thư số (CSR) không hợp lệ nên không chứng minh được việc nắm giữ khóa bí mật. Hãy tạo lại yêu cầu.',
    'The signature on the certificate request (CSR) does not verify, so it does not prove the key is held. Create the request again.',
  ],
  VALIDITY_INVALID: [
    'Thời hạn chứng thư số đề nghị vượt quá quy định (tối đa 5 năm khi cấp mới, 3 năm khi gia hạn).',
    'The requested validity is longer than allowed (at most 5 years for a new certificate, 3 years for a renewal).',
  ],
  LINT_FAILED: [
    'Chứng thư số không đạt bước kiểm tra kỹ thuật trước khi cấp nên chưa được cấp. Hãy báo cán bộ quản trị.',
    'The certificate failed the technical checks before issuance, so nothing was issued. Tell the administrator.',
  ],
  CA_UNKNOWN: ['Không tìm thấy tổ chức cấp chứng thư số (CA) này.', 'This certificate authority (CA) was not found.'],
  CERT_NOT_FOUND: ['Không tìm thấy chứng thư số có mã hoặc số hiệu này.', 'No certificate with this id or serial number was found.'],
  CERT_ALREADY_REVOKED: ['Chứng thư số này đã bị thu hồi từ trước.', 'This certificate has already been revoked.'],
  CERT_NOT_ON_HOLD: [
    'Chứng thư số này không ở trạng thái tạm dừng nên không thể khôi phục.',
    'This certificate is not suspended, so it cannot be reinstated.',
  ],
  CERT_NOT_ACTIVE: [
    'Thao tác này chỉ áp dụng cho chứng thư số đang có hiệu lực.',
    'This can only be done with a certificate that is currently active.',
  ],
  REVOCATION_REASON_INVALID: [
    'Lý do thu hồi đã chọn không hợp lệ hoặc không được phép. Hãy chọn lý do khác.',
    'The chosen revocation reason is unknown or not allowed. Choose another reason.',
  ],
  SUBSCRIBER_NOT_FOUND: ['Không tìm thấy tổ chức, cán bộ hoặc thiết bị này.', 'This organization, official or device was not found.'],
  REQUEST_NOT_FOUND: ['Không tìm thấy yêu cầu này.', 'This request was not found.'],
  REQUEST_STATE_INVALID: [
    'Yêu cầu này đang ở trạng thái không cho phép thao tác này (ví dụ: đã bị từ chối hoặc không còn phù hợp).',
    'The request is in a state that does not allow this (e.g. it was rejected or no longer applies).',
  ],
  APPROVER_NOT_ALLOWED: [
    'Bạn không có quyền phê duyệt yêu cầu cấp chứng thư số cho đơn vị này.',
    'You may not approve certificate requests for this organization.',
  ],
  CA_CERT_PROTECTED: [
    'Chứng thư số của hệ thống (CA, OCSP, dấu thời gian) chỉ được tạm dừng, thu hồi khi quản trị viên thứ hai phê duyệt hoặc tại máy chủ.',
    "The system's own certificates (CA, OCSP, timestamping) are suspended or revoked only with a second admin's approval or at the server.",
  ],
  OCSP_MALFORMED_REQUEST: [
    'Yêu cầu kiểm tra trạng thái chứng thư số (OCSP) không đúng định dạng.',
    'The certificate status (OCSP) request is malformed.',
  ],
  PKCS12_FAILED: [
    'Không tạo hoặc mở được tệp chứng thư số kèm khóa bí mật (.p12/.pfx). Hãy kiểm tra lại mật khẩu của tệp.',
    "The certificate-and-key file (.p12/.pfx) could not be built or opened. Check the file's password.",
  ],
  // pdf
  PDF_MALFORMED: [
    'Tệp PDF bị lỗi cấu trúc nên không xử lý an toàn được. Hãy xuất lại tệp hoặc chọn một tệp PDF khác.',
    'The PDF file is damaged and cannot be processed safely. Export it again or choose another PDF file.',
  ],
  PDF_ENCRYPTED: [
    'Tệp PDF đang được đặt mật khẩu bảo vệ. Hãy gỡ mật khẩu hoặc chọn một tệp PDF khác.',
    'The PDF is password-protected. Remove the password or choose another PDF file.',
  ],
  PDF_NOT_PDF: ['Tệp đã chọn không phải tệp PDF. Hãy chọn một tệp PDF.', 'The chosen file is not a PDF. Choose a PDF file.'],
  PDF_LIMIT_EXCEEDED: [
    'Tệp PDF quá lớn hoặc quá phức tạp để xử lý. Hãy giảm dung lượng tệp hoặc chọn một tệp PDF khác.',
    'The PDF is too large or too complex to process. Make the file smaller or choose another PDF file.',
  ],
  PDF_FIELD_NOT_FOUND: ['Không tìm thấy ô chữ ký có tên này trong tệp PDF.', 'No signature field with this name was found in the PDF.'],
  PDF_FIELD_ALREADY_SIGNED: [
    'Ô chữ ký này đã có chữ ký. Hãy chọn ô chữ ký khác hoặc thêm ô mới.',
    'This signature field is already signed. Choose another field or add a new one.',
  ],
  SIGNATURE_FIELD_PLACEHOLDER_BROKEN: [
    'Tệp PDF có chỗ dành sẵn cho chữ ký nhưng không ký vào đó được (có nhiều chỗ như vậy, hoặc đã chọn ô khác). Hãy chọn tệp PDF khác.',
    'The PDF holds a pre-made signature slot that cannot be signed (there are several, or another field was chosen). Choose another PDF.',
  ],
  PDF_PAGE_OUT_OF_RANGE: ['Số trang đã chọn không có trong tệp PDF.', 'The chosen page number does not exist in the PDF.'],
  PDF_SIGNING_FORBIDDEN: [
    'Tệp PDF đã được khóa khi ký trước đó nên không cho phép thêm chữ ký số.',
    'The PDF was locked when it was signed before and allows no further signatures.',
  ],
  IMAGE_INVALID: [
    'Hình ảnh (con dấu, chữ ký hoặc trang quét) bị lỗi hoặc không đúng định dạng. Hãy chọn một tệp ảnh khác.',
    'The image (seal, signature or scanned page) is damaged or of an unsupported kind. Choose another image file.',
  ],
  // signing
  SIGNER_CERT_INVALID: [
    'Chứng thư số dùng để ký không hợp lệ (không đọc được, không khớp với khóa bí mật hoặc không thực sự do tổ chức cấp chứng thư cấp).',
    'The signing certificate is not valid (unreadable, not matching the private key, or not really issued by its authority).',
  ],
  SIGNER_KEY_USAGE: [
    'Chứng thư số này không được phép dùng để ký văn bản. Hãy chọn chứng thư số khác.',
    'This certificate may not be used to sign documents. Choose another certificate.',
  ],
  SIGNER_REVOKED: [
    'Chứng thư số dùng để ký đã bị thu hồi hoặc đang bị tạm dừng nên không ký được. Hãy liên hệ cán bộ quản trị.',
    'The signing certificate is revoked or suspended, so it cannot sign. Contact the administrator.',
  ],
  SIGNER_EXPIRED: [
    'Chứng thư số dùng để ký đã hết hạn hoặc chưa đến ngày có hiệu lực.',
    'The signing certificate has expired or is not valid yet.',
  ],
  SIGNATURE_MISMATCH: [
    'Chữ ký số nhận được không khớp với văn bản đã chuẩn bị hoặc với chứng thư số của phiên ký. Hãy ký lại từ đầu.',
    'The returned signature does not match the prepared document or the certificate of the signing session. Sign again from the start.',
  ],
  SESSION_NOT_FOUND: ['Không tìm thấy phiên ký này. Hãy ký lại từ đầu.', 'This signing session was not found. Sign again from the start.'],
  SESSION_EXPIRED: ['Phiên ký đã hết hạn. Hãy ký lại từ đầu.', 'The signing session has expired. Sign again from the start.'],
  CREDENTIAL_NOT_FOUND: [
    'Không tìm thấy chứng thư số lưu trên máy chủ này trong số chứng thư của bạn.',
    'This server-held certificate was not found among yours.',
  ],
  CREDENTIAL_LOCKED: [
    'Chứng thư số đã bị khóa do nhập sai mã PIN quá nhiều lần. Hãy liên hệ cán bộ quản trị để được đặt lại mã PIN.',
    'The certificate is locked after too many wrong PINs. Contact the administrator to have the PIN reset.',
  ],
  CREDENTIAL_KEY_BOUND: [
    'Khóa bí mật này đã có chứng thư số lưu trên máy chủ kèm mã PIN; mỗi khóa chỉ được có một.',
    'This private key already has a server-held certificate with a PIN; each key may have only one.',
  ],
  CREDENTIAL_HOLDER_INVALID: [
    'Người giữ chứng thư số phải là chính chủ của chứng thư: cán bộ có tên trong chứng thư, hoặc người đang được giao giữ con dấu của đơn vị.',
    "The holder must be the certificate's own subject: the official named in it, or the person now in charge of the organization's seal.",
  ],
  CREDENTIAL_NOT_ACTIVATED: [
    'Chứng thư số chưa được kích hoạt. Hãy dùng mã kích hoạt được cấp để đặt mã PIN trước khi ký.',
    'The certificate is not activated yet. Use the activation code you were given to set a PIN before signing.',
  ],
  ACTIVATION_CODE_INVALID: [
    'Mã kích hoạt không đúng, đã được dùng hoặc đã hết hạn. Hãy liên hệ cán bộ quản trị để được cấp mã mới.',
    'The activation code is wrong, already used or expired. Contact the administrator for a new one.',
  ],
  PLACEHOLDER_OVERFLOW: [
    'Chữ ký số lớn hơn chỗ dành sẵn trong tệp PDF nên không ghi vào được. Hãy thử lại; nếu vẫn lỗi, hãy báo cán bộ quản trị.',
    'The signature is larger than the space kept for it in the PDF. Try again; if it happens again, tell the administrator.',
  ],
  // cms / timestamps
  CMS_MALFORMED: ['Không đọc được dữ liệu chữ ký số (CMS/PKCS#7) đã gửi.', 'The signature data (CMS/PKCS#7) sent cannot be read.'],
  TSA_UNAVAILABLE: [
    'Tạm thời không kết nối được dịch vụ cấp dấu thời gian nên chưa ký được. Hãy thử lại sau ít phút.',
    'The timestamping service cannot be reached, so nothing was signed. Try again in a few minutes.',
  ],
  TSA_RESPONSE_INVALID: [
    'Dịch vụ cấp dấu thời gian trả về kết quả không hợp lệ nên chưa ký được. Hãy thử lại sau ít phút.',
    'The timestamping service gave an invalid answer, so nothing was signed. Try again in a few minutes.',
  ],
  TSA_REQUEST_REJECTED: [
    'Dịch vụ cấp dấu thời gian từ chối yêu cầu nên chưa ký được. Hãy thử lại sau hoặc báo cán bộ quản trị.',
    'The timestamping service refused the request, so nothing was signed. Try again later or tell the administrator.',
  ],
  REVOCATION_UNAVAILABLE: [
    'Tạm thời không lấy được thông tin trạng thái chứng thư số (OCSP/CRL) cần lưu kèm chữ ký dài hạn. Hãy thử lại sau ít phút.',
    'The certificate status information (OCSP/CRL) needed for a long-term signature cannot be fetched now. Try again in a few minutes.',
  ],
  // verification
  VERIFY_UNREADABLE: [
    'Không đọc được tệp cần kiểm tra. Hãy chọn một tệp PDF khác.',
    'The file to check cannot be read. Choose another PDF file.',
  ],
  REPORT_NOT_FOUND: [
    'Không tìm thấy kết quả kiểm tra này, hoặc kết quả đã hết thời hạn lưu. Hãy kiểm tra lại tệp.',
    'This verification report was not found, or it is no longer kept. Check the file again.',
  ],
  // certified copies
  AUTHORITY_UNKNOWN: [
    'Không tìm thấy cơ quan chứng thực này. Hãy kiểm tra lại mã cơ quan chứng thực.',
    'This certifying authority was not found. Check the authority id.',
  ],
  CERTIFIER_NOT_ALLOWED: [
    'Bạn chưa được giao quyền chứng thực tại cơ quan này, hoặc chưa có chứng thư số còn hiệu lực.',
    'You are not a certifier at this authority, or you have no valid certificate.',
  ],
  REGISTER_CLOSED: [
    'Sổ chứng thực (năm hoặc quyển) này đã khóa sổ, không ghi thêm được.',
    'This register (year or volume) is closed; nothing more can be entered.',
  ],
  REGISTER_NOT_FOUND: ['Không tìm thấy sổ chứng thực hoặc quyển sổ này.', 'This register or volume was not found.'],
  COPY_NOT_FOUND: [
    'Không tìm thấy bản sao này trong sổ chứng thực. Hãy kiểm tra lại mã kiểm tra hoặc số chứng thực.',
    'This copy was not found in the register. Check the verification code or the certification number.',
  ],
  COPY_STATE_INVALID: [
    'Bản sao đang ở trạng thái không cho phép thao tác này (ví dụ: đã bị hủy).',
    'The copy is in a state that does not allow this (e.g. it is already annulled).',
  ],
  COPY_DOCUMENT_MISSING: [
    'Sổ chứng thực có ghi bản sao này, nhưng hệ thống không lưu tệp bản sao điện tử (ví dụ: được chứng thực trước khi hệ thống lưu tệp).',
    'The register lists this copy, but its electronic file is not kept (e.g. it was certified before files were kept).',
  ],
  COPY_DOCUMENT_CORRUPT: [
    'Tệp bản sao điện tử đang lưu không khớp mã băm ghi trong sổ chứng thực nên không được cung cấp. Hãy báo cán bộ quản trị khôi phục.',
    'The stored electronic copy does not match the hash in the register, so it is not served. Ask the administrator to restore it.',
  ],
  COPY_STAMP_IMAGES_MISSING: [
    'Chưa có hình con dấu của cơ quan chứng thực hoặc hình chữ ký của người chứng thực. Hãy đăng ký trước hoặc gửi kèm khi chứng thực.',
    "The authority's seal image or the certifier's signature image is missing. Register them, or send them with the request.",
  ],
  LOOKUP_CODE_INVALID: [
    'Mã kiểm tra không đúng. Hãy nhập lại đủ 11 ký tự in cạnh mã QR (dạng XXXX-XXXX-XXX).',
    'The verification code is not right. Enter the 11 characters printed next to the QR code again (XXXX-XXXX-XXX).',
  ],
  DELETE_FORBIDDEN: [
    'Không được xóa bản ghi trong sổ chứng thực; nếu cần, hãy hủy bản sao đó.',
    'Register entries are never deleted; annul the copy instead.',
  ],
  // jobs and webhooks
  JOB_NOT_FOUND: [
    'Không tìm thấy tác vụ ký này, hoặc bạn không có quyền xem tác vụ này.',
    'This signing job was not found, or you may not see it.',
  ],
  JOB_FILE_NOT_READY: [
    'Tệp này chưa được ký (đang chờ, đang ký, bị lỗi hoặc đã hủy). Hãy chờ tác vụ ký hoàn tất.',
    'This file is not signed (waiting, in progress, failed or cancelled). Wait for the signing job to finish.',
  ],
  JOB_ITEM_INTERRUPTED: [
    'Việc ký tệp này bị gián đoạn giữa chừng; để bảo đảm an toàn, hệ thống không tự ký lại. Hãy gửi lại tệp trong một tác vụ mới.',
    'Signing this file was interrupted; to stay safe the system does not sign it a second time. Send the file again in a new job.',
  ],
  WEBHOOK_URL_NOT_ALLOWED: [
    'Địa chỉ nhận thông báo (webhook) không nằm trong danh sách được phép. Hãy liên hệ cán bộ quản trị.',
    'The notification (webhook) address is not on the allowed list. Contact the administrator.',
  ],
  WEBHOOK_SECRET_MISSING: [
    'Chưa có mã bí mật để ký thông báo (webhook). Hãy tạo mã bí mật này trước khi yêu cầu gửi thông báo.',
    'There is no webhook secret yet. Create one before asking for notifications.',
  ],
  // audit
  AUDIT_CHAIN_BROKEN: [
    'Nhật ký kiểm toán không còn nguyên vẹn: có bản ghi bị sửa, xóa, chèn hoặc đổi thứ tự. Hãy báo ngay người phụ trách an toàn thông tin.',
    'The audit log is no longer intact: a record was edited, deleted, inserted or reordered. Report it to the security officer at once.',
  ],
  // operations: backup and restore
  BACKUP_INVALID: [
    'Tệp sao lưu không hợp lệ, bị thiếu hoặc bị sửa đổi; chưa có dữ liệu nào được khôi phục.',
    'The backup file is not valid, incomplete or altered; nothing was restored.',
  ],
  BACKUP_MASTER_KEY_MISMATCH: [
    'Khóa chủ đang cấu hình không mở được các khóa trong bản sao lưu (hoặc chưa được cấu hình); chưa có dữ liệu nào được khôi phục.',
    'The configured master key does not open the keys in the backup (or is not set); nothing was restored.',
  ],
  RESTORE_TARGET_NOT_EMPTY: [
    'Nơi khôi phục đã có dữ liệu. Hãy khôi phục vào nơi còn trống, hoặc chủ động cho phép ghi đè.',
    'The restore target already holds data. Restore into an empty one, or explicitly allow overwriting.',
  ],
  AUDIT_TREE_SIZE_INVALID: [
    'Số bản ghi được hỏi vượt quá số bản ghi hiện có trong nhật ký kiểm toán, hoặc không phải số nguyên dương.',
    'The number of records asked about is beyond the current audit log, or not a positive whole number.',
  ],
  AUDIT_CHECKPOINT_NOT_FOUND: [
    'Nhật ký kiểm toán chưa có điểm kiểm tra nào được ký. Hãy đề nghị cán bộ quản trị tạo điểm kiểm tra.',
    'The audit log has no signed checkpoint yet. Ask the administrator to create one.',
  ],
  AUDIT_CHECKPOINT_INVALID: [
    'Điểm kiểm tra của nhật ký kiểm toán không hợp lệ, hoặc nhật ký không khớp với nó. Hãy báo ngay người phụ trách an toàn thông tin.',
    'An audit checkpoint does not verify, or the log does not match it. Report it to the security officer at once.',
  ],
};

/**
 * For a code this catalogue does not know yet (an older page against a newer server): [Vietnamese, English].
 * @type {[string, string]}
 */
export const PROBLEM_FALLBACK = ['Đã xảy ra lỗi ({code}).', 'Something went wrong ({code}).'];
