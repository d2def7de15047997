import type { CopySignatureRequest, CopySigner } from '../copies/copy-signer.js';
import type { CredentialService } from './credential-service.js';
import type { SignService } from './sign-service.js';
import { AppError } from '../core/errors.js';
import type { SignerSource, SignOptions } from './types.js';

/**
 * The certified-copy service's signing port (src/copies/copy-signer.ts) over this service: the
 * certifier's and the authority seal's server-held credentials, PIN or batch authorization, the
 * Decree 30 individual/organization stamp in the copy's pre-created field (or a new invisible
 * field of that name), certification level and PAdES level passed through.
 */
export function copySignerFromSigning(sign: SignService, credentials: CredentialService): CopySigner {
  return {
    assertLevelAvailable: (level) => sign.assertLevelAvailable(level),
    async preflight(credentialId: string, actorId: string, pin?: string) {
      if (pin === undefined) return { signerName: (await credentials.preflight(credentialId, actorId)).signerName };
      // the PIN checked (and a wrong one counted) now, before the copy's register number is taken
      const unlocked = await credentials.preflightAndUnlock(credentialId, actorId, pin);
      let used = false;
      return {
        signerName: unlocked.signerName,
        signOnce(req: CopySignatureRequest): Promise<Buffer> {
          if (used) return Promise.reject(new AppError('FORBIDDEN', 'this PIN unlocked the credential for one document'));
          used = true;
          return sign.signUnlocked(req.pdf, { ...signOptions(req), actorId }, unlocked);
        },
      };
    },
    async sign(req: CopySignatureRequest): Promise<Buffer> {
      const signer: SignerSource =
        req.authorizationId !== undefined
          ? { kind: 'credential', credentialId: req.credentialId, authorizationId: req.authorizationId }
          : { kind: 'credential', credentialId: req.credentialId, pin: req.pin ?? '' };
      return sign.sign(req.pdf, { signer, ...signOptions(req) });
    },
  };
}

/** The signing options of a copy's signature, whatever unlocks the credential. */
function signOptions(req: CopySignatureRequest): Omit<SignOptions, 'signer'> {
  return {
    actorId: req.actorId,
    fieldName: req.field,
    createFieldIfMissing: true,
    appearance: {
      kind: req.appearance,
      ...(req.image ? { image: req.image } : {}),
      ...(req.sealDiameterMm !== undefined ? { sealDiameterMm: req.sealDiameterMm } : {}),
      ...(req.textSide ? { textSide: req.textSide } : {}),
      ...(req.sealOnly ? { sealOnly: true } : {}),
      texts: req.appearance === 'individual' ? { signerName: req.displayName } : { organization: req.displayName },
    },
    ...(req.certify !== undefined ? { certify: req.certify } : {}),
    reason: req.reason,
    location: req.location,
    level: req.level,
  };
}
