import type { KysoContext } from './context.js';
import type { ServiceDeps } from './server.js';
import { createSigning, type SigningWiring } from './signing.js';
import { createPki, type PkiWiring } from './pki.js';
import type { PkiPublicPort } from '../http/routes/pki-public.js';
import { createVerify, type VerifyWiring } from './verify.js';
import { extendPdf } from './extend.js';
import { createTsa } from './tsa.js';
import { createRevocationFetcher } from './revocation.js';
import { createCertifiedCopies, type CertifiedCopiesWiring } from './certified-copies.js';
import { createJobs, type JobsWiring } from './jobs.js';
import {
  timestampPortFromClient,
  revocationPortFromSource,
  certificateStatusFromPki,
  certificateHoldersFromPki,
  sealCustodiansFrom,
} from '../signing/index.js';
import { revocationSourceFrom, type TimestampAuthority, type TimestampClient } from '../cms/index.js';
import { createAudit, scheduleAudit, type AuditWiring } from './audit.js';

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
  readonly audit: AuditWiring;
  readonly jobs: JobsWiring;
}

/** The public PKI endpoints over the PKI services (CA_UNKNOWN for an unknown CA or one that publishes no CRL). */
function pkiPublicPort(pki: PkiWiring): PkiPublicPort {
  return {
    caCertificate: async (id) => (await pki.cas.get(id)).record.certificateDer,
    // The stored CRL; CrlService.latest only builds one when none exists yet or it expired.
    currentCrl: (caId) => pki.crl.latest(caId),
    ocsp: (der) => pki.ocsp.respond(der),
    ocspGet: (segment) => pki.ocsp.respondToGet(segment),
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
  let tsaClient: TimestampClient | undefined;
  if ((await pki.cas.list()).some((ca) => ca.record.id === 'tsa')) {
    const t = await createTsa(ctx, pki);
    tsa = t.tsa;
    tsaClient = t.client;
    timestamp = timestampPortFromClient(t.client);
  }
  const audit = createAudit(ctx, tsaClient ? { tsa: tsaClient } : {});
  const revocation = createRevocationFetcher(pki);
  const signing = createSigning(ctx, {
    repos: { sessions: ctx.store.signSessions, credentials: ctx.store.credentials, authorizations: ctx.store.signingAuthorizations },
    ...(timestamp ? { timestamp } : {}),
    revocation: revocationPortFromSource(revocationSourceFrom(revocation)),
    certificateStatus: certificateStatusFromPki(ctx.store.certificates, ctx.store.cas),
    certificateHolders: certificateHoldersFromPki(ctx.store.certificates, sealCustodiansFrom(ctx.store.authorities)),
  });
  const copies = createCertifiedCopies(ctx, { signing, pki });
  const verify = createVerify({ pki, clock: ctx.clock, revocation, trustDirs: [ctx.config.trustAnchorsDir] });
  const jobs = createJobs(ctx, signing, copies);
  const timers: NodeJS.Timeout[] = [];
  if (o.schedule) {
    // Jobs left by a stopped or crashed instance are picked up here (items whose lease ended).
    const j = setInterval(() => jobs.worker.kick(), 1000);
    j.unref();
    timers.push(j);
    jobs.worker.kick();
    const every = Math.min(60_000, ctx.config.crlIntervalSeconds * 1000);
    const tick = () =>
      pki.crl.tick().catch((e: unknown) => ctx.log.error('CRL schedule failed', { error: e instanceof Error ? e.message : String(e) }));
    const t = setInterval(() => void tick(), every);
    t.unref();
    timers.push(t);
    void tick();
    // A copy's temporary file left by a writer killed between writing and renaming it goes at start.
    const abandoned = copies.sweepAbandonedFiles();
    if (abandoned > 0) ctx.log.info('abandoned temporary copy files removed', { count: abandoned });
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
    // PIN verifiers an earlier release left unkeyed are keyed once, at start (src/signing/pin-hash.ts).
    void signing.credentials
      .keyLegacyPinVerifiers()
      .then((n) => n > 0 && ctx.log.info('legacy PIN verifiers keyed', { count: n }))
      .catch((e: unknown) => ctx.log.error('keying legacy PIN verifiers failed', { error: e instanceof Error ? e.message : String(e) }));
    // Expired Idempotency-Keys are free again at once (the claim takes them over); this only
    // keeps the table small.
    const purge = () =>
      ctx.idempotency
        .purge()
        .catch((e: unknown) => ctx.log.error('idempotency purge failed', { error: e instanceof Error ? e.message : String(e) }));
    const p = setInterval(() => void purge(), 3600_000);
    p.unref();
    timers.push(p);
    void purge();
    // A signing session holds a copy of its prepared document: once expired (completed or not)
    // nothing can use it, and the copy goes. Sign-in sessions that ended (signed out, expired) and
    // OpenID Connect sign-ins abandoned at the provider go too, as do the sign-in failure counts
    // (per unknown username, per client IP) whose lock has ended or whose window has passed.
    const sweepOne = (what: string, f: () => Promise<number>) =>
      f().catch((e: unknown) => ctx.log.error(`${what} sweep failed`, { error: e instanceof Error ? e.message : String(e) }));
    const sweep = () =>
      Promise.all([
        sweepOne('signing session', () => ctx.store.signSessions.deleteExpired(ctx.clock.now())),
        sweepOne('sign-in session', () => ctx.store.sessions.deleteEnded(ctx.clock.now())),
        sweepOne('pending OIDC sign-in', () => ctx.store.oidcPending.deleteExpired(ctx.clock.now())),
        sweepOne('unknown-username counter', () =>
          ctx.store.loginNameAttempts.deleteForgotten(ctx.config.signIn.loginLockSeconds, ctx.clock.now()),
        ),
        sweepOne('per-IP sign-in counter', () =>
          ctx.store.loginIpAttempts.deleteForgotten(ctx.config.signIn.loginLockSeconds, ctx.clock.now()),
        ),
      ]);
    const w = setInterval(() => void sweep(), 5 * 60_000);
    w.unref();
    timers.push(w);
    void sweep();
    timers.push(...scheduleAudit(ctx, audit));
  }
  return {
    http: {
      pkiPublic: pkiPublicPort(pki),
      pkiAdmin: { ...pki, directIssuance: ctx.config.directIssuance },
      ra: pki,
      signing: signing.sign,
      verify: { verify: async (pdf, v) => copies.withRegisterMatch(pdf, await verify.verify(pdf, v)) },
      copies,
      extend: { extend: (pdf) => extendPdf(pdf, { signing, pki, clock: ctx.clock }) },
      auditTree: audit,
      ...(tsa ? { tsa } : {}),
      jobs: jobs.service,
    },
    health: async () => {
      const a = audit.selfCheck.health;
      return { cas: (await pki.cas.list()).length, audit: a, ...(a.ok ? {} : { degraded: [`audit log: ${a.reason}`] }) };
    },
    timers,
    pki,
    signing,
    verify,
    copies,
    audit,
    jobs,
    ...(tsa ? { tsa } : {}),
  };
}
