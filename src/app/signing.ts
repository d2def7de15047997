import { appendDss } from '../pdf/sign/index.js';
import {
  SignService,
  CredentialService,
  createPdfSignatureEngine,
  type CertificateStatusPort,
  type CertificateHolderPort,
  type TimestampPort,
  type RevocationMaterialPort,
} from '../signing/index.js';
import {
  MemoryCredentialRepository,
  MemorySignSessionRepository,
  MemorySigningAuthorizationRepository,
} from '../signing/memory-repositories.js';
import type { CredentialRepository, SignSessionRepository, SigningAuthorizationRepository } from '../signing/ports.js';
import type { KysoContext } from './context.js';

export interface SigningWiring {
  readonly sign: SignService;
  readonly credentials: CredentialService;
  /** The PDF engine (src/pdf/sign) and the level ports, for post-signing operations (extend). */
  readonly engine: ReturnType<typeof createPdfSignatureEngine>;
  readonly timestamp: TimestampPort | undefined;
  readonly revocation: RevocationMaterialPort | undefined;
}

export interface SigningRepos {
  readonly sessions: SignSessionRepository;
  readonly credentials: CredentialRepository;
  readonly authorizations: SigningAuthorizationRepository;
}

/** The signing service over the PDF engine, the Decree 30/2020 stamps, and (when given) the TSA / revocation / status ports. */
export function createSigning(
  ctx: KysoContext,
  o: {
    repos?: SigningRepos;
    timestamp?: TimestampPort;
    revocation?: RevocationMaterialPort;
    certificateStatus?: CertificateStatusPort;
    certificateHolders?: CertificateHolderPort;
  } = {},
): SigningWiring {
  const repos = o.repos ?? {
    sessions: new MemorySignSessionRepository(),
    credentials: new MemoryCredentialRepository(),
    authorizations: new MemorySigningAuthorizationRepository(),
  };
  const engine = createPdfSignatureEngine({ appendDss: (pdf, m) => appendDss(pdf, m) });
  const credentials = new CredentialService({
    keyStore: ctx.keys,
    credentials: repos.credentials,
    authorizations: repos.authorizations,
    audit: ctx.audit,
    clock: ctx.clock,
    pinVerifierKey: () => ctx.pinVerifierKey(),
    ...(o.certificateStatus ? { certificateStatus: o.certificateStatus } : {}),
    ...(o.certificateHolders ? { certificateHolders: o.certificateHolders } : {}),
  });
  const sign = new SignService({
    engine,
    clock: ctx.clock,
    audit: ctx.audit,
    sessions: repos.sessions,
    keyStore: ctx.keys,
    credentials,
    ...(o.timestamp ? { timestamp: o.timestamp } : {}),
    ...(o.revocation ? { revocation: o.revocation } : {}),
    ...(o.certificateStatus ? { certificateStatus: o.certificateStatus } : {}),
    ...(o.certificateHolders ? { certificateHolders: o.certificateHolders } : {}),
  });
  return { sign, credentials, engine, timestamp: o.timestamp, revocation: o.revocation };
}
