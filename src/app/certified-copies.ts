import { readFileSync } from 'node:fs';
import { FileCopyDocumentStore } from '../store/index.js';
import { copyStoreDirOf } from './copy-store-dir.js';
import { CopyService, type CertifyRequest, type CertifyResult } from '../copies/copy-service.js';
import type { Principal } from '../core/principal.js';
import { RegisterService } from '../copies/register-service.js';
import { StampSettingsService } from '../copies/stamp-settings-service.js';
import type { CopyFonts } from '../copies/copy-document.js';
import type { PublicCopyFacts, PublicCopyStatus } from '../copies/public-facts.js';
import { parseLookupCode } from '../copies/lookup-code.js';
import type { PadesLevel } from '../core/pades-level.js';
import { copySignerFromSigning } from '../signing/index.js';
import type { VerificationReport } from '../pdf/verify/index.js';
import type { SigningWiring } from './signing.js';
import type { PkiWiring } from './pki.js';
import type { KysoContext } from './context.js';
import { createCredentials, type CredentialsWiring } from './credentials.js';
import { organizationOfCertificate } from '../pki/subscriber-scope.js';

/**
 * Certified copies wiring: CopyService + RegisterService over the store, the audit log, the
 * clock, the shipped Vietnamese fonts and the signing service's server-held credentials. The
 * level rules (default, refusal of an unreachable level) and the seal's owner live in CopyService.
 */

/** The shipped fonts with full Vietnamese coverage (assets/fonts, OFL); found from dist/app and src/app alike. */
export function loadCopyFonts(): CopyFonts {
  const at = (f: string) => readFileSync(new URL(`../../assets/fonts/${f}`, import.meta.url));
  return { regular: at('LiberationSerif-Regular.ttf'), bold: at('LiberationSerif-Bold.ttf') };
}

/** What the HTTP edge and the CLI call: certify on behalf of an actor. */
export type CertifyInput = CertifyRequest;

export interface CertifiedCopiesWiring {
  readonly copies: CopyService;
  readonly registers: RegisterService;
  /** Seal and signature images, seal size and signing-authority lines registered once. */
  readonly stamps: StampSettingsService;
  readonly defaultLevel: PadesLevel;
  certify(actor: Principal, input: CertifyInput): Promise<CertifyResult>;
  /** Public lookup by the printed code (malformed → LOOKUP_CODE_INVALID before any query). */
  lookupByCode(code: string): Promise<PublicCopyFacts>;
  lookupByNumber(authorityId: string, year: number, number: number): Promise<PublicCopyStatus>;
  /** Binding server-held keys to their holders (dual control) and the operator's console path. */
  readonly credentials: CredentialsWiring;
  /** The verifier's report plus whether the uploaded bytes are a copy recorded in a register. */
  withRegisterMatch<R extends VerificationReport>(pdf: Buffer, report: R): Promise<R & { registerMatch: RegisterMatch }>;
  /** Removes temporary copy files of writers that died before renaming them (at service start); returns how many. */
  sweepAbandonedFiles(): number;
}

export interface RegisterMatch {
  readonly matched: boolean;
  readonly entries: readonly PublicCopyFacts[];
}

export function createCertifiedCopies(
  ctx: KysoContext,
  o: { signing: SigningWiring; pki: PkiWiring; level?: PadesLevel },
): CertifiedCopiesWiring {
  const fonts = loadCopyFonts();
  // The credential service checks ownership, lock, certificate status and the PIN in the copy
  // service's preflight, before a register number is taken (src/copies/copy-signer.ts).
  const signer = copySignerFromSigning(o.signing.sign, o.signing.credentials);
  const common = { registers: ctx.store.registers, authorities: ctx.store.authorities, audit: ctx.audit, clock: ctx.clock, fonts, signer };
  // Signed copies: a configured folder, else files in the data directory (SQLite) or the database (PostgreSQL).
  const copyDir = copyStoreDirOf(ctx.config);
  const documents = copyDir ? new FileCopyDocumentStore(copyDir) : ctx.store.copyDocuments;
  const copies = new CopyService({
    ...common,
    publicUrl: ctx.config.publicUrl,
    ...(o.level ? { level: o.level } : {}),
    documents,
    stampSettings: ctx.store.stampSettings,
    atomically: (work) => ctx.store.transaction((tx) => work({ registers: tx.registers, audit: tx.audit })),
  });
  const stamps = new StampSettingsService({
    settings: ctx.store.stampSettings,
    authorities: ctx.store.authorities,
    audit: ctx.audit,
    clock: ctx.clock,
    async credential(id) {
      const c = await ctx.store.credentials.get(id);
      if (!c?.certificates[0]) return undefined;
      return { ownerId: c.ownerId, organizationId: await organizationOfCertificate(ctx.store, c.certificates[0]) };
    },
  });
  const registers = new RegisterService({
    ...common,
    async sealCustodianReplaced(custodianId, actor) {
      await o.signing.credentials.endAuthorizationsNoLongerHeld(custodianId, actor.id);
    },
  });

  return {
    copies,
    registers,
    stamps,
    get defaultLevel() {
      return copies.defaultLevel;
    },
    credentials: createCredentials(ctx, { signing: o.signing, pki: o.pki }),
    certify: (actor, input) => copies.certify(actor, input),
    lookupByCode: (code) => copies.lookupByCode(parseLookupCode(code)),
    lookupByNumber: (authorityId, year, number) => copies.lookupByNumber(authorityId, year, number),
    sweepAbandonedFiles: () => (documents instanceof FileCopyDocumentStore ? documents.sweepAbandoned() : 0),
    async withRegisterMatch(pdf, report) {
      const entries = await copies.matchCopy(pdf);
      return { ...report, registerMatch: { matched: entries.length > 0, entries } };
    },
  };
}
