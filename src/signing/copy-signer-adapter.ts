import type { CopySignatureRequest, CopySigner } from '../copies/copy-signer.js';
import type { CredentialService } from './credential-service.js';
import type { SignService } from './sign-service.js';
import type { SignerSource } from './types.js';

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
      const r = await credentials.preflight(credentialId, actorId);
      if (pin === undefined) return { signerName: r.signerName };
      const auth = await credentials.authorizeBatch(credentialId, actorId, pin, 1);
      return { signerName: r.signerName, authorizationId: auth.id };
    },
    async sign(req: CopySignatureRequest): Promise<Buffer> {
      const signer: SignerSource =
        req.authorizationId !== undefined
          ? { kind: 'credential', credentialId: req.credentialId, authorizationId: req.authorizationId }
          : { kind: 'credential', credentialId: req.credentialId, pin: req.pin ?? '' };
      return sign.sign(req.pdf, {
        signer,
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
      });
    },
  };
}
