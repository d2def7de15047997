import { createHash, createPublicKey } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { AppError, isAppError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { pemEncode } from '../core/bytes.js';
import type { KeySpec, KeyStore } from '../keys/key-store.js';
import { generatePrivateKey } from '../keys/generate-key.js';
import { isProvinceWide, requireRole, type Principal } from '../core/principal.js';
import { requireSubscriberScope } from './subscriber-scope.js';
import type { CaRegistry, LoadedCa } from './ca-registry.js';
import type { PkiConfig } from './config.js';
import { parseCsr } from './csr.js';
import { assertEncoding, assertLint } from './lint.js';
import { encodeSubject, normalizeSubject, renderSubject } from './names.js';
import { checkSubjectForProfile } from './subject-rules.js';
import { buildPkcs12 } from './pkcs12.js';
import type { CertificateRecord, PkiAuditSink, PkiStore, PkiTransactionRepositories, SubjectFields } from './ports.js';
import { getProfile, validityFor } from './profiles.js';
import { generateSerial, serialToHex } from './serial.js';
import { encodeTbs, signTbs, subjectKeyFromSpki, type CertificateTemplate, type SubjectKey } from './x509-builder.js';

export type KeyInput =
  | { readonly csr: Buffer | string }
  | { readonly generate?: KeySpec; readonly pkcs12Password: string; readonly friendlyName?: string; readonly keepKey?: boolean };

export interface IssueInput {
  readonly profile: string;
  /** Defaults to the profile's issuing CA. */
  readonly caId?: string;
  readonly subject: SubjectFields;
  readonly subscriberId?: string | null;
  readonly requestId?: string | null;
  readonly replacesId?: string | null;
  readonly validityDays?: number;
  readonly key: KeyInput;
}

/**
 * A subscriber key the service generated, to deliver once as PKCS#12 under `password`: kept in
 * the key store (`keyUri`, for a server-held credential) or held in memory only (`pkcs8`).
 */
type GeneratedKey = { readonly password: string; readonly friendlyName: string } & (
  { readonly keyUri: string } | { readonly pkcs8: Buffer }
);

export interface IssueResult {
  readonly certificate: CertificateRecord;
  readonly der: Buffer;
  readonly pem: string;
  /** Issuer first, root last. */
  readonly chain: Buffer[];
  /** Only for server-side key generation: delivered once, never stored. */
  readonly pkcs12?: Buffer;
}

interface InternalIssue extends Omit<IssueInput, 'key'> {
  readonly key: KeyInput | { readonly existingSpki: Buffer; readonly keyUri: string | null };
  readonly renewal: boolean;
}

export interface IssuanceDeps {
  readonly store: PkiStore;
  readonly keys: KeyStore;
  readonly audit: PkiAuditSink;
  readonly clock: Clock;
  readonly cas: CaRegistry;
  readonly config: PkiConfig;
}

/** Clock skew tolerance for relying parties (notBefore is backdated by this). */
const BACKDATE_MS = 60_000;
const ISSUER_ROLES = ['admin', 'ra-officer', 'system'];

/**
 * Issuance pipeline (docs/architecture.md convention 8, after boulder): prepare → lint → record
 * intent (a 'pending' row holding the reserved serial) and audit it, in one transaction → sign once
 * → mark issued and audit the result, in one transaction.
 * A crash between intent and result leaves a 'pending' row that `recover()` turns into 'failed';
 * the serial is never reused and no certificate bytes exist outside the store.
 */
export class IssuanceService {
  constructor(private readonly d: IssuanceDeps) {}

  /** Issue a certificate from a CSR or with server-side key generation (PKCS#12 returned). */
  async issue(actor: Principal, input: IssueInput): Promise<IssueResult> {
    requireRole(actor, ISSUER_ROLES, 'issue certificates');
    if (!input || typeof input !== 'object' || !input.key) throw new AppError('VALIDATION_FAILED', 'profile, subject and key are required');
    const p = getProfile(input.profile);
    if (p.requesterRoles.length === 0 && actor.role !== 'system') {
      throw new AppError('FORBIDDEN', `profile ${p.id} is issued by the CA bootstrap only`);
    }
    if (!isProvinceWide(actor)) await this.#requireOwnSubscriber(actor, input);
    if (input.subscriberId) {
      const sub = await this.d.store.subscribers.get(input.subscriberId);
      if (!sub) throw new AppError('SUBSCRIBER_NOT_FOUND', 'subscriber not found', { details: { subscriberId: input.subscriberId } });
      if (!p.subscriberKinds.includes(sub.kind))
        throw new AppError('VALIDATION_FAILED', `profile ${p.id} is not for a ${sub.kind} subscriber`, { details: { field: 'profile' } });
    }
    return this.run(actor, { ...input, renewal: false });
  }

  /**
   * A scoped issuer (an RA officer) issues only to a registered subscriber of its own
   * organization, under that subscriber's registered name and identifiers (not any subject).
   */
  async #requireOwnSubscriber(actor: Principal, input: IssueInput): Promise<void> {
    await requireSubscriberScope(actor, this.d.store.subscribers, input.subscriberId, 'issue a certificate');
    const sub = await this.d.store.subscribers.get(input.subscriberId!);
    const given = input.subject as { commonName?: unknown; uids?: unknown } | undefined;
    const sameUids =
      JSON.stringify([...((given?.uids as string[] | undefined) ?? [])].sort()) === JSON.stringify([...sub!.identifiers].sort());
    if (given?.commonName !== sub!.subject.commonName || !sameUids)
      throw new AppError(
        'FORBIDDEN_SCOPE',
        "outside this token's scope: the subject must be the subscriber's registered name and identifiers",
        {
          details: { subscriberId: sub!.id },
        },
      );
  }

  /** Where a unit of work appends: the store's audit log inside its transaction when it keeps one. */
  #auditIn(repos: PkiTransactionRepositories): PkiAuditSink {
    return repos.audit ?? this.d.audit;
  }

  /** Issuer chain (DER) of a CA, issuer first, up to the root. */
  async chainOf(caId: string): Promise<Buffer[]> {
    const out: Buffer[] = [];
    let ca: LoadedCa | undefined = await this.d.cas.get(caId);
    for (let i = 0; ca && i < 5; i++) {
      out.push(ca.record.certificateDer);
      ca = ca.record.parentId && ca.record.parentId !== ca.record.id ? await this.d.cas.get(ca.record.parentId) : undefined;
    }
    return out;
  }

  /** Startup recovery: stale 'pending' rows become 'failed' (their serials stay used). */
  async recover(): Promise<number> {
    const now = this.d.clock.now();
    const n = await this.d.store.certificates.failStalePending(
      new Date(now.getTime() - this.d.config.pendingTimeoutMinutes * 60_000),
      'interrupted issuance (recovered at start-up)',
      now,
    );
    if (n > 0)
      await this.d.audit.append({
        actor: 'system',
        role: 'system',
        action: 'certificate.recover-pending',
        outcome: 'success',
        details: { failed: n },
      });
    return n;
  }

  /**
   * The pipeline shared by `issue`, the RA (renew/rekey/change-info) and the CA bootstrap.
   * Internal: it trusts `existingSpki` keys (no proof of possession) and does no role or
   * profile-permission checks. Edges (HTTP, CLI) call `issue` or the RaService, never this.
   */
  async run(actor: Principal, input: InternalIssue): Promise<IssueResult> {
    // ---- prepare (nothing is stored or generated before all input checks pass)
    const profile = getProfile(input.profile);
    const subject = normalizeSubject(input.subject);
    checkSubjectForProfile(profile.id, subject);
    const subjectDer = encodeSubject(subject);
    const ca = await this.d.cas.get(input.caId ?? profile.defaultCaId);
    if (ca.record.kind !== 'issuing' && ca.record.kind !== 'root')
      throw new AppError('CA_UNKNOWN', `${ca.record.id} is not a certificate-issuing CA`);
    const now = this.d.clock.now();
    const notBefore = new Date(Math.floor((now.getTime() - BACKDATE_MS) / 1000) * 1000);
    const notAfter = validityFor(profile, notBefore, input.validityDays, input.renewal);
    const k = input.key;
    let key: SubjectKey;
    let keyUri: string | null = null;
    let generated: GeneratedKey | undefined;
    if ('csr' in k) {
      key = parseCsr(k.csr).key;
    } else if ('existingSpki' in k) {
      key = subjectKeyFromSpki(k.existingSpki);
      keyUri = k.keyUri;
    } else {
      // Any non-empty password: the file is for its holder, and the CLI contract itself uses a
      // short one (`--password PW`). Only an empty password, which would leave the key
      // effectively unprotected, is refused.
      if (typeof k.pkcs12Password !== 'string' || k.pkcs12Password.length === 0) {
        throw new AppError('VALIDATION_FAILED', 'a PKCS#12 password is required for server-side key generation', {
          details: { field: 'pkcs12Password' },
        });
      }
      const spec = k.generate ?? this.d.config.subscriberKeySpec;
      const delivery = { password: k.pkcs12Password, friendlyName: k.friendlyName ?? subject.commonName };
      if (k.keepKey === true) {
        // kept for a server-held credential: sealed in the key store, delivered once as well
        const ref = await this.d.keys.generate(spec, `subscriber:${subject.commonName}`);
        generated = { ...delivery, keyUri: ref.uri };
        key = subjectKeyFromSpki(ref.publicKeySpki);
        keyUri = ref.uri;
      } else {
        // delivered only: the key never enters the key store, so no backup taken meanwhile holds it
        const privateKey = await generatePrivateKey(spec);
        generated = { ...delivery, pkcs8: privateKey.export({ format: 'der', type: 'pkcs8' }) };
        key = subjectKeyFromSpki(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }));
      }
    }
    try {
      return await this.#lintRecordSign(actor, input, { profile, subject, subjectDer, ca, notBefore, notAfter, key, keyUri, generated });
    } finally {
      if (generated && 'pkcs8' in generated) generated.pkcs8.fill(0);
    }
  }

  async #lintRecordSign(
    actor: Principal,
    input: InternalIssue,
    x: {
      profile: ReturnType<typeof getProfile>;
      subject: SubjectFields;
      subjectDer: Buffer;
      ca: LoadedCa;
      notBefore: Date;
      notAfter: Date;
      key: SubjectKey;
      keyUri: string | null;
      generated: GeneratedKey | undefined;
    },
  ): Promise<IssueResult> {
    const signer = await x.ca.signer();
    const base = {
      profile: x.profile,
      subject: x.subject,
      subjectDer: x.subjectDer,
      key: x.key,
      notBefore: x.notBefore,
      notAfter: x.notAfter,
      issuer: x.ca.issuer,
      selfSigned: false,
      renewal: input.renewal,
      policies: this.d.config.policyOids,
      ...(this.d.config.cpsUrl ? { cpsUrl: this.d.config.cpsUrl } : {}),
    };
    // ---- lint, then record intent and audit it in one transaction (no signature without an
    // audit record: the pending row and its intent event commit together, before signing);
    // a serial collision (astronomically rare) rolls both back and retries with a new serial
    let tbs: Buffer | undefined;
    let record: CertificateRecord | undefined;
    const subjectDn = renderSubject(x.subject);
    const factsOf = (r: CertificateRecord) => ({
      target: `${x.ca.record.id}:${r.serial}`,
      details: {
        certificateId: r.id,
        profile: x.profile.id,
        caId: x.ca.record.id,
        serial: r.serial,
        subject: subjectDn,
        requestId: input.requestId ?? null,
        replacesId: input.replacesId ?? null,
        renewal: input.renewal,
      },
    });
    const event = (action: string, outcome: 'success' | 'failure', r: CertificateRecord, extra: Record<string, unknown> = {}) => {
      const { target, details } = factsOf(r);
      return { actor: actor.id, role: actor.role, action, target, outcome, details: { ...details, ...extra } };
    };
    for (let attempt = 0; !record; attempt++) {
      const template: CertificateTemplate = { ...base, serial: generateSerial() };
      assertLint(template);
      tbs = encodeTbs(template, signer.algorithm);
      assertEncoding(tbs);
      const pending = {
        id: newId('crt'),
        caId: x.ca.record.id,
        serial: serialToHex(template.serial),
        profile: x.profile.id,
        subscriberId: input.subscriberId ?? null,
        requestId: input.requestId ?? null,
        replacesId: input.replacesId ?? null,
        subjectDn,
        spkiSha256: createHash('sha256').update(x.key.spki).digest('hex'),
        keyUri: x.keyUri,
        notBefore: x.notBefore,
        notAfter: x.notAfter,
        createdAt: this.d.clock.now(),
      };
      try {
        record = await this.d.store.transaction(async (repos) => {
          const r = await repos.certificates.reserve(pending);
          await this.#auditIn(repos).append(event('certificate.issue.intent', 'success', r));
          return r;
        });
      } catch (e) {
        if (!isAppError(e, 'STORE_CONSTRAINT') || attempt >= 2) throw e;
      }
    }
    const reserved = record;
    // ---- sign once, then mark the row issued and audit the result in one transaction
    let der: Buffer;
    let issuedAt = this.d.clock.now();
    try {
      der = await signTbs(tbs as Buffer, signer);
      issuedAt = this.d.clock.now();
      const signed = der;
      await this.d.store.transaction(async (repos) => {
        if (!(await repos.certificates.markIssued(reserved.id, signed, issuedAt))) {
          throw new AppError('CONFLICT', 'issuance row was no longer pending (recovered as failed)');
        }
        await this.#auditIn(repos).append(event('certificate.issue', 'success', reserved));
      });
    } catch (e) {
      // The intent event is already committed; the failure is recorded beside it.
      const why = isAppError(e) ? e.code : 'INTERNAL';
      await this.d.store
        .transaction(async (repos) => {
          await repos.certificates.markFailed(reserved.id, why, this.d.clock.now());
          await this.#auditIn(repos).append(event('certificate.issue', 'failure', reserved, { error: why }));
        })
        .catch(() => undefined);
      throw e;
    }
    const chain = await this.chainOf(x.ca.record.id);
    // markIssued changed exactly these fields of the row we reserved (no re-read on the hot path).
    const issued: CertificateRecord = { ...reserved, status: 'active', der, updatedAt: issuedAt };
    let pkcs12: Buffer | undefined;
    if (x.generated) {
      pkcs12 = buildPkcs12({
        privateKeyPkcs8: 'pkcs8' in x.generated ? x.generated.pkcs8 : await this.d.keys.exportPkcs8(x.generated.keyUri),
        certificate: der,
        chain,
        password: x.generated.password,
        ...(x.generated.friendlyName ? { friendlyName: x.generated.friendlyName } : {}),
      });
    }
    return {
      certificate: issued,
      der,
      chain,
      ...(pkcs12 ? { pkcs12 } : {}),
      get pem() {
        return pemEncode('CERTIFICATE', der);
      },
    };
  }
}
