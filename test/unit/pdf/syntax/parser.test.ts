import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/core/errors.js';
import { serializeObject } from '../../../../src/pdf/incremental/index.js';
import { Parser, PdfDict, PdfName, PdfRef, PdfStream, PdfString, type PdfObject } from '../../../../src/pdf/syntax/index.js';

const parse = (s: string | Buffer): PdfObject => new Parser(Buffer.isBuffer(s) ? s : Buffer.from(s, 'latin1')).parseObject();

describe('object parser (ISO 32000-1 §7.3)', () => {
  it('literal strings: escapes, octal, balanced parentheses, line continuation, EOL normalisation', () => {
    const v = parse('(a\\(b\\)c\\\\d\\n\\101\\0537\\\nx(nested)\r\n)') as PdfString;
    expect(v.bytes.toString('latin1')).toBe('a(b)c\\d\nA+7x(nested)\n');
    expect(v.hex).toBe(false);
  });

  it('hex strings ignore white-space and pad an odd final digit', () => {
    const v = parse('<48 65 6C6C\n6F7>') as PdfString;
    expect(v.bytes).toEqual(Buffer.from('Hello\x70', 'latin1'));
    expect(v.hex).toBe(true);
  });

  it('names decode #xx; numbers, booleans, null; refs only for "int int R"', () => {
    expect((parse('/A#20B') as PdfName).name).toBe('A B');
    expect(parse('[1 -2.5 .5 +3 4. true false null 1 0 R 7 8 /N]')).toEqual([
      1,
      -2.5,
      0.5,
      3,
      4,
      true,
      false,
      null,
      new PdfRef(1, 0),
      7,
      8,
      PdfName.of('N'),
    ]);
  });

  it('dictionaries nest and keep insertion order; text strings decode UTF-16BE', () => {
    const d = parse('<< /Type /Sig /Sub << /A [1 2] >> /T <FEFF0110> >>') as PdfDict;
    expect([...d.map.keys()]).toEqual(['Type', 'Sub', 'T']);
    expect((d.get('Sub') as PdfDict).get('A')).toEqual([1, 2]);
    expect((d.get('T') as PdfString).text()).toBe('Đ');
  });

  it('nesting beyond the limit is PDF_LIMIT_EXCEEDED, garbage is PDF_MALFORMED', () => {
    expect(() => new Parser(Buffer.from('['.repeat(300)), 0, 100).parseObject()).toThrow(
      expect.objectContaining({ code: 'PDF_LIMIT_EXCEEDED' }),
    );
    expect(() => parse('<< /A ')).toThrow(AppError);
    expect(() => parse(')')).toThrow(expect.objectContaining({ code: 'PDF_MALFORMED' }));
  });

  it('streams: direct /Length, indirect /Length via resolver, wrong /Length falls back to endstream', () => {
    const good = new Parser(Buffer.from('4 0 obj << /Length 5 >>\nstream\nhello\nendstream\nendobj')).parseIndirect();
    expect((good.value as PdfStream).raw.toString()).toBe('hello');
    const ind = new Parser(Buffer.from('4 0 obj << /Length 9 0 R >>\nstream\r\nhello\r\nendstream endobj')).parseIndirect(() => 5);
    expect((ind.value as PdfStream).raw.toString()).toBe('hello');
    const wrong = new Parser(Buffer.from('4 0 obj << /Length 99 >>\nstream\nhello world\nendstream\nendobj')).parseIndirect();
    expect((wrong.value as PdfStream).raw.toString()).toBe('hello world');
    expect(() => new Parser(Buffer.from('4 0 obj << /Length 2 >>\nstream\nabc')).parseIndirect()).toThrow(
      expect.objectContaining({ code: 'PDF_MALFORMED' }),
    );
  });

  it('serialize → parse round-trips arbitrary objects', () => {
    const leaf = fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.integer({ min: -1e9, max: 1e9 }),
      fc.string({ maxLength: 12 }).map((s) => PdfName.of(Buffer.from(s, 'utf8').toString('latin1'))),
      fc.uint8Array({ maxLength: 20 }).map((b) => new PdfString(Buffer.from(b))),
      fc.tuple(fc.nat(1e6), fc.nat(65535)).map(([n, g]) => new PdfRef(n, g)),
    );
    const obj = fc.letrec<{ o: PdfObject }>((tie) => ({
      o: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('o'), { maxLength: 4 }),
        fc.dictionary(fc.stringMatching(/^[A-Za-z]{1,6}$/), tie('o'), { maxKeys: 4 }).map((r) => new PdfDict(Object.entries(r))),
      ),
    })).o;
    const norm = (o: PdfObject): unknown => {
      if (o instanceof PdfString) return ['s', o.bytes.toString('hex')];
      if (o instanceof PdfName) return ['n', o.name];
      if (o instanceof PdfRef) return ['r', o.num, o.gen];
      if (o instanceof PdfDict) return ['d', [...o.map].map(([k, v]) => [k, norm(v)])];
      if (Array.isArray(o)) return o.map(norm);
      return o;
    };
    fc.assert(
      fc.property(obj, (o) => {
        expect(norm(parse(serializeObject(o)))).toEqual(norm(o));
      }),
      { numRuns: 300 },
    );
  });

  it('integers and references: the allocation-free fast path agrees with the token rules', () => {
    const parse = (t: string) => new Parser(Buffer.from(t, 'latin1')).parseObject();
    expect(parse('[1 2 R 3]')).toEqual([new PdfRef(1, 2), 3]);
    expect(parse('[1 2 3]')).toEqual([1, 2, 3]);
    expect(parse('12 0 % comment\n R')).toEqual(new PdfRef(12, 0));
    expect(parse('12 0 Rx')).toBe(12);
    expect(parse('12 0')).toBe(12);
    expect(parse('007')).toBe(7);
    expect(parse('5.5')).toBe(5.5);
    expect(parse('12abc')).toBe(12);
    expect(parse('1234567890123456 0 R')).toEqual(new PdfRef(1234567890123456, 0));
    expect((parse('<< /A 3 0 R /B 4 >>') as PdfDict).map).toEqual(
      new Map<string, PdfObject>([
        ['A', new PdfRef(3, 0)],
        ['B', 4],
      ]),
    );
    const p = new Parser(Buffer.from('7 8 R tail', 'latin1'), 0, 200, 3);
    expect(p.parseObject()).toBe(7);
    expect(p.pos).toBe(1);
  });
});
