import type { Fee } from './fee.js';
import { certificationNumberLabel, volumeLabel } from './register-labels.js';
import { dateInFigures, dateInWords } from './date-in-words.js';
import type { RegisterType } from './ports.js';

/**
 * The certification statement (lời chứng) printed on a copy from an original, as used with
 * Decree 23/2015/NĐ-CP and the forms of Circular 01/2020/TT-BTP: the fixed sentence, the
 * register number and volume, the date in figures and in words, how many pages the copy has and
 * where the statement is, the signing-authority lines and title (Decree 30/2020 Art. 13).
 * The finished copy carries no form instructions such as "(Ký, ghi rõ họ tên và đóng dấu)":
 * they tell the person filling the form what to do and are not part of the issued document.
 * The certifier's name is printed once, by the certifier's signature stamp. Pure text: layout is
 * in ./statement-layout.ts.
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
  /** Signing-authority lines of the authority, e.g. ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"]. */
  readonly authorityLines?: readonly string[];
  readonly authorityName: string;
  readonly lookupCode: string;
  readonly lookupUrl: string;
}

/** Where the statement ended up: on the original's last page, or on one added page. */
export interface StatementPlacement {
  /** Pages of the finished copy, the statement's page included. */
  readonly copyPages: number;
  /** 1-based page carrying the statement. */
  readonly statementPage: number;
  readonly onAddedPage: boolean;
}

export interface StatementText {
  readonly heading: string;
  readonly body: readonly string[];
  /** Bold capitals above the certifier's signature: authority lines, then the title. */
  readonly signatureHeading: readonly string[];
  readonly certifierName: string;
  readonly authorityName: string;
  readonly lookupLines: readonly string[];
  /** Margin mark of each page of a multi-page copy (the electronic counterpart of the seam seal). */
  readonly pageMark: (page: number) => string;
}

/** Amounts in đồng with '.' between thousands (Vietnamese usage), e.g. 12.000; no locale data needed. */
const vnd = (n: number): string => String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, '.');

export function statementText(s: StatementInput, p: StatementPlacement): StatementText {
  const volume = volumeLabel(s.volume, s.year, s.registerType);
  const where = p.onAddedPage
    ? `Bản sao gồm ${p.copyPages} trang, trong đó trang ${p.statementPage} là trang lời chứng được thêm vào.`
    : `Bản sao gồm ${p.copyPages} trang; lời chứng ở cuối trang ${p.statementPage}.`;
  const title = s.certifierTitle.trim();
  const heading = s.authorityLines?.length ? [...s.authorityLines, title] : ['Người thực hiện chứng thực', title];
  return {
    heading: 'Chứng thực bản sao đúng với bản chính',
    body: [
      `Bản chính: ${s.documentType} "${s.documentTitle}" do ${s.documentIssuer} cấp; ${s.originalPages} trang; ${s.copies} bản sao.`,
      where,
      `Số chứng thực: ${certificationNumberLabel(s.number)}    Quyển số: ${volume}`,
      dateInFigures(s.certifiedAt),
      `(Bằng chữ: ${lowerFirst(dateInWords(s.certifiedAt))})`,
      `Lệ phí: ${vnd(s.fee.perCopy)} đồng/bản, tổng ${vnd(s.fee.total)} đồng.`,
    ],
    signatureHeading: heading.filter((l) => l.trim()).map((l) => l.trim().toLocaleUpperCase('vi')),
    certifierName: s.certifierName,
    authorityName: s.authorityName,
    lookupLines: [`Mã tra cứu: ${s.lookupCode}`, `Tra cứu tại: ${s.lookupUrl}`],
    pageMark: (page) => `Bản sao chứng thực số ${certificationNumberLabel(s.number)}, quyển số ${volume} — trang ${page}/${p.copyPages}`,
  };
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
