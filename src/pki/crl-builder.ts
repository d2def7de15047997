import { bits, enumerated, explicit, generalizedTime, implicitPrim, int, octets, oid, seq, tlv, x509Time, type Der } from '../core/der.js';
import { signatureAlgorithmIdentifier, type Signer } from '../core/signature-algorithms.js';
import { OID } from '../core/oids.js';
import type { RevokedEntry } from './ports.js';
import { reasonCode } from './revocation-reasons.js';

/**
 * X.509 v2 CRLs (RFC 5280 §5). Complete CRLs only: a released hold simply leaves the next CRL
 * (removeFromCRL is for delta CRLs, §5.3.1). Entries are encoded one by one into small Buffers
 * and concatenated once, so 100,000 entries stay well under a second.
 */

const REASON_OID = oid(OID.crlReason);
const INVALIDITY_OID = oid(OID.invalidityDate);
const reasonExtCache = new Map<number, Der>();

function reasonExtension(code: number): Der {
  let e = reasonExtCache.get(code);
  if (!e) {
    e = seq(REASON_OID, octets(enumerated(code)));
    reasonExtCache.set(code, e);
  }
  return e;
}

/**
 * One revokedCertificates entry (§5.1.2.6): serial, revocationDate, and entry extensions
 * reasonCode (§5.3.1; absent for unspecified as the RFC recommends) and invalidityDate (§5.3.2).
 */
export function encodeCrlEntry(e: RevokedEntry): Der {
  const exts: Der[] = [];
  const code = reasonCode(e.reason);
  if (code !== 0) exts.push(reasonExtension(code));
  if (e.invalidityDate) exts.push(seq(INVALIDITY_OID, octets(generalizedTime(e.invalidityDate))));
  const serial = int(Buffer.from(e.serial, 'hex'));
  const when = x509Time(e.revokedAt);
  return exts.length ? seq(serial, when, seq(...exts)) : seq(serial, when);
}

export interface CrlInput {
  readonly issuerNameDer: Buffer;
  readonly issuerKeyId: Buffer;
  readonly crlNumber: number;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  /** Already-encoded entries (encodeCrlEntry), in any order. */
  readonly entries: readonly Der[];
}

/** TBSCertList (§5.1.2) with AKI and cRLNumber extensions (§5.2.1, §5.2.3). */
export function encodeTbsCrl(c: CrlInput, signer: Pick<Signer, 'algorithm'>): Der {
  const parts: Der[] = [
    int(1),
    signatureAlgorithmIdentifier(signer.algorithm),
    c.issuerNameDer,
    x509Time(c.thisUpdate),
    x509Time(c.nextUpdate),
  ];
  if (c.entries.length) parts.push(tlv(0x30, c.entries));
  parts.push(
    explicit(
      0,
      seq(
        seq(oid(OID.authorityKeyIdentifier), octets(seq(implicitPrim(0, c.issuerKeyId)))),
        seq(oid(OID.crlNumber), octets(int(c.crlNumber))),
      ),
    ),
  );
  return tlv(0x30, parts);
}

export async function buildCrl(c: CrlInput, signer: Signer): Promise<Der> {
  const tbs = encodeTbsCrl(c, signer);
  const signature = await signer.sign(tbs);
  return seq(tbs, signatureAlgorithmIdentifier(signer.algorithm), bits(signature));
}
