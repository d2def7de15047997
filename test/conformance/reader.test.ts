/**
 * Corpus files that pin down reader behaviour the validator depends on (pdf/syntax's
 * revision-indexed reader, docs/signatures-and-validation.md rule 5).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMPTY_TRUST_STORE, verifyPdf } from '../../src/pdf/verify/index.js';
import { corpusRoot } from '../fixtures/corpus.js';

const V = join(corpusRoot(), 'dss', 'dss-pades', 'src', 'test', 'resources', 'validation');

describe('reader behaviour on corpus files', () => {
  it('modified_after_signature.pdf: form XObjects written with a "-1.#INF" real are read (lenient number, as viewers do), not reported as missing objects; the page 3 change is still OTHER', async () => {
    const r = await verifyPdf(readFileSync(join(V, 'modified_after_signature.pdf')), {
      trust: EMPTY_TRUST_STORE,
      offline: true,
      at: new Date('2026-11-26T00:00:00Z'),
    });
    const s = r.signatures[0]!;
    expect([r.indication, r.subIndication]).toEqual(['TOTAL_FAILED', 'SIG_CONSTRAINTS_FAILURE']);
    expect(s.errors).toContain('MODIFICATION_OTHER');
    expect(s.modifications.details.filter((d) => d.includes('points to no object'))).toEqual([]);
    expect(s.modifications.details).toEqual(
      expect.arrayContaining(['other: page 3 /Resources', 'other: page 3 /Contents', 'annotation: new FreeText annotation on page 3']),
    );
  });
});
