/**
 * Corpus files whose DSS tests add their own trust anchor: with that anchor, chain building,
 * path validation and revocation from the embedded /DSS material (OCSP/CRL) are exercised on
 * foreign real-world data (manifest `trustAnchorInSourceTest`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTrustStore, verifyPdf } from '../../src/pdf/verify/index.js';
import { COSTA_RICA_ROOT_V2, LUXTRUST_GLOBAL_QUALIFIED_CA_3 } from '../fixtures/verify/dss-anchors.js';
import { corpusRoot } from '../fixtures/corpus.js';

const V = join(corpusRoot(), 'dss', 'dss-pades', 'src', 'test', 'resources', 'validation');

describe('corpus files with the anchors their DSS tests use', () => {
  it('self-issued-qesig.pdf: end entity issued by a non-CA → INDETERMINATE/CERTIFICATE_CHAIN_GENERAL_FAILURE', async () => {
    const trust = createTrustStore([Buffer.from(LUXTRUST_GLOBAL_QUALIFIED_CA_3, 'base64')]);
    const r = await verifyPdf(readFileSync(join(V, 'self-issued-qesig.pdf')), { trust, offline: true });
    const s = r.signatures[0]!;
    expect(s.integrity.digestMatch && s.integrity.cryptoValid).toBe(true);
    expect(s.chain.length).toBe(3);
    expect([s.indication, s.subIndication]).toEqual(['INDETERMINATE', 'CERTIFICATE_CHAIN_GENERAL_FAILURE']);
    expect(s.errors).toContain('CHAIN_INTERMEDIATE_NOT_CA');
  });

  it('doc-firmado-LT.pdf: chain to the Costa Rica root, revocation from the /DSS', async () => {
    const trust = createTrustStore([Buffer.from(COSTA_RICA_ROOT_V2, 'base64')]);
    const r = await verifyPdf(readFileSync(join(V, 'doc-firmado-LT.pdf')), { trust, offline: true });
    const s = r.signatures[0]!;
    // the 2018 signer certificate is validated at the signature timestamp's time (POE), with the
    // OCSP response and CRLs that the /DSS carries
    expect(s.timestamps[0]).toMatchObject({ type: 'signature', valid: true, trusted: true });
    expect(s.bestSignatureTime).toBe(s.timestamps[0]!.genTime);
    expect(s.revocation[0]).toMatchObject({ status: 'good', source: 'OCSP', origin: 'DSS' });
    expect(s.revocation.slice(1).every((x) => x.status === 'good')).toBe(true);
    expect(s.level).toBe('B-LT');
    expect([r.indication, r.subIndication]).toEqual(['TOTAL_PASSED', null]);
    expect(s.trustAnchor).toContain('COSTA RICA');
  });
});
