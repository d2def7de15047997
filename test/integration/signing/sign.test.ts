import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { issueSigner, sharedTestCa } from '../../fixtures/pki-fixture.js';
import { assertSignedOk, makeService } from './harness.js';

const root = join(import.meta.dirname, '..', '..', '..');
const decision = readFileSync(join(root, 'examples', 'quyet-dinh.pdf'));

describe('SignService.sign (PKCS#12)', () => {
  it('ok/invisible B-B signature on the example decision', async () => {
    const ca = sharedTestCa();
    const s = issueSigner(ca, { cn: 'Nguyễn Văn Thẩm' });
    const { service, audit } = makeService();
    const out = await service.sign(decision, { signer: { kind: 'pkcs12', pkcs12: s.p12('pw'), password: 'pw' }, reason: 'Thẩm định', location: 'Vân Đồn' });
    assertSignedOk(decision, out, 1, ca, 'invisible');
    expect(out.toString('latin1')).toMatch(/\/M\s*\(D:\d{14}\+07'00'\)/);
    expect(audit.events.at(-1)).toMatchObject({ action: 'signing.sign', outcome: 'success' });
  });
});
