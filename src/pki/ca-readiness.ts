import { createPublicKey } from 'node:crypto';
import type { KeyStore } from '../keys/key-store.js';
import { ownCertificateState, type OwnCertificateState } from './ca-certificate-status.js';
import type { CaRecord, CaRepository, CertificateRepository } from './ports.js';
import { verifyWithKey } from '../core/signature-algorithms.js';

/**
 * Whether the CA can do its work right now: every active CA key answers a signing request (an
 * HSM that lost its session, a master key that no longer opens the sealed keys, a token pulled
 * out all show here before a subscriber sees them), and the OCSP responder and TSA certificates
 * are good (they must not answer otherwise, RFC 6960 §2.6 and RFC 3161 §2.3).
 */
export interface CaReadinessProblem {
  readonly ca: string;
  readonly problem: 'no-ca' | 'key-unusable' | 'certificate-not-good';
  readonly detail: string;
}

const PROBE = Buffer.from('kyso readiness probe');

export async function caReadinessProblems(
  deps: { cas: Pick<CaRepository, 'list'>; certificates: Pick<CertificateRepository, 'findBySerial'>; keys: KeyStore },
  now: Date,
): Promise<CaReadinessProblem[]> {
  const cas = (await deps.cas.list()).filter((c) => c.status === 'active');
  if (cas.length === 0) return [{ ca: '-', problem: 'no-ca', detail: 'the CA hierarchy has not been created (kyso init)' }];
  const problems: CaReadinessProblem[] = [];
  for (const ca of cas) {
    const keyProblem = await keyUnusable(deps.keys, ca);
    if (keyProblem) problems.push({ ca: ca.id, problem: 'key-unusable', detail: keyProblem });
    if (ca.kind === 'ocsp-responder' || ca.kind === 'tsa') {
      const state: OwnCertificateState = await ownCertificateState(deps.certificates, ca, now);
      if (state !== 'good' && state !== 'unknown') problems.push({ ca: ca.id, problem: 'certificate-not-good', detail: state });
    }
  }
  return problems;
}

/** Signs a fixed probe with the CA's key and checks the signature with its certificate's public key. */
async function keyUnusable(keys: KeyStore, ca: CaRecord): Promise<string | undefined> {
  try {
    const signer = await keys.signer(ca.keyUri);
    const signature = await signer.sign(PROBE);
    const publicKey = createPublicKey({ key: signer.publicKeySpki, format: 'der', type: 'spki' });
    if (!verifyWithKey(signer.algorithm, publicKey, PROBE, signature)) return 'the key signed, but the signature does not verify';
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
