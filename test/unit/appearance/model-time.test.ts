import { describe, expect, it } from 'vitest';
import {
  assertBundleClosed,
  formatNumber,
  formatVietnamDate,
  formatVietnamTime,
  pdfDict,
  pdfName,
  pdfRaw,
  pdfRef,
  pdfString,
  serializeObjectBody,
  serializeValue,
  vietnamParts,
} from '../../../src/pdf/appearance/index.js';

describe('object model serialisation (ISO 32000-1 §7.3)', () => {
  const refOf = (id: string) => ({ a: 7, b: 12 })[id] ?? -1;

  it('writes every value kind', () => {
    const v = pdfDict({
      Type: pdfName('XObject'),
      N: 1.5,
      I: -3,
      Small: 0.00001,
      B: true,
      Z: null,
      A: [0, 0.25, pdfRef('a')],
      S: pdfString('Hi'),
      U: pdfString('Việt'),
      R: pdfRaw('1 0 0 1 0 0'),
      Odd: pdfName('A B#(x)'),
      D: pdfDict({ X: pdfRef('b') }),
    });
    expect(serializeValue(v, refOf)).toBe(
      '<</Type /XObject /N 1.5 /I -3 /Small 0 /B true /Z null /A [0 0.25 7 0 R] /S <4869> /U <feff005600691ec70074> /R 1 0 0 1 0 0 /Odd /A#20B#23#28x#29 /D <</X 12 0 R>>>>',
    );
  });

  it('formats numbers without exponents', () => {
    expect(formatNumber(1e21 / 1e21)).toBe('1');
    expect(formatNumber(123456.78912)).toBe('123456.7891');
    expect(formatNumber(-0.00001)).toBe('0');
    expect(formatNumber(2.5e-3)).toBe('0.0025');
    expect(() => formatNumber(NaN)).toThrow(TypeError);
  });

  it('stream bodies carry the bytes verbatim', () => {
    const body = serializeObjectBody({ id: 'a', dict: pdfDict({ Length: 3 }), stream: Buffer.from([0, 255, 10]) }, refOf);
    expect(body.toString('latin1')).toBe('<</Length 3>>\nstream\r\n\x00\xff\n\r\nendstream');
  });

  it('assertBundleClosed finds dangling refs, duplicates and a missing root', () => {
    const ok = {
      root: 'a',
      objects: [
        { id: 'b', dict: pdfDict({}) },
        { id: 'a', dict: pdfDict({ X: pdfRef('b') }) },
      ],
    };
    expect(() => assertBundleClosed(ok)).not.toThrow();
    expect(() => assertBundleClosed({ root: 'a', objects: [{ id: 'a', dict: pdfDict({ X: [pdfRef('zz')] }) }] })).toThrow(/unknown zz/);
    expect(() =>
      assertBundleClosed({
        root: 'a',
        objects: [
          { id: 'a', dict: pdfDict({}) },
          { id: 'a', dict: pdfDict({}) },
        ],
      }),
    ).toThrow(/duplicate/);
    expect(() => assertBundleClosed({ root: 'q', objects: [] })).toThrow(/root/);
  });
});

describe('Vietnam time (UTC+7, no DST)', () => {
  it('formats dd/mm/yyyy hh:mm:ss +07:00 whatever the process TZ', () => {
    expect(formatVietnamTime(new Date('2026-11-26T15:04:05Z'))).toBe('26/11/2026 22:04:05 +07:00');
    // 17:00 UTC on 31 December is already 1 January in Vietnam.
    expect(formatVietnamTime(new Date('2025-12-31T17:00:00Z'))).toBe('01/01/2026 00:00:00 +07:00');
    expect(formatVietnamTime(new Date('2025-12-31T16:59:59.999Z'))).toBe('31/12/2025 23:59:59 +07:00');
    expect(formatVietnamDate(new Date('2024-02-28T18:30:00Z'))).toBe('29/02/2024');
    expect(vietnamParts(new Date('2024-07-01T00:00:00Z'))).toEqual({ year: 2024, month: 7, day: 1, hour: 7, minute: 0, second: 0 });
    expect(() => formatVietnamTime(new Date(NaN))).toThrow(TypeError);
  });
});
