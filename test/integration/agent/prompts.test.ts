import { afterEach, describe, expect, it } from 'vitest';
import { startPromptAgent, type PromptAgent } from '../../fixtures/prompt-agent.js';
import { PAIR_QUESTION } from '../../fixtures/agent-process.js';

/**
 * Who gets the official's attention, and which typed line answers what: pairing questions from
 * pages not yet paired cannot pile up in front of the paired page's signatures, a question whose
 * page gave up is not asked, an unanswered pairing question expires, and only a line typed after a
 * question was printed answers it.
 */
const PAGE = 'https://kyso.example.gov.vn';
const EVIL = 'https://evil.example';
const OTHER = 'https://other.example';
const ALLOW = PAIR_QUESTION;
const SIGN = /Sign\? \[[^\n]*\] /;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Whether `p` settles within `ms`. */
const within = (p: Promise<unknown>, ms: number) => Promise.race([p.then(() => true), sleep(ms).then(() => false)]);
const count = (re: RegExp, text: string) => text.split(re).length - 1;

let agent: PromptAgent | undefined;
afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

const signRequest = (a: PromptAgent, documentName: string) => ({
  certificateId: a.certificateId,
  algorithm: 'ECDSA-SHA256',
  documentName,
  signedAttributes: 'AAAA',
  pin: '1234',
});
const pair = (a: PromptAgent, origin: string, signal?: AbortSignal) => a.post(origin, '/v1/pair', { code: '000000' }, signal);
const hello = async (a: PromptAgent, origin: string) =>
  (await fetch(`http://127.0.0.1:${a.port}/v1/hello`, { headers: { origin } }).then((r) => r.json())) as { paired: boolean };

describe('kyso agent: pairing questions cannot hold up the paired page', () => {
  it('one pairing question at a time: every other /v1/pair meanwhile gets 429 AGENT_PAIRING_PENDING and no question', async () => {
    const a = (agent = await startPromptAgent({ paired: [PAGE] }));
    const first = pair(a, EVIL);
    const at = await a.waitFor(ALLOW);
    const asking = Promise.all([...Array.from({ length: 20 }, () => pair(a, EVIL)), pair(a, OTHER)]);
    expect(await within(asking, 3000)).toBe(true);
    for (const r of await asking) expect([r.status, r.body.code]).toEqual([429, 'AGENT_PAIRING_PENDING']);
    expect(count(/pairing request/, a.screen())).toBe(1);
    a.type('n');
    expect((await first).body.code).toBe('AGENT_REFUSED');
    // Once it is answered another page may ask.
    const next = pair(a, OTHER);
    await a.waitFor(ALLOW, at);
    a.type('000000');
    expect((await next).body).toEqual({ paired: true });
  });

  it("a paired page's signature question is asked before a pairing question still waiting", async () => {
    const a = (agent = await startPromptAgent({ paired: [PAGE] }));
    const first = a.post(PAGE, '/v1/sign', signRequest(a, 'first.pdf'));
    let at = await a.waitFor(SIGN);
    const pairing = pair(a, EVIL);
    await sleep(200);
    const second = a.post(PAGE, '/v1/sign', signRequest(a, 'second.pdf'));
    await sleep(200);
    a.type('y');
    expect((await first).status).toBe(200);
    const next = await a.waitFor(new RegExp(`${ALLOW.source}|${SIGN.source}`), at);
    expect(a.screen().slice(at, next)).toContain('second.pdf');
    expect(a.screen().slice(at, next)).not.toContain(EVIL);
    a.type('y');
    expect((await second).status).toBe(200);
    at = await a.waitFor(ALLOW, next);
    a.type('n');
    expect((await pairing).body.code).toBe('AGENT_REFUSED');
  });

  it('a pairing question nobody answers is withdrawn after the pairing timeout: refused, nothing paired, later lines answer nothing', async () => {
    const a = (agent = await startPromptAgent({ paired: [PAGE], pairTimeoutMs: 300 }));
    const asked = pair(a, EVIL);
    const at = await a.waitFor(ALLOW);
    expect(await within(asked, 3000)).toBe(true);
    const r = await asked;
    expect([r.status, r.body.code]).toEqual([403, 'AGENT_REFUSED']);
    expect(a.screen().slice(at)).toMatch(/withdrawn/);
    a.type('y');
    await sleep(100);
    expect((await hello(a, EVIL)).paired).toBe(false);
    // The paired page is asked as usual afterwards.
    const sign = a.post(PAGE, '/v1/sign', signRequest(a, 'after.pdf'));
    await a.waitFor(SIGN, at);
    a.type('y');
    expect((await sign).status).toBe(200);
  });

  it('a pairing request the page cancelled is never asked while it waits, and withdrawn while it is shown', async () => {
    const a = (agent = await startPromptAgent({ paired: [PAGE] }));
    const sign = a.post(PAGE, '/v1/sign', signRequest(a, 'busy.pdf'));
    let at = await a.waitFor(SIGN);
    const waiting = new AbortController();
    const cancelled = pair(a, EVIL, waiting.signal).catch(() => 'cancelled');
    await sleep(200);
    waiting.abort();
    expect(await cancelled).toBe('cancelled');
    await sleep(200);
    a.type('n');
    expect((await sign).body.code).toBe('AGENT_REFUSED');
    await sleep(300);
    expect(a.screen().slice(at)).not.toContain('pairing request');

    // Nothing is pending any more: a new pairing request is asked, and withdrawn when cancelled.
    const shown = new AbortController();
    const gone = pair(a, EVIL, shown.signal).catch(() => 'cancelled');
    at = await a.waitFor(ALLOW, at);
    shown.abort();
    expect(await gone).toBe('cancelled');
    await a.waitFor(/withdrawn/, at);
    a.type('y');
    await sleep(100);
    expect((await hello(a, EVIL)).paired).toBe(false);
  });
});

describe('kyso agent: only a line typed after a question answers it', () => {
  it('a pairing is allowed only by typing the code the page shows (the agent does not show it): "y", a key pressed twice after a signature, refuses', async () => {
    const a = (agent = await startPromptAgent({ paired: [PAGE] }));
    const sign = a.post(PAGE, '/v1/sign', signRequest(a, 'double.pdf'));
    const at = await a.waitFor(SIGN);
    const pairing = a.post(EVIL, '/v1/pair', { code: '384756' });
    await sleep(100);
    // the official answers the signature; the key bounces: a second "y" 30 ms later
    a.type('y');
    await sleep(30);
    a.type('y');
    expect((await sign).status).toBe(200);
    const r = await pairing;
    expect([r.status, r.body.code]).toEqual([403, 'AGENT_REFUSED']);
    expect((await hello(a, EVIL)).paired).toBe(false);
    expect(a.screen().slice(at)).toContain(EVIL);
    expect(a.screen()).not.toContain('384756');
    // typed, the code pairs
    const mark = a.screen().length;
    const again = a.post(EVIL, '/v1/pair', { code: '918273' });
    await a.waitFor(ALLOW, mark);
    a.type('918273');
    expect((await again).body).toEqual({ paired: true });
  });

  it('a "y" typed while nothing is asked does not pair the next page that asks', async () => {
    const a = (agent = await startPromptAgent({ paired: [PAGE] }));
    a.type('y');
    await sleep(100);
    const asked = pair(a, EVIL);
    await a.waitFor(ALLOW);
    expect(await within(asked, 300)).toBe(false);
    a.type('n');
    expect((await asked).body.code).toBe('AGENT_REFUSED');
    expect((await hello(a, EVIL)).paired).toBe(false);
  });

  it('an "a" typed while nothing is asked neither signs nor trusts the origin', async () => {
    const a = (agent = await startPromptAgent({ paired: [PAGE] }));
    a.type('a');
    await sleep(100);
    const first = a.post(PAGE, '/v1/sign', signRequest(a, 'one.pdf'));
    const at = await a.waitFor(SIGN);
    expect(await within(first, 300)).toBe(false);
    a.type('y');
    expect((await first).status).toBe(200);
    // Answered "y", not "always": the next signature is asked again.
    const second = a.post(PAGE, '/v1/sign', signRequest(a, 'two.pdf'));
    await a.waitFor(SIGN, at);
    a.type('n');
    expect((await second).body.code).toBe('AGENT_REFUSED');
  });
});
