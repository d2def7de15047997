import { readFileSync } from 'node:fs';
import { CopyService } from '../copies/copy-service.js';
import { RegisterService } from '../copies/register-service.js';
import type { CopySigner, CopySignatureLevel } from '../copies/copy-signer.js';
import type { CopyFonts } from '../copies/copy-document.js';
import type { SigningWiring } from './signing.js';
import type { KysoContext } from './context.js';

/** The shipped Vietnamese-capable fonts (assets/fonts, OFL), found from dist/app or src/app. */
export function copyFonts(): CopyFonts {
  const at = (f: string) => readFileSync(new URL(`../../assets/fonts/${f}`, import.meta.url));
  return { regular: at('LiberationSerif-Regular.ttf'), bold: at('LiberationSerif-Bold.ttf') };
}

/** Adapts the signing service (server-held credentials) to the certified-copy signer port. */
export function copySignerFrom(signing: SigningWiring): CopySigner {
  return {
    preflight: async (credentialId, actorId) => ({ signerName: (await signing.credentials.preflight(credentialId, actorId)).signerName }),
    sign: (r) =>
      signing.sign.sign(r.pdf, {
        signer: r.authorizationId ? { kind: 'credential', credentialId: r.credentialId, authorizationId: r.authorizationId } : { kind: 'credential', credentialId: r.credentialId, pin: r.pin ?? '' },
        actorId: r.actorId,
        fieldName: r.field,
        appearance: {
          kind: r.appearance,
          ...(r.image ? { image: r.image } : {}),
          texts: r.appearance === 'individual' ? { signerName: r.displayName } : { organization: r.displayName },
        },
        ...(r.certify ? { certify: r.certify } : {}),
        reason: r.reason,
        location: r.location,
        level: r.level,
      }),
  };
}

export interface CopiesWiring {
  readonly copies: CopyService;
  readonly registers: RegisterService;
}

/** Certified copies (issue 6). B-LTA when the TSA is available, B-B otherwise. */
export function createCopies(ctx: KysoContext, signing: SigningWiring, o: { level?: CopySignatureLevel } = {}): CopiesWiring {
  const fonts = copyFonts();
  const signer = copySignerFrom(signing);
  const common = { registers: ctx.store.registers, authorities: ctx.store.authorities, audit: ctx.audit, clock: ctx.clock, fonts, signer };
  return {
    copies: new CopyService({ ...common, publicUrl: ctx.config.publicUrl, level: o.level ?? 'B-B' }),
    registers: new RegisterService(common),
  };
}
