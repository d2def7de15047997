import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { AppError, isAppError } from '../core/errors.js';
import type { KeySpec, KeyStore } from '../keys/key-store.js';
import { SYSTEM_PRINCIPAL } from '../core/principal.js';
import type { CaRegistry } from './ca-registry.js';
import type { PkiConfig } from './config.js';
import { certificateInfo } from '../cms/certificate-info.js';
import { keyIdentifier } from './extensions.js';
import type { IssuanceService } from './issuance-service.js';
import { assertLint } from './lint.js';
import { encodeSubject, normalizeSubject, renderName } from './names.js';
import type { CaKind, CaRecord, PkiAuditSink, PkiStore, SubjectFields } from './ports.js';
import { PROFILES, addYears, type ProfileId } from './profiles.js';
import { generateSerial, serialToHex } from './serial.js';
import { encodeTbs, signTbs, subjectKeyFromSpki, type CertificateTemplate } from './x509-builder.js';
import { newId } from '../core/ids.js';

export interface BootstrapDeps {
  readonly store: PkiStore;
  readonly keys: KeyStore;
  /** Generates the CA, OCSP responder and TSA keys (a PKCS#11 token, or `keys`); signing goes through `keys`. */
  readonly caKeys?: KeyStore;
  readonly audit: PkiAuditSink;
  readonly clock: Clock;
  readonly cas: CaRegistry;
  readonly issuance: IssuanceService;
  readonly config: PkiConfig;
}

/** The provincial hierarchy (docs/domain.md): root → issuing CAs; each CA has a delegated OCSP responder. */
export const ISSUING_CA_IDS = ['organizations', 'individuals'] as const;
export const ocspResponderId = (caId: string): string => `ocsp-${caId}`;
/** OCSP responder and TSA keys: short-lived leaf keys, P-256 for throughput. */
const LEAF_SERVICE_KEY: KeySpec = { type: 'ec', curve: 'P-256' };
const RESPONDER_RENEW_BEFORE_MS = 30 * 86_400_000;

/**
 * Creates what is missing of the hierarchy on first start (idempotent; a crash part-way is
 * completed on the next start): root, issuing CAs 'organizations' and 'individuals', one
 * delegated OCSP responder certificate per CA (RFC 6960 §4.2.2.2: issued by the CA whose
 * certificates it answers for), and the TSA certificate. Expiring responder certs are renewed.
 */
export async function ensureHierarchy(d: BootstrapDeps): Promise<{ created: string[]; cas: CaRecord[] }> {
  const created: string[] = [];
  const p = d.config.province;
  const subj = (cn: string): SubjectFields => ({ country: 'VN', province: p, organization: d.config.caOrganization, commonName: cn });
  const names: Record<string, string> = {
    root: `CA gốc chuyên dùng tỉnh ${p}`,
    organizations: `CA tổ chức tỉnh ${p}`,
    individuals: `CA cá nhân tỉnh ${p}`,
  };
  if (!(await d.store.cas.get('root'))) {
    await createRoot(d, subj(names.root as string));
    created.push('root');
  }
  for (const id of ISSUING_CA_IDS) {
    if (!(await d.store.cas.get(id))) {
      await createSubordinate(d, {
        id,
        kind: 'issuing',
        parentId: 'root',
        profile: 'issuing-ca',
        subject: subj(names[id] as string),
        keySpec: d.config.caKeySpec,
      });
      created.push(id);
    }
  }
  let responderKey: { uri: string; spki: Buffer } | undefined;
  for (const caId of ['root', ...ISSUING_CA_IDS]) {
    const id = ocspResponderId(caId);
    const existing = await d.store.cas.get(id);
    if (existing) responderKey ??= { uri: existing.keyUri, spki: certificateInfo(existing.certificateDer, 'INTERNAL').spki };
    const renew = existing && existing.notAfter.getTime() - d.clock.now().getTime() < RESPONDER_RENEW_BEFORE_MS;
    if (existing && !renew) continue;
    await createSubordinate(d, {
      id,
      kind: 'ocsp-responder',
      parentId: caId,
      profile: 'ocsp-responder',
      subject: subj(`OCSP - ${names[caId] as string}`),
      keySpec: LEAF_SERVICE_KEY,
      reuseKey: responderKey,
      replace: renew === true,
    });
    const now = await d.store.cas.get(id);
    if (now) responderKey ??= { uri: now.keyUri, spki: certificateInfo(now.certificateDer, 'INTERNAL').spki };
    created.push(id);
  }
  if (!(await d.store.cas.get('tsa'))) {
    await createSubordinate(d, {
      id: 'tsa',
      kind: 'tsa',
      parentId: 'organizations',
      profile: 'tsa',
      subject: subj(`Dịch vụ cấp dấu thời gian tỉnh ${p}`),
      keySpec: LEAF_SERVICE_KEY,
    });
    created.push('tsa');
  }
  d.cas.invalidate();
  return { created, cas: await d.store.cas.list() };
}

async function insertCa(d: BootstrapDeps, rec: CaRecord): Promise<void> {
  try {
    await d.store.cas.insert(rec);
  } catch (e) {
    // Another process finished the same step first: keep theirs.
    if (!isAppError(e, 'STORE_CONSTRAINT')) throw e;
  }
}

async function createRoot(d: BootstrapDeps, subjectIn: SubjectFields): Promise<void> {
  const profile = PROFILES['root-ca'];
  const subject = normalizeSubject(subjectIn);
  const subjectDer = encodeSubject(subject);
  const ref = await (d.caKeys ?? d.keys).generate(d.config.caKeySpec, 'ca:root');
  const signer = await d.keys.signer(ref.uri);
  const key = subjectKeyFromSpki(ref.publicKeySpki);
  const now = d.clock.now();
  const notBefore = new Date(Math.floor((now.getTime() - 60_000) / 1000) * 1000);
  const notAfter = new Date(addYears(notBefore, 20).getTime() - 1000);
  const template: CertificateTemplate = {
    profile,
    serial: generateSerial(),
    subject,
    subjectDer,
    key,
    notBefore,
    notAfter,
    issuer: { caId: 'root', nameDer: subjectDer, keyId: keyIdentifier(key.publicKeyBits), notBefore, notAfter, isCa: true, urls: {} },
    selfSigned: true,
    renewal: false,
    policies: [],
  };
  assertLint(template);
  const tbs = encodeTbs(template, signer.algorithm);
  const subjectDn = renderName(subjectDer);
  const rec = await d.store.certificates.reserve({
    id: newId('crt'),
    caId: 'root',
    serial: serialToHex(template.serial),
    profile: profile.id,
    subscriberId: null,
    requestId: null,
    replacesId: null,
    subjectDn,
    spkiSha256: createHash('sha256').update(key.spki).digest('hex'),
    keyUri: ref.uri,
    notBefore,
    notAfter,
    createdAt: now,
  });
  const target = `root:${rec.serial}`;
  await d.audit.append({
    actor: 'system',
    role: 'system',
    action: 'ca.create.intent',
    target,
    outcome: 'success',
    details: { caId: 'root', subject: subjectDn },
  });
  const der = await signTbs(tbs, signer);
  await d.store.certificates.markIssued(rec.id, der, d.clock.now());
  await insertCa(d, {
    id: 'root',
    kind: 'root',
    parentId: null,
    keyUri: ref.uri,
    certificateDer: der,
    subjectDn,
    serial: rec.serial,
    notBefore,
    notAfter,
    status: 'active',
    createdAt: now,
  });
  await d.audit.append({
    actor: 'system',
    role: 'system',
    action: 'ca.create',
    target,
    outcome: 'success',
    details: { caId: 'root', subject: subjectDn },
  });
}

async function createSubordinate(
  d: BootstrapDeps,
  o: {
    id: string;
    kind: CaKind;
    parentId: string;
    profile: ProfileId;
    subject: SubjectFields;
    keySpec: KeySpec;
    reuseKey?: { uri: string; spki: Buffer } | undefined;
    replace?: boolean;
  },
): Promise<void> {
  const parent = await d.cas.get(o.parentId);
  const profile = PROFILES[o.profile];
  const ref = o.reuseKey
    ? { uri: o.reuseKey.uri, publicKeySpki: o.reuseKey.spki }
    : await (d.caKeys ?? d.keys).generate(o.keySpec, `ca:${o.id}`);
  // CA certificates must not outlive their issuer (RFC 5280 §6 path validation would fail).
  const maxMs = parent.record.notAfter.getTime() - d.clock.now().getTime();
  const days = Math.min(profile.defaultDays, Math.floor(maxMs / 86_400_000) - 1);
  if (days < 1) throw new AppError('CONFIG_INVALID', `CA ${o.parentId} expires too soon to issue ${o.id}`);
  const res = await d.issuance.run(SYSTEM_PRINCIPAL, {
    profile: o.profile,
    caId: o.parentId,
    subject: o.subject,
    validityDays: days,
    renewal: false,
    key: { existingSpki: ref.publicKeySpki, keyUri: ref.uri },
  });
  const c = res.certificate;
  if (o.replace) {
    await d.store.cas.updateCertificate(o.id, {
      keyUri: ref.uri,
      certificateDer: res.der,
      serial: c.serial,
      notBefore: c.notBefore,
      notAfter: c.notAfter,
      subjectDn: c.subjectDn,
    });
  } else {
    await insertCa(d, {
      id: o.id,
      kind: o.kind,
      parentId: o.parentId,
      keyUri: ref.uri,
      certificateDer: res.der,
      subjectDn: c.subjectDn,
      serial: c.serial,
      notBefore: c.notBefore,
      notAfter: c.notAfter,
      status: 'active',
      createdAt: d.clock.now(),
    });
  }
  await d.audit.append({
    actor: 'system',
    role: 'system',
    action: o.replace ? 'ca.renew' : 'ca.create',
    target: `${o.parentId}:${c.serial}`,
    outcome: 'success',
    details: { caId: o.id, kind: o.kind, subject: c.subjectDn },
  });
  d.cas.invalidate(o.id);
}
