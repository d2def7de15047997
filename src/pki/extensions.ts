import { createHash } from 'node:crypto';
import { bool, ia5, implicitCons, implicitPrim, int, namedBits, NULL, octets, oid, seq, type Der } from '../core/der.js';
import { KU, OID, type KeyUsageName } from '../core/oids.js';

/**
 * X.509 v3 extension encoders (RFC 5280 §4.2). Each returns a complete `Extension` SEQUENCE:
 * extnID, critical (only when TRUE, DER omits DEFAULT FALSE), extnValue OCTET STRING.
 */
export function extension(extnId: string, critical: boolean, value: Der): Der {
  return critical ? seq(oid(extnId), bool(true), octets(value)) : seq(oid(extnId), octets(value));
}

/**
 * Key identifier per RFC 5280 §4.2.1.2 method (1): SHA-1 of the BIT STRING subjectPublicKey
 * (excluding tag, length and unused-bits octet). `publicKeyBits` is that payload.
 */
export function keyIdentifier(publicKeyBits: Uint8Array): Buffer {
  return createHash('sha1').update(publicKeyBits).digest();
}

/** §4.2.1.9: critical for CAs; pathLenConstraint only when given. */
export function basicConstraints(ca: boolean, pathLen?: number): Der {
  const body: Der[] = [];
  if (ca) body.push(bool(true));
  if (ca && pathLen !== undefined) body.push(int(pathLen));
  return extension(OID.basicConstraints, true, seq(...body));
}

/** §4.2.1.3, always critical here. */
export function keyUsage(names: readonly KeyUsageName[]): Der {
  return extension(OID.keyUsage, true, namedBits(names.map((n) => KU[n])));
}

/** §4.2.1.12. */
export function extKeyUsage(oids: readonly string[], critical = false): Der {
  return extension(OID.extKeyUsage, critical, seq(...oids.map((o) => oid(o))));
}

export function subjectKeyIdentifier(keyId: Uint8Array): Der {
  return extension(OID.subjectKeyIdentifier, false, octets(keyId));
}

/** §4.2.1.1: keyIdentifier [0] only. */
export function authorityKeyIdentifier(keyId: Uint8Array): Der {
  return extension(OID.authorityKeyIdentifier, false, seq(implicitPrim(0, keyId)));
}

/** §4.2.1.13: one DistributionPoint per URL, fullName [0] GeneralNames of uniformResourceIdentifier [6]. */
export function crlDistributionPoints(urls: readonly string[]): Der {
  return extension(
    OID.crlDistributionPoints,
    false,
    seq(...urls.map((u) => seq(implicitCons(0, implicitCons(0, implicitPrim(6, Buffer.from(u, 'ascii'))))))),
  );
}

/** §4.2.2.1 Authority Information Access: OCSP and caIssuers. */
export function authorityInfoAccess(o: { ocsp?: readonly string[]; caIssuers?: readonly string[] }): Der {
  const ads: Der[] = [];
  for (const u of o.ocsp ?? []) ads.push(seq(oid(OID.ocsp), implicitPrim(6, Buffer.from(u, 'ascii'))));
  for (const u of o.caIssuers ?? []) ads.push(seq(oid(OID.caIssuers), implicitPrim(6, Buffer.from(u, 'ascii'))));
  return extension(OID.authorityInfoAccess, false, seq(...ads));
}

/** §4.2.1.4, optionally with a CPS URI qualifier on each policy. */
export function certificatePolicies(policyOids: readonly string[], cpsUrl?: string): Der {
  return extension(
    OID.certificatePolicies,
    false,
    seq(...policyOids.map((p) => (cpsUrl ? seq(oid(p), seq(seq(oid(OID.cpsQualifier), ia5(cpsUrl)))) : seq(oid(p))))),
  );
}

/** §4.2.1.6 with rfc822Name [1] entries (the e-mail also in the subject for S/MIME-style clients). */
export function subjectAltNameEmail(emails: readonly string[]): Der {
  return extension(OID.subjectAltName, false, seq(...emails.map((e) => implicitPrim(1, Buffer.from(e, 'ascii')))));
}

/** RFC 6960 §4.2.2.2.1 id-pkix-ocsp-nocheck: value NULL. */
export function ocspNoCheck(): Der {
  return extension(OID.ocspNoCheck, false, NULL);
}
