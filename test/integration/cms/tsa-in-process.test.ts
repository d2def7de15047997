import { createHash, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import type { Signer } from '../../../src/core/signature-algorithms.js';
import { createTimestampAuthority } from '../../../src/cms/timestamp-authority.js';
import { createInProcessTimestampClient } from '../../../src/cms/timestamp-client.js';
import { checkTimestampToken, parseTimestampToken } from '../../../src/cms/timestamp-token.js';
import { keySigner, makeTestPki, TSA_EXT, type TestIdentity } from '../../interop/cms/test-pki.js';

let tsaId: TestIdentity;
let otherId: TestIdentity;

beforeAll(() => {
  const pki = makeTestPki();
  tsaId = pki.issue('tsa', 'p256', TSA_EXT);
  otherId = pki.issue('other', 'p256', TSA_EXT);
}, 60_000);

const tsaWith = (signer: Signer) =>
  createTimestampAuthority({ signer, certificate: tsaId.cert, policyOid: '1.3.6.1.4.1.99999.4', clock: new FakeClock(Date.now()) });

describe('in-process timestamps: the TSA core checks its own signature, the client relies on it', () => {
  it('ok/a token for the data, with a nonce, that a full check (imprint, signature, ESS, EKU) accepts', async () => {
    const data = randomBytes(64);
    const token = await createInProcessTimestampClient(tsaWith(keySigner(tsaId))).timestamp({ data }, 'sha384');
    const digest = createHash('sha384').update(data).digest();
    const { tstInfo } = checkTimestampToken(token, { digest, hash: 'sha384' });
    expect(tstInfo.nonce).toBeDefined();
    expect(parseTimestampToken(token).cms.certificates.some((c) => c.equals(tsaId.cert))).toBe(true);
  });

  it('bad/a key that is not the certificate’s → TSA_UNAVAILABLE from the core and the client, no token', async () => {
    const tsa = tsaWith(keySigner(otherId));
    const digest = createHash('sha256').update('x').digest();
    await expect(tsa.issue({ hash: 'sha256', digest, certReq: true })).rejects.toMatchObject({ code: 'TSA_UNAVAILABLE' });
    await expect(createInProcessTimestampClient(tsa).timestamp({ digest })).rejects.toMatchObject({ code: 'TSA_UNAVAILABLE' });
  });

  it('bad/a key store that returns a damaged signature → TSA_UNAVAILABLE, no token', async () => {
    const good = keySigner(tsaId);
    const faulty: Signer = {
      ...good,
      sign: async (d) => {
        const sig = await good.sign(d);
        sig[sig.length - 1]! ^= 0x01;
        return sig;
      },
    };
    await expect(createInProcessTimestampClient(tsaWith(faulty)).timestamp({ data: randomBytes(8) })).rejects.toMatchObject({
      code: 'TSA_UNAVAILABLE',
    });
  });
});
