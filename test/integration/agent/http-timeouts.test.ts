import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { startPromptAgent, type PromptAgent } from '../../fixtures/prompt-agent.js';
import { PAIR_QUESTION } from '../../fixtures/agent-process.js';

/**
 * A client that sends a request slowly cannot keep it open beyond the agent's request timeout
 * (Node's default would be 300 s); a request the agent itself is slow to answer (a question to the
 * official) is not cut by it.
 */
const PAGE = 'https://kyso.example.gov.vn';
const EVIL = 'https://evil.example';

let agent: PromptAgent | undefined;
afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

/** Sends `text` and resolves with what came back once the agent closed the connection, or undefined after `ms`. */
function sendAndWait(port: number, text: string, ms: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let got = '';
    const s = connect(port, '127.0.0.1', () => void s.write(text));
    const timer = setTimeout(() => {
      s.destroy();
      resolve(undefined);
    }, ms);
    s.on('data', (d: Buffer) => (got += d.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

describe('kyso agent: request timeouts', () => {
  it('closes a request whose headers never end, and one whose body never ends', async () => {
    const a = (agent = await startPromptAgent({ paired: [PAGE], requestTimeoutMs: 500 }));
    const host = `Host: 127.0.0.1:${a.port}\r\nOrigin: ${PAGE}\r\n`;
    const headers = await sendAndWait(a.port, `POST /v1/sign HTTP/1.1\r\n${host}`, 4000);
    expect(headers).toBeDefined();
    expect(headers).toMatch(/^(HTTP\/1\.1 408|$)/);
    const body = await sendAndWait(
      a.port,
      `POST /v1/sign HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"certificateId":`,
      4000,
    );
    expect(body).toBeDefined();
    expect(body).toMatch(/^(HTTP\/1\.1 408|$)/);
  });

  it('a question to the official may take longer than the request timeout', async () => {
    const a = (agent = await startPromptAgent({ paired: [PAGE], requestTimeoutMs: 500 }));
    const asked = a.post(EVIL, '/v1/pair', { code: '000000' });
    await a.waitFor(PAIR_QUESTION);
    await new Promise((r) => setTimeout(r, 2000));
    a.type('000000');
    expect((await asked).body).toEqual({ paired: true });
  });
});
