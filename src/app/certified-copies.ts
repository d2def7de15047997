import { readFileSync } from 'node:fs';
import { AppError } from '../core/errors.js';
import { CopyService, type Actor, type CertifyRequest, type CertifyResult } from '../copies/copy-service.js';
import { RegisterService } from '../copies/register-service.js';
import { StampSettingsService } from '../copies/stamp-settings-service.js';
import type { CopySignatureLevel } from '../copies/copy-signer.js';
import type { CopyFonts } from '../copies/copy-document.js';
import type { PublicCopyFacts } from '../copies/public-facts.js';
import { parseLookupCode } from '../copies/lookup-code.js';
import { copySignerFromSigning, type CredentialInfo } from '../signing/index.js';
import type { VerificationReport } from '../pdf/verify/index.js';
import type { SigningWiring } from './signing.js';
import type { PkiWiring } from './pki.js';
import type { KysoContext } from './context.js';

/**
 * Certified copies wiring (issue 6): CopyService + RegisterService over the store, the audit
 * log, the clock, the shipped Vietnamese fonts and the signing service's server-held
 * credentials. The PAdES level defaults to B-LT when the in-process TSA exists (timestamps and
 * revocation material make a copy verifiable for years), else B-B; a caller may ask for another
 * level per request, and a level that cannot be reached fails (TSA_UNAVAILABLE), never lowered.
 */
export const COPY_LEVELS: readonly CopySignatureLevel[] = ['B-B', 'B-T', 'B-LT', 'B-LTA'];

/** The shipped fonts with full Vietnamese coverage (assets/fonts, OFL); found from dist/app and src/app alike. */
export function loadCopyFonts(): CopyFonts {
  const at = (f: string) => readFileSync(new URL(`../../assets/fonts/${f}`, import.meta.url));
  return { regular: at('LiberationSerif-Regular.ttf'), bold: at('LiberationSerif-Bold.ttf') };
}

/** What the HTTP edge and the CLI call: certify on behalf of an actor, with the seal used for the authority's organization. */
export interface CertifyInput extends Omit<CertifyRequest, 'seal'> {
  readonly seal: Omit<CertifyRequest['seal'], 'actorId'>;
}

export interface CertifiedCopiesWiring {
  readonly copies: CopyService;
  readonly registers: RegisterService;
  /** Seal and signature images, seal size and signing-authority lines registered once. */
  readonly stamps: StampSettingsService;
  readonly defaultLevel: CopySignatureLevel;
  certify(actor: Actor, input: CertifyInput): Promise<CertifyResult>;
  /** Public lookup by the printed code (malformed → LOOKUP_CODE_INVALID before any query). */
  lookupByCode(code: string): Promise<PublicCopyFacts>;
  lookupByNumber(authorityId: string, year: number, number: number): Promise<PublicCopyFacts>;
  /** Registers a server-held signing credential (PIN) for a certificate whose key was kept in the key store. */
  addCredential(actor: Actor, o: { certificateId: string; ownerId: string; pin: string; label?: string }): Promise<CredentialInfo>;
  /** The verifier's report plus whether the uploaded bytes are a copy recorded in a register. */
  withRegisterMatch<R extends VerificationReport>(pdf: Buffer, report: R): Promise<R & { registerMatch: RegisterMatch }>;
}

export interface RegisterMatch {
  readonly matched: boolean;
  readonly entries: readonly PublicCopyFacts[];
}

export function createCertifiedCopies(
  ctx: KysoContext,
  o: { signing: SigningWiring; pki: PkiWiring; timestampAvailable: boolean; level?: CopySignatureLevel },
): CertifiedCopiesWiring {
  const fonts = loadCopyFonts();
  // The credential service checks ownership, lock, certificate status and the PIN in the copy
  // service's preflight, before a register number is taken (src/copies/copy-signer.ts).
  const signer = copySignerFromSigning(o.signing.sign, o.signing.credentials);
  const common = { registers: ctx.store.registers, authorities: ctx.store.authorities, audit: ctx.audit, clock: ctx.clock, fonts, signer };
  const defaultLevel: CopySignatureLevel = o.level ?? (o.timestampAvailable ? 'B-LT' : 'B-B');
  const copies = new CopyService({
    ...common,
    publicUrl: ctx.config.publicUrl,
    level: defaultLevel,
    stampSettings: ctx.store.stampSettings,
  });
  const stamps = new StampSettingsService({
    settings: ctx.store.stampSettings,
    authorities: ctx.store.authorities,
    audit: ctx.audit,
    clock: ctx.clock,
    credentialOwner: async (id) => (await ctx.store.credentials.get(id))?.ownerId,
  });
  const registers = new RegisterService(common);

  return {
    copies,
    registers,
    stamps,
    defaultLevel,
    async certify(actor, input) {
      const { level, seal, ...rest } = input;
      if (level !== undefined && !COPY_LEVELS.includes(level))
        throw new AppError('VALIDATION_FAILED', `unknown PAdES level ${String(level)}`);
      // Refused up front (not after a number is spent), and never silently lowered to B-B.
      if ((level ?? defaultLevel) !== 'B-B' && !o.timestampAvailable)
        throw new AppError(
          'TSA_UNAVAILABLE',
          `PAdES ${level ?? defaultLevel} needs the timestamp authority, which is not set up (kyso init)`,
        );
      const authority = await ctx.store.authorities.get(input.authorityId);
      if (!authority) throw new AppError('AUTHORITY_UNKNOWN', `no certifying authority ${input.authorityId}`);
      // The seal credential belongs to the authority's organization; the certifier applies it on its behalf.
      const sealActor = authority.organizationId ?? actor.id;
      return copies.certify(actor, { ...rest, ...(level !== undefined ? { level } : {}), seal: { ...seal, actorId: sealActor } });
    },
    lookupByCode(code) {
      return copies.lookupByCode(parseLookupCode(code));
    },
    lookupByNumber(authorityId, year, number) {
      return copies.lookupByNumber(authorityId, year, number);
    },
    async addCredential(actor, c) {
      if (actor.role !== 'admin' && actor.role !== 'ra-officer')
        throw new AppError('FORBIDDEN', 'only an admin or RA officer registers signing credentials');
      const cert = await o.pki.store.certificates.findById(c.certificateId);
      if (!cert) throw new AppError('CERT_NOT_FOUND', `no certificate ${c.certificateId}`);
      if (!cert.der || cert.status !== 'active') throw new AppError('CERT_NOT_ACTIVE', 'the certificate is not active');
      if (!cert.keyUri) throw new AppError('VALIDATION_FAILED', 'the certificate key was not kept server-side (issue it with keepKey)');
      const chain: Buffer[] = [cert.der];
      for (let caId: string | null = cert.caId; caId;) {
        const ca = await o.pki.store.cas.get(caId);
        if (!ca) break;
        chain.push(ca.certificateDer);
        caId = ca.parentId;
      }
      return o.signing.credentials.register({
        ownerId: c.ownerId,
        keyUri: cert.keyUri,
        certificates: chain,
        pin: c.pin,
        label: c.label ?? `credential for ${cert.subjectDn}`,
        actor: actor.id,
      });
    },
    async withRegisterMatch(pdf, report) {
      const entries = await copies.matchCopy(pdf);
      return { ...report, registerMatch: { matched: entries.length > 0, entries } };
    },
  };
}
