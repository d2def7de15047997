/**
 * Every character Vietnamese text in the Latin script (chữ Quốc ngữ) is commonly typed with, in
 * precomposed (NFC) form: printable ASCII, the letters with diacritics of Latin-1 and Latin
 * Extended-A/B that Vietnamese uses (Â Ă Đ Ê Ô Ơ Ư and their tone-marked forms outside the
 * Vietnamese block), Latin Extended Additional U+1EA0–U+1EF9 (Ạ … ỹ), and the typographic
 * punctuation of administrative documents (Decree 30/2020 Appendix I prints in Times New Roman).
 *
 * A font subset prepared with this set serves any such text unchanged, so the subset's font
 * program is built once per process and reused; text with other characters extends it.
 */
export const VIETNAMESE_CHARACTERS: string = (() => {
  let s = '';
  for (let c = 0x20; c <= 0x7e; c++) s += String.fromCharCode(c);
  s += 'ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý' + 'ĂăĐđĨĩŨũƠơƯư';
  for (let c = 0x1ea0; c <= 0x1ef9; c++) s += String.fromCharCode(c);
  return s + '\u00a0–—‘’“”…·°§';
})();
