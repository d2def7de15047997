import type { ParsedCms } from '../../../cms/parse.js';
import type { CertInfo } from '../../../pki/path/cert.js';
import type { RevocationFetcher } from '../../../pki/path/revocation.js';
import type { TrustStore } from '../../../pki/path/trust-store.js';
import type { PdfRevisions } from '../../syntax/revision-reader.js';
import type { DiffResult } from '../diff.js';
import type { ChangeReport } from '../report.js';
import type { Budget } from '../limits.js';
import type { Coverage, IntegrityFacts, SignatureKind, SubIndication, TimestampReport } from '../report.js';
import type { FoundSignature } from '../signatures.js';
import type { TimestampCheck } from '../timestamp.js';
import type { DssMaterial } from './dss-material.js';
import type { VerifyPolicy } from './options.js';
import type { PrefixHasher } from './prefix-hasher.js';

/** What every step of one validation run reads (never writes). */
export interface VerifyContext {
  readonly pdf: PdfRevisions;
  readonly policy: VerifyPolicy;
  /** Validation time (--at or the injected clock). */
  readonly at: Date;
  /** The injected clock's "now" (freshness of fetched revocation data), never Date.now(). */
  readonly now: Date;
  readonly budget: Budget;
  readonly trust: TrustStore;
  readonly revocation: RevocationFetcher | undefined;
  readonly offline: boolean;
  readonly dss: DssMaterial;
  readonly prefix: PrefixHasher;
}

/** Integrity step output for one signature (rules A and 13: byte range, CMS, digest, signature). */
export interface IntegrityOutcome {
  readonly found: FoundSignature;
  readonly kind: SignatureKind;
  readonly subFilter: string | null;
  readonly coverage: Coverage;
  readonly signedRevision: { readonly index: number | null; readonly length: number };
  /** Revision index the byte range covers (undefined when it covers none). */
  readonly signedRevisionIndex: number | undefined;
  /** End of the signed bytes (orders signatures; MAX_SAFE_INTEGER without a byte range). */
  readonly end: number;
  readonly integrity: IntegrityFacts;
  readonly sd: ParsedCms | undefined;
  readonly signerCert: CertInfo | undefined;
  /** Digest and signature value both verify. */
  readonly intact: boolean;
  readonly hardFail: SubIndication | undefined;
  readonly timestampChecks: readonly TimestampCheck[];
  /** adbe-revocationInfoArchival material (signed attribute). */
  readonly archival: { readonly crls: readonly Buffer[]; readonly ocsps: readonly Buffer[] };
  readonly errors: string[];
  readonly warnings: string[];
}

/** One signature while its steps run: the integrity outcome plus what later steps add. */
export interface SignatureWork extends IntegrityOutcome {
  /** Timestamps after the TSA revocation step (same order as timestampChecks). */
  timestamps: TimestampReport[];
  /** Times a trusted timestamp proves the signature existed at (POE). */
  readonly proofTimes: Date[];
  diff: DiffResult | undefined;
  /** Additions after signing that cover signed content, located (steps/overlay.ts). */
  coverings: readonly ChangeReport[];
}
