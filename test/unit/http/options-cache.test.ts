import { describe, expect, it } from 'vitest';
import { MAX_KEPT_TEXT, optionsCache } from '../../../src/http/options-cache.js';

type Options = { signer: { kind: string; authorizationId?: string; pin?: string }; reason?: string };

/** A parser that counts its calls and refuses what is not JSON with a signer. */
function counted() {
  const calls: Array<string | undefined> = [];
  const parse = (text: string | undefined): Options => {
    calls.push(text);
    const o = JSON.parse(text ?? '{}') as Partial<Options>;
    if (!o.signer) throw new Error('signer required');
    return o as Options;
  };
  return { calls, parse };
}
const keep = (o: Options) => o.signer.authorizationId !== undefined;

describe('optionsCache', () => {
  it('ok/parses a kept text once and hands every later request the same frozen object', () => {
    const { calls, parse } = counted();
    const options = optionsCache(parse, keep);
    const text = JSON.stringify({ signer: { kind: 'credential', authorizationId: 'sa_1' }, reason: 'r' });
    const a = options(text);
    const b = options(text);
    expect(b).toBe(a);
    expect(calls).toEqual([text]);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.signer)).toBe(true);
    expect(() => {
      (a as { reason?: string }).reason = 'changed';
    }).toThrow(TypeError);
  });

  it('ok/never keeps what `keep` refuses (a PIN): each request parses it again', () => {
    const { calls, parse } = counted();
    const options = optionsCache(parse, keep);
    const text = JSON.stringify({ signer: { kind: 'credential', pin: '246810' } });
    const a = options(text);
    const b = options(text);
    expect(b).not.toBe(a);
    expect(calls).toEqual([text, text]);
    expect(Object.isFrozen(a)).toBe(false);
  });

  it('err/a text that fails to parse is refused by the parser every time, never kept', () => {
    const { calls, parse } = counted();
    const options = optionsCache(parse, keep);
    expect(() => options('{}')).toThrow('signer required');
    expect(() => options('{}')).toThrow('signer required');
    expect(() => options(undefined)).toThrow('signer required');
    expect(calls).toEqual(['{}', '{}', undefined]);
  });

  it('ok/keeps at most `size` texts (starting over when full)', () => {
    const { calls, parse } = counted();
    const options = optionsCache(parse, keep, 2);
    const text = (n: number) => JSON.stringify({ signer: { kind: 'credential', authorizationId: `sa_${n}` } });
    options(text(1));
    options(text(2));
    options(text(1));
    expect(calls).toHaveLength(2);
    options(text(3)); // full: the kept texts are dropped
    options(text(1));
    expect(calls).toHaveLength(4);
  });

  it('edge/a long text (options padded with whitespace) is parsed every time and never kept', () => {
    const { calls, parse } = counted();
    const options = optionsCache(parse, keep);
    const short = JSON.stringify({ signer: { kind: 'credential', authorizationId: 'sa_1' } });
    const padded = short.replace('{', '{' + ' '.repeat(MAX_KEPT_TEXT));
    const a = options(padded);
    const b = options(padded);
    expect(b).not.toBe(a);
    expect(b).toEqual(a);
    expect(calls).toEqual([padded, padded]);
    expect(Object.isFrozen(a)).toBe(false);
  });
});
