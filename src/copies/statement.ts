import type { Fee } from './fee.js';
import { certificationNumberLabel, volumeLabel } from './register-labels.js';
import { dateInFigures, dateInWords } from './date-in-words.js';
import type { RegisterType } from './ports.js';

/**
 * The certification statement (lời chứng) printed on a copy from an original, as used with
 * Decree 23/2015/NĐ-CP and the forms of Circular 01/2020/TT-BTP: the fixed sentence, the
 * register number and volume, the date in figures and in words, the certifier's title and name,
 * the authority. Pure text: layout is in ./copy-document.ts.
 */
export interface StatementInput {
  readonly number: number;
  readonly volume: number;
  readonly year: number;
  readonly registerType: RegisterType;
  readonly certifiedAt: Date;
  readonly documentType: string;
  readonly documentTitle: string;
  readonly documentIssuer: string;
  readonly originalPages: number;
  readonly copies: number;
  readonly fee: Fee;
  readonly certifierName: string;
  readonly certifierTitle: string;
  readonly authorityName: string;
  readonly lookupCode: string;
  readonly lookupUrl: string;
}

export interface StatementText {
  readonly heading: string;
  readonly body: readonly string[];
  readonly signatureHeading: string;
  readonly signatureHint: string;
  readonly certifierTitle: string;
  readonly certifierName: string;
  readonly authorityName: string;
  readonly lookupLines: readonly string[];
}

const vnd = (n: number): string => n.toLocaleString('en-US').replace(/,/g, '.');

export function statementText(s: StatementInput): StatementText {
  return {
    heading: 'Chứng thực bản sao đúng với bản chính',
    body: [
      `Bản chính: ${s.documentType} "${s.documentTitle}" do ${s.documentIssuer} cấp; ${s.originalPages} trang; ${s.copies} bản sao.`,
      `Số chứng thực: ${certificationNumberLabel(s.number)}`,
      `Quyển số: ${volumeLabel(s.volume, s.year, s.registerType)}`,
      `${dateInFigures(s.certifiedAt)}`,
      `(Bằng chữ: ${lowerFirst(dateInWords(s.certifiedAt))})`,
      `Lệ phí: ${vnd(s.fee.perCopy)} đồng/bản, tổng ${vnd(s.fee.total)} đồng.`,
    ],
    signatureHeading: 'Người thực hiện chứng thực',
    signatureHint: '(Ký, ghi rõ họ tên và đóng dấu)',
    certifierTitle: s.certifierTitle,
    certifierName: s.certifierName,
    authorityName: s.authorityName,
    lookupLines: [`Mã tra cứu: ${s.lookupCode}`, `Tra cứu tại: ${s.lookupUrl}`],
  };
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
