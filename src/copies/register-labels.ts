import type { RegisterType } from './ports.js';

/**
 * How register numbers are printed on the statement (Circular 01/2020/TT-BTP, form of the
 * certification statement): "Số chứng thực: 05", "Quyển số: 01/2026-SCT/BS". Numbers below 10
 * get a leading zero, as registers write "01" for the first entry of a year.
 */
export function certificationNumberLabel(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export function volumeLabel(volume: number, year: number, type: RegisterType): string {
  return `${volume < 10 ? `0${volume}` : volume}/${year}-${type}`;
}
