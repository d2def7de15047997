import { AppError } from '../core/errors.js';
import type { Signer, SignatureAlgorithm } from '../core/signature-algorithms.js';
import type { KeyStore } from '../keys/key-store.js';
import { authorizationRef, type CredentialService } from './credential-service.js';
import { keyObjectSigner, readPkcs12 } from './pkcs12-signer.js';
import { orderChain } from './certificate-chain.js';
import { requireHolder, type CertificateHolderPort } from './certificate-holders.js';
import type { SignerSource } from './types.js';

export interface ResolvedSigner {
  readonly signer: Signer;
  /** Signer certificate first. */
  readonly certificates: Buffer[];
  /** For audit: which credential/key was used (never secrets). */
  readonly source: {
    readonly kind: SignerSource['kind'];
    readonly credentialId?: string;
    readonly keyUri?: string;
    readonly authorizationId?: string;
  };
}

export interface ResolverDeps {
  readonly keyStore?: KeyStore | undefined;
  readonly credentials?: CredentialService | undefined;
  readonly certificateHolders?: CertificateHolderPort | undefined;
}

/** Turns a SignerSource into a native Signer + chain; secrets stay inside this call. */
export async function resolveSigner(
  source: SignerSource,
  actorId: string,
  deps: ResolverDeps,
  algorithm?: SignatureAlgorithm,
  documents = 1,
): Promise<ResolvedSigner> {
  switch (source.kind) {
    case 'pkcs12': {
      if (!Buffer.isBuffer(source.pkcs12) || typeof source.password !== 'string') {
        throw new AppError('VALIDATION_FAILED', 'a PKCS#12 signer needs the file and its password');
      }
      const { privateKey, certificates } = readPkcs12(source.pkcs12, source.password);
      await requireHolder(deps.certificateHolders, actorId, certificates[0]!);
      return { signer: keyObjectSigner(privateKey, algorithm), certificates, source: { kind: 'pkcs12' } };
    }
    case 'keystore': {
      if (!deps.keyStore) throw new TypeError('resolveSigner: no KeyStore configured for keystore signers');
      if (!source.certificates?.length) throw new AppError('VALIDATION_FAILED', 'a keystore signer needs its certificate chain');
      const signer = await deps.keyStore.signer(source.keyUri, algorithm);
      const leaf = source.certificates[0]!;
      return { signer, certificates: orderChain(leaf, source.certificates.slice(1)), source: { kind: 'keystore', keyUri: source.keyUri } };
    }
    case 'credential': {
      if (!deps.credentials) throw new TypeError('resolveSigner: no CredentialService configured');
      if ('pin' in source) {
        const u = await deps.credentials.unlockWithPin(source.credentialId, actorId, source.pin);
        return {
          signer: u.signer,
          certificates: [...u.credential.certificates],
          source: { kind: 'credential', credentialId: u.credential.id },
        };
      }
      const u = await deps.credentials.unlockWithAuthorization(source.authorizationId, actorId, documents, source.credentialId);
      return {
        signer: u.signer,
        certificates: [...u.credential.certificates],
        source: { kind: 'credential', credentialId: u.credential.id, authorizationId: authorizationRef(u.authorization.id) },
      };
    }
  }
}
