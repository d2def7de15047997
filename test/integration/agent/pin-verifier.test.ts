import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueSigner, sharedTestCa } from '../../fixtures/pki-fixture.js';
import { softHsmToken, type SoftHsmToken } from '../../fixtures/softhsm-token.js';
import { startTokenAgent, type TokenAgent } from '../../fixtures/token-agent.js';
import { probeSession, sameProcessProbe, type Pkcs11Probe } from '../../fixtures/pkcs11-probe.js';

/**
 * While a token is logged in, the key store keeps a hash of the PIN that logged in, to check the
 * PIN of a second store on the same token (Cryptoki answers CKR_USER_ALREADY_LOGGED_IN whatever
 * PIN it is given). The agent holds its modules for its whole run, so that hash must go with the
 * login, or a short PIN stays recoverable from the agent's memory long after the signature.
 *
 * Seen from outside: after a signature (login, sign, logout), another part of the process logs the
 * token in (a pkcs11js probe on the same library shares the application's login state, PKCS#11
 * v2.40 §5.6). A store opened now meets CKR_USER_ALREADY_LOGGED_IN; had the earlier PIN's hash
 * been kept, the right PIN would pass the comparison and sign; with nothing kept, no PIN can be
 * checked and the agent refuses (PIN_INVALID) rather than sign on a login it did not verify.
 */
const PAGE = 'http://127.0.0.1:18098';

let token: SoftHsmToken;
let agent: TokenAgent;
let probe: Pkcs11Probe;
let certificateId: string;

beforeAll(async () => {
  const signer = issueSigner(sharedTestCa(), { cn: 'Đỗ Văn Đăng Xuất' });
  token = softHsmToken({ key: signer.key, chain: signer.chain });
  agent = await startTokenAgent({
    token,
    allowed: [PAGE],
    prompter: { ask: () => Promise.resolve('y'), askSecret: () => Promise.resolve('') },
  });
  const list = (await fetch(`${agent.base}/v1/certificates`, { headers: { origin: PAGE } }).then((r) => r.json())) as {
    certificates: Array<{ id: string }>;
  };
  certificateId = list.certificates[0]!.id;
  // The same library, already initialized by the agent in this process: the probe shares its state.
  probe = sameProcessProbe();
}, 60_000);

afterAll(async () => {
  await agent?.close();
});

async function sign(pin: string) {
  const res = await fetch(`${agent.base}/v1/sign`, {
    method: 'POST',
    headers: { origin: PAGE, 'content-type': 'application/json' },
    body: JSON.stringify({ certificateId, algorithm: 'RSA-PKCS1-SHA256', documentName: 'a.pdf', signedAttributes: 'MQA=', pin }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('kyso agent: nothing derived from the PIN outlives the login', () => {
  it('after a signature logged out, a login made elsewhere in the process is not taken for the earlier PIN', async () => {
    expect((await sign(token.pin)).status).toBe(200);

    const session = probeSession(probe, token.label);
    try {
      probe.C_Login(session, 1, token.pin); // CKU_USER
      const r = await sign(token.pin);
      expect([r.status, r.body.code]).toEqual([403, 'PIN_INVALID']);
    } finally {
      try {
        probe.C_Logout(session);
      } catch {
        // already logged out
      }
      probe.C_CloseSession(session);
    }
    // Logged out again, the agent logs in itself and checks the PIN on the token as usual.
    expect((await sign('000000')).body.code).toBe('PIN_INVALID');
    expect((await sign(token.pin)).status).toBe(200);
  });
});
