import type { KeyObject } from 'node:crypto';
import { importSpki } from './public-key.js';
import { bits, explicit, int, seq, x509Time, type Der } from '../core/der.js';
import { signatureAlgorithmIdentifier, type SignatureAlgorithm, type Signer } from '../core/signature-algorithms.js';
import { AppError } from '../core/errors.js';
import { children, readDer, type DerNode } from '../core/der-reader.js';
import * as ext from './extensions.js';
import type { Profile } from './profiles.js';
import type { SubjectFields } from './ports.js';

/**
 * X.509 v3 certificates assembled by hand in DER (RFC 5280 §4.1). The template is a plain value
 * so the linter can inspect it before any private-key operation; `encodeTbs` is deterministic.
 */

/** What the builder needs to know about the issuing CA. */
export interface IssuerInfo {
  readonly caId: string;
  /** The issuer's subject Name, byte-exact from its certificate (RFC 5280 §7.1 name chaining). */
  readonly nameDer: Buffer;
  /** The issuer's SKI, used as our AKI. */
  readonly keyId: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly isCa: boolean;
  /** Where relying parties find this issuer's CRL, OCSP responder and certificate. */
  readonly urls: { readonly crl?: string; readonly ocsp?: string; readonly caIssuers?: string };
}

export interface SubjectKey {
  readonly spki: Buffer;
  readonly publicKey: KeyObject;
  /** subjectPublicKey BIT STRING payload (for SKI). */
  readonly publicKeyBits: Buffer;
}

export interface CertificateTemplate {
  readonly profile: Profile;
  readonly serial: Buffer;
  readonly subject: SubjectFields;
  readonly subjectDer: Buffer;
  readonly key: SubjectKey;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly issuer: IssuerInfo;
  /** True for the root: issuer name/key are the subject's own. */
  readonly selfSigned: boolean;
  readonly renewal: boolean;
  readonly policies: readonly string[];
  readonly cpsUrl?: string;
}

/** Parses a SubjectPublicKeyInfo; CSR_MALFORMED-free: callers choose the code. */
export function subjectKeyFromSpki(spki: Buffer): SubjectKey {
  let t: DerNode;
  let bitStr: DerNode | undefined;
  try {
    t = readDer(spki, 0, 'BAD_REQUEST', { der: true });
    [, bitStr] = children(t, 'BAD_REQUEST', { der: true });
  } catch (e) {
    throw new TypeError('SubjectPublicKeyInfo is not valid DER', { cause: e });
  }
  if (t.tag !== 0x30 || t.end !== spki.length) throw new TypeError('SubjectPublicKeyInfo is not a single SEQUENCE');
  if (!bitStr || bitStr.tag !== 0x03) throw new TypeError('SubjectPublicKeyInfo has no BIT STRING');
  const publicKey = importSpki(spki);
  return { spki, publicKey, publicKeyBits: spki.subarray(bitStr.contentStart + 1, bitStr.end) };
}

/** Extensions that depend only on (issuer, profile, policies): encoded once and reused. */
interface StaticExtensions {
  readonly head: Der;
  readonly aki: Der;
  readonly tail: Der;
}
const staticCache = new WeakMap<IssuerInfo, WeakMap<Profile, Map<string, StaticExtensions>>>();

function staticExtensions(t: CertificateTemplate): StaticExtensions {
  const p = t.profile;
  const build = (): StaticExtensions => {
    const head: Der[] = [ext.basicConstraints(p.isCa, p.pathLen), ext.keyUsage(p.keyUsage)];
    if (p.eku.length) head.push(ext.extKeyUsage(p.eku, p.ekuCritical));
    const tail: Der[] = [];
    const u = t.issuer.urls;
    if (!t.selfSigned && p.revocationPointers === 'all') {
      if (u.crl) tail.push(ext.crlDistributionPoints([u.crl]));
      const aia: { ocsp?: string[]; caIssuers?: string[] } = {};
      if (u.ocsp) aia.ocsp = [u.ocsp];
      if (u.caIssuers) aia.caIssuers = [u.caIssuers];
      if (aia.ocsp || aia.caIssuers) tail.push(ext.authorityInfoAccess(aia));
    } else if (!t.selfSigned && p.revocationPointers === 'ca-issuers-only' && u.caIssuers) {
      tail.push(ext.authorityInfoAccess({ caIssuers: [u.caIssuers] }));
    }
    if (t.policies.length) tail.push(ext.certificatePolicies(t.policies, t.cpsUrl));
    if (p.ocspNoCheck) tail.push(ext.ocspNoCheck());
    return { head: Buffer.concat(head), aki: ext.authorityKeyIdentifier(t.issuer.keyId), tail: Buffer.concat(tail) };
  };
  // Self-signed templates carry their own key id: never cached.
  if (t.selfSigned) return build();
  let byIssuer = staticCache.get(t.issuer);
  if (!byIssuer) {
    byIssuer = new WeakMap();
    staticCache.set(t.issuer, byIssuer);
  }
  let byProfile = byIssuer.get(p);
  if (!byProfile) {
    byProfile = new Map();
    byIssuer.set(p, byProfile);
  }
  const key = `${t.policies.join(' ')}|${t.cpsUrl ?? ''}`;
  let hit = byProfile.get(key);
  if (!hit) {
    hit = build();
    byProfile.set(key, hit);
  }
  return hit;
}

/** RFC 5280 §4.2 extensions, in a fixed order; only SKI and SAN are per certificate. */
function extensionsFor(t: CertificateTemplate): Der[] {
  const s = staticExtensions(t);
  const ski = ext.keyIdentifier(t.key.publicKeyBits);
  const out: Der[] = [s.head, ext.subjectKeyIdentifier(ski), t.selfSigned ? ext.authorityKeyIdentifier(ski) : s.aki];
  if (t.profile.emailSan && t.subject.email) out.push(ext.subjectAltNameEmail([t.subject.email]));
  out.push(s.tail);
  return out;
}

const algIdCache = new Map<SignatureAlgorithm, Der>();
function algIdentifier(a: SignatureAlgorithm): Der {
  let d = algIdCache.get(a);
  if (!d) {
    d = signatureAlgorithmIdentifier(a);
    algIdCache.set(a, d);
  }
  return d;
}

/** TBSCertificate DER (RFC 5280 §4.1.2), version 3. */
export function encodeTbs(t: CertificateTemplate, algorithm: SignatureAlgorithm): Der {
  return seq(
    explicit(0, int(2)),
    int(t.serial),
    algIdentifier(algorithm),
    t.selfSigned ? t.subjectDer : t.issuer.nameDer,
    seq(x509Time(t.notBefore), x509Time(t.notAfter)),
    t.subjectDer,
    t.key.spki,
    explicit(3, seq(...extensionsFor(t))),
  );
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (§4.1.1). */
export async function signTbs(tbs: Der, signer: Signer): Promise<Der> {
  const signature = await signer.sign(tbs);
  if (!Buffer.isBuffer(signature) || signature.length === 0) throw new AppError('INTERNAL', 'signer returned no signature');
  return seq(tbs, algIdentifier(signer.algorithm), bits(signature));
}
