import type { KysoContext } from './context.js';
import type { ServiceDeps } from './server.js';
import { createSigning, type SigningWiring } from './signing.js';
import { createPki, type PkiWiring } from './pki.js';
import type { PkiPublicPort } from '../http/routes/pki-public.js';
import { AppError } from '../core/errors.js';
import { createVerify, type VerifyWiring } from './verify.js';
import { extendPdf } from './extend.js';
import { createTsa, revocationSource } from './tsa.js';
import { createCertifiedCopies, type CertifiedCopiesWiring } from './certified-copies.js';
import { timestampPortFromClient, revocationPortFromSource, type CertificateStatusPort } from '../signing/index.js';
import type { TimestampAuthority } from '../cms/index.js';
import { X509Certificate } from 'node:crypto';
import { normalizeSerial } from '../pki/serial.js';

export interface WiredServices {
  readonly http: ServiceDeps;
  readonly health: () => Promise<Record<string, unknown>>;
  /** Background timers (unref'd), cleared on shutdown. */
  readonly timers: NodeJS.Timeout[];
  readonly pki: PkiWiring;
  readonly signing: SigningWiring;
  readonly verify: VerifyWiring;
  readonly tsa?: TimestampAuthority;
  readonly copies: CertifiedCopiesWiring;
}

function pkiPublicPort(pki: PkiWiring): PkiPublicPort {
  return {
    async caCertificate(id) {
      const ca = await pki.store.cas.get(id);
      if (!ca) throw new AppError('CA_UNKNOWN', `unknown CA "${id}"`, { details: { caId: id } });
      return ca.certificateDer;
    },
    async currentCrl(caId) {
      const ca = await pki.store.cas.get(caId);
      if (!ca || (ca.kind !== 'root' && ca.kind !== 'issuing'))
        throw new AppError('CA_UNKNOWN', `no CRL is published for "${caId}"`, { details: { caId } });
      // The stored CRL; CrlService.latest only builds one when none exists yet or it expired.
      return pki.crl.latest(caId);
    },
    ocsp: (der) => pki.ocsp.respond(der),
    ocspGet: (segment) => pki.ocsp.respondToGet(segment),
  };
}

/**
 * Signer status before signing (issue 3: refuse a revoked or suspended signer): certificates of
 * our own CAs are looked up in the store; others are 'unknown' here (the verifier checks them).
 */
function certificateStatusPort(pki: PkiWiring): CertificateStatusPort {
  return {
    async status(certificate) {
      let serial: string;
      try {
        serial = normalizeSerial(new X509Certificate(certificate).serialNumber);
      } catch {
        return { status: 'unknown' };
      }
      const rec = (await pki.store.certificates.findBySerialAnyCa(serial)).find((c) => c.der?.equals(certificate));
      if (!rec) return { status: 'unknown' };
      if (rec.status === 'active') return { status: 'good' };
      if (rec.status === 'revoked' || rec.status === 'on-hold')
        return {
          status: 'revoked',
          ...(rec.revocationReason ? { reason: rec.revocationReason } : {}),
          ...(rec.revokedAt ? { revokedAt: rec.revokedAt } : {}),
        };
      return { status: 'unknown' };
    },
  };
}

/**
 * Constructs the domain services over the context's adapters (the one place that does). The CRL
 * schedule runs on an unref'd timer that `startServer` clears on shutdown.
 */
export async function wireServices(ctx: KysoContext, o: { pki?: PkiWiring; schedule?: boolean } = {}): Promise<WiredServices> {
  const pki = o.pki ?? createPki(ctx);
  // The TSA exists once the hierarchy does (kyso init / first serve); without it B-T and above
  // fail with TSA_UNAVAILABLE rather than being silently downgraded.
  let tsa: TimestampAuthority | undefined;
  let timestamp;
  if (await pki.store.cas.get('tsa')) {
    const t = await createTsa(ctx, pki);
    tsa = t.tsa;
    timestamp = timestampPortFromClient(t.client);
  }
  const signing = createSigning(ctx, {
    repos: { sessions: ctx.store.signSessions, credentials: ctx.store.credentials, authorizations: ctx.store.signingAuthorizations },
    ...(timestamp ? { timestamp } : {}),
    revocation: revocationPortFromSource(revocationSource(pki, ctx.config.publicUrl)),
    certificateStatus: certificateStatusPort(pki),
  });
  const copies = createCertifiedCopies(ctx, { signing, pki, timestampAvailable: tsa !== undefined });
  const verify = createVerify({ pki, clock: ctx.clock, publicUrl: ctx.config.publicUrl, trustDirs: [ctx.config.trustAnchorsDir] });
  const timers: NodeJS.Timeout[] = [];
  if (o.schedule) {
    const every = Math.min(60_000, ctx.config.crlIntervalSeconds * 1000);
    const tick = () =>
      pki.crl.tick().catch((e: unknown) => ctx.log.error('CRL schedule failed', { error: e instanceof Error ? e.message : String(e) }));
    const t = setInterval(() => void tick(), every);
    t.unref();
    timers.push(t);
    void tick();
    // Certifications interrupted by a crash or a lost connection keep their register number as
    // `failed` (never a silent gap): swept at start-up and then every few minutes.
    const recover = () =>
      copies.copies
        .recoverInterrupted()
        .catch((e: unknown) => ctx.log.error('copy recovery failed', { error: e instanceof Error ? e.message : String(e) }));
    const r = setInterval(() => void recover(), 5 * 60_000);
    r.unref();
    timers.push(r);
    void recover();
  }
  return {
    http: {
      pkiPublic: pkiPublicPort(pki),
      pkiAdmin: pki,
      ra: pki,
      signing: signing.sign,
      verify: { verify: async (pdf, v) => copies.withRegisterMatch(pdf, await verify.verify(pdf, v)) },
      copies,
      extend: { extend: (pdf) => extendPdf(pdf, { signing, pki, clock: ctx.clock }) },
      ...(tsa ? { tsa } : {}),
    },
    health: async () => ({ cas: (await pki.store.cas.list()).length }),
    timers,
    pki,
    signing,
    verify,
    copies,
    ...(tsa ? { tsa } : {}),
  };
}
