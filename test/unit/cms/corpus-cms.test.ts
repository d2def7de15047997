import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certificateInfo } from '../../../src/cms/certificate-info.js';
import { parseCms } from '../../../src/cms/parse.js';
import { parseTimestampToken } from '../../../src/cms/timestamp-token.js';
import { findSignerCertificate, verifySignerInfoSignature } from '../../../src/cms/verify.js';
import { corpusRoot } from '../../fixtures/corpus.js';

/**
 * Our CMS reader and signature check over real signatures from the public corpus, against the
 * facts recorded in its manifest by independent tools (digest algorithm, SignerInfo count,
 * timestamps, DER order of signed attributes, message digest, whether the signature verifies).
 * /Contents is taken from the ByteRange gap with plain byte arithmetic.
 */
const CORPUS = corpusRoot();

interface SigDict {
  byteRange?: number[];
  kind?: string;
  gapIsHexString?: boolean;
  cms?: string;
  digestAlgorithm?: string;
  signerInfoCount?: number;
  signatureTimestamps?: number;
  signedAttrsDerOrdered?: boolean;
  certificateCount?: number;
  digestMatchesByteRange?: boolean | string;
  signatureVerifies?: boolean | null;
  signedAttributes?: string;
  eContentPresent?: boolean;
}
interface Entry {
  path: string;
  observed?: { signatureDictionaries?: SigDict[] };
}

const manifest = JSON.parse(readFileSync(join(CORPUS, 'manifest.json'), 'utf8')) as { files: Entry[] };
const cases: Array<[string, number, SigDict]> = [];
for (const f of manifest.files) {
  (f.observed?.signatureDictionaries ?? []).forEach((s, i) => {
    if (s.kind && s.gapIsHexString && !s.cms && s.byteRange?.length === 4 && s.digestAlgorithm) cases.push([f.path, i, s]);
  });
}

describe('CMS parse/verify over corpus signatures', () => {
  it('has enough cases to mean something', () => {
    expect(existsSync(CORPUS)).toBe(true);
    expect(cases.length).toBeGreaterThan(150);
  });

  it.each(cases)('%s #%i', (path, _i, s) => {
    const pdf = readFileSync(join(CORPUS, path));
    const [a, b, c, d] = s.byteRange as [number, number, number, number];
    const hex = pdf
      .subarray(b + 1, c - 1)
      .toString('latin1')
      .replace(/[^0-9a-fA-F]/g, '');
    const contents = Buffer.from(hex, 'hex');
    const signed = [pdf.subarray(a, a + b), pdf.subarray(c, c + d)];
    const cms = parseCms(contents);
    const si = cms.signerInfos[0]!;
    expect(cms.signerInfoCount).toBe(s.signerInfoCount ?? 1);
    expect(si.digestAlgorithm).toBe(s.digestAlgorithm);
    if (s.certificateCount !== undefined) expect(cms.certificates).toHaveLength(s.certificateCount);
    if (s.eContentPresent !== undefined) expect(cms.encapsulatedContent !== undefined).toBe(s.eContentPresent);

    if (s.kind === 'document-timestamp') {
      const { tstInfo } = parseTimestampToken(contents);
      const h = createHash(tstInfo.hashAlgorithm);
      for (const part of signed) h.update(part);
      // copied/duplicated document timestamps (attacks) do not match: the manifest says which
      expect(tstInfo.hashedMessage.equals(h.digest())).toBe(s.digestMatchesByteRange === true);
    } else {
      expect(si.timestampTokens).toHaveLength(s.signatureTimestamps ?? 0);
      for (const t of si.timestampTokens) expect(parseTimestampToken(t).tstInfo.hashedMessage.length).toBeGreaterThan(0);
      if (s.signedAttrsDerOrdered !== undefined) expect(si.signedAttributesDerSorted).toBe(s.signedAttrsDerOrdered);
      if (s.signedAttributes === 'absent') expect(si.signedAttributesRaw).toBeUndefined();
      if (s.digestMatchesByteRange === true && si.messageDigest && s.digestAlgorithm !== 'shake256') {
        const h = createHash(s.digestAlgorithm!);
        for (const part of signed) h.update(part);
        expect(si.messageDigest.equals(h.digest())).toBe(true);
      }
    }
    if (typeof s.signatureVerifies === 'boolean') {
      const cert = findSignerCertificate(si, cms.certificates);
      expect(cert).toBeDefined();
      const content = cms.encapsulatedContent ?? signed;
      expect(verifySignerInfoSignature(si, certificateInfo(cert!).spki, content)).toBe(s.signatureVerifies);
    }
  });
});
