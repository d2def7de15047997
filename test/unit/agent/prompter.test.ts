import { describe, expect, it } from 'vitest';
import { PassThrough, Writable } from 'node:stream';
import { linePrompter } from '../../../src/agent/prompter.js';

/** A line prompter on an in-memory terminal. */
function terminal() {
  const input = new PassThrough();
  let screen = '';
  const output = new Writable({
    write(chunk: Buffer, _enc, done) {
      screen += chunk.toString('utf8');
      done();
    },
  });
  return { prompter: linePrompter(input, output), input, screen: () => screen };
}
const tick = () => new Promise((r) => setTimeout(r, 20));
/** Whether `p` has settled by now (after pending I/O callbacks). */
const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(() => (done = true));
  await tick();
  return done;
};

describe('linePrompter', () => {
  it('drops lines typed while no question is showing', async () => {
    const t = terminal();
    t.input.write('y\n');
    await tick();
    const a = t.prompter.ask('Q? ');
    expect(await settled(a)).toBe(false);
    t.input.write('n\n');
    expect(await a).toBe('n');
  });

  it('a line typed ahead in the same burst as an answer does not answer the next question', async () => {
    const t = terminal();
    const a = t.prompter.ask('first? ');
    const b = t.prompter.ask('second? ');
    await tick();
    t.input.write('y\ny\n');
    expect(await a).toBe('y');
    await tick();
    expect(t.screen()).toContain('second? ');
    expect(await settled(b)).toBe(false);
    t.input.write('n\n');
    expect(await b).toBe('n');
  });

  it('a question cancelled before its turn is never printed; one cancelled while showing is withdrawn and answers ""', async () => {
    const t = terminal();
    const first = t.prompter.ask('first? ');
    const early = new AbortController();
    const dropped = t.prompter.ask('dropped? ', { signal: early.signal });
    early.abort();
    expect(await dropped).toBe('');
    const late = new AbortController();
    const withdrawn = t.prompter.ask('withdrawn? ', { signal: late.signal });
    const last = t.prompter.ask('last? ');
    await tick();
    t.input.write('1\n');
    expect(await first).toBe('1');
    await tick();
    expect(t.screen()).toContain('withdrawn? ');
    late.abort();
    expect(await withdrawn).toBe('');
    await tick();
    expect(t.screen()).not.toContain('dropped? ');
    expect(t.screen()).toMatch(/withdrawn\? [^]*withdrawn[^?]*\n[^]*last\? $/);
    await tick();
    t.input.write('2\n');
    expect(await last).toBe('2');
  });

  it('an already cancelled question answers "" without being printed', async () => {
    const t = terminal();
    expect(await t.prompter.ask('never? ', { signal: AbortSignal.abort() })).toBe('');
    expect(t.screen()).toBe('');
  });

  it('low-priority questions wait until no other question is waiting', async () => {
    const t = terminal();
    const a = t.prompter.ask('a? ');
    const low = t.prompter.ask('low? ', { priority: 'low' });
    const b = t.prompter.ask('b? ');
    await tick();
    t.input.write('1\n');
    expect(await a).toBe('1');
    await tick();
    t.input.write('2\n');
    expect(await b).toBe('2');
    await tick();
    t.input.write('3\n');
    expect(await low).toBe('3');
    expect(t.screen()).toBe('a? b? low? ');
  });

  it('once the input has ended every question answers ""', async () => {
    const t = terminal();
    const a = t.prompter.ask('a? ');
    await tick();
    t.input.end();
    expect(await a).toBe('');
    expect(await t.prompter.ask('b? ')).toBe('');
  });
});
