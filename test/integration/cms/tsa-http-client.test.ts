import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { createTimestampAuthority, type TimestampAuthority } from '../../../src/cms/timestamp-authority.js';
import { createHttpTimestampClient, type FetchLike } from '../../../src/cms/tsa-http-client.js';
import { parseTimestampToken } from '../../../src/cms/timestamp-token.js';
import { keySigner, makeTestPki, TSA_EXT } from '../../interop/cms/test-pki.js';

type Mode = 'ok' | 'garbage' | '503' | 'hang' | 'other-imprint' | 'flaky';
let mode: Mode = 'ok';
let hits = 0;
let server: Server;
let url: string;
let tsa: TimestampAuthority;

beforeAll(async () => {
  const pki = makeTestPki();
  const id = pki.issue('tsa', 'p256', TSA_EXT);
  tsa = createTimestampAuthority({
    signer: keySigner(id),
    certificate: id.cert,
    policyOid: '1.3.6.1.4.1.99999.3',
    clock: new FakeClock(Date.now()),
  });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits++;
      const body = Buffer.concat(chunks);
      const send = (b: Buffer) => {
        res.writeHead(200, { 'content-type': 'application/timestamp-reply' });
        res.end(b);
      };
      if (mode === 'hang') return; // never answers
      if (mode === '503' || (mode === 'flaky' && hits === 1)) {
        res.writeHead(503);
        res.end();
        return;
      }
      if (mode === 'garbage') return send(Buffer.from('<html>hello</html>'));
      if (mode === 'other-imprint') {
        // a valid token, but for a different digest and with no nonce
        void tsa
          .issue({ hash: 'sha256', digest: randomBytes(32), certReq: true })
          .then((t) =>
            send(Buffer.concat([Buffer.from([0x30, 0x82]), u16(t.token.length + 5), Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]), t.token])),
          );
        return;
      }
      void tsa.respond(body).then(send);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`;
}, 60_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function u16(n: number): Buffer {
  return Buffer.from([n >> 8, n & 0xff]);
}

describe('HTTP timestamp client against a loopback RFC 3161 server', () => {
  it('gets and checks a token (imprint, nonce, signature)', async () => {
    mode = 'ok';
    const data = randomBytes(100);
    const token = await createHttpTimestampClient({ url }).timestamp({ data }, 'sha384');
    const t = parseTimestampToken(token).tstInfo;
    expect(t.hashAlgorithm).toBe('sha384');
    expect(t.hashedMessage.equals(createHash('sha384').update(data).digest())).toBe(true);
    expect(t.nonce).toBeDefined();
  });

  it('garbage answer → TSA_RESPONSE_INVALID', async () => {
    mode = 'garbage';
    await expect(createHttpTimestampClient({ url, retries: 0 }).timestamp({ data: Buffer.from('x') })).rejects.toMatchObject({
      code: 'TSA_RESPONSE_INVALID',
    });
  });

  it('a token for another imprint → TSA_RESPONSE_INVALID', async () => {
    mode = 'other-imprint';
    await expect(createHttpTimestampClient({ url, retries: 0 }).timestamp({ data: Buffer.from('x') })).rejects.toMatchObject({
      code: 'TSA_RESPONSE_INVALID',
    });
  });

  it('503 → retried a bounded number of times, then TSA_UNAVAILABLE', async () => {
    mode = '503';
    hits = 0;
    await expect(
      createHttpTimestampClient({ url, retries: 2, retryDelayMs: 1 }).timestamp({ data: Buffer.from('x') }),
    ).rejects.toMatchObject({ code: 'TSA_UNAVAILABLE' });
    expect(hits).toBe(3);
  });

  it('one 503 then success → the retry succeeds', async () => {
    mode = 'flaky';
    hits = 0;
    const token = await createHttpTimestampClient({ url, retries: 2, retryDelayMs: 1 }).timestamp({ data: Buffer.from('x') });
    expect(token[0]).toBe(0x30);
    expect(hits).toBe(2);
  });

  it('a TSA that never answers → TSA_UNAVAILABLE after the timeout, no hang', async () => {
    mode = 'hang';
    await expect(
      createHttpTimestampClient({ url, timeoutMs: 200, retries: 1, retryDelayMs: 1 }).timestamp({ data: Buffer.from('x') }),
    ).rejects.toMatchObject({
      code: 'TSA_UNAVAILABLE',
    });
  });

  it('nobody listening → TSA_UNAVAILABLE', async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    await expect(
      createHttpTimestampClient({ url: `http://127.0.0.1:${port}/`, retries: 0 }).timestamp({ data: Buffer.from('x') }),
    ).rejects.toMatchObject({ code: 'TSA_UNAVAILABLE' });
  });

  it('rejection status → TSA_REQUEST_REJECTED with the failure bits (policy not offered)', async () => {
    mode = 'ok';
    const err = await createHttpTimestampClient({ url, policyOid: '1.2.3.4' })
      .timestamp({ data: Buffer.from('x') })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TSA_REQUEST_REJECTED', details: { status: 2, failInfo: [15] } });
  });

  it('uses an injected fetch and sends application/timestamp-query', async () => {
    const seen: string[] = [];
    const fake: FetchLike = async (u, init) => {
      seen.push(`${init.method} ${u} ${init.headers['content-type']}`);
      const body = await tsa.respond(Buffer.from(init.body!));
      return {
        status: 200,
        headers: { get: () => null },
        arrayBuffer: async () => body.buffer.slice(body.byteOffset, body.byteOffset + body.length) as ArrayBuffer,
      };
    };
    await createHttpTimestampClient({ url: 'http://tsa.invalid/', fetch: fake }).timestamp({
      digest: createHash('sha256').update('a').digest(),
    });
    expect(seen).toEqual(['POST http://tsa.invalid/ application/timestamp-query']);
  });
});
