import { createHash, verify as nodeVerify, constants, type KeyObject } from 'node:crypto';
import { AppError } from '../core/errors.js';
import { pemDecodeAll } from '../core/bytes.js';
import type { ErrorCode } from '../core/error-codes.js';
import { children, decodeOidContent, readDer, type DerNode } from '../core/der-reader.js';
import { OID } from '../core/oids.js';
import { subjectKeyFromSpki, type SubjectKey } from './x509-builder.js';

/**
 * PKCS#10 certification requests (RFC 2986). The CA uses only the public key from a CSR
 * (the subject comes from the RA's validated record), but the CSR's self-signature is checked
 * natively as proof of possession of the private key (RFC 4211 §4 POP by signature).
 */
export interface ParsedCsr {
  readonly der: Buffer;
  readonly subjectDer: Buffer;
  readonly key: SubjectKey;
  readonly signatureAlgorithm: string;
  /** SHA-256 hex of the SPKI. */
  readonly spkiSha256: string;
}

type Verify = { hash: string; pss: boolean };
const SIG_ALGS: Record<string, Verify> = {
  '1.2.840.113549.1.1.5': { hash: 'sha1', pss: false },
  '1.2.840.113549.1.1.11': { hash: 'sha256', pss: false },
  '1.2.840.113549.1.1.12': { hash: 'sha384', pss: false },
  '1.2.840.113549.1.1.13': { hash: 'sha512', pss: false },
  '1.2.840.10045.4.3.2': { hash: 'sha256', pss: false },
  '1.2.840.10045.4.3.3': { hash: 'sha384', pss: false },
  '1.2.840.10045.4.3.4': { hash: 'sha512', pss: false },
};
const PSS_HASHES: Record<string, string> = {
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};
const OID_RSA_PSS = '1.2.840.113549.1.1.10';
/** CSRs are judged as DER (RFC 2986 §4): indefinite and non-minimal lengths are refused. */
const C: ErrorCode = 'CSR_MALFORMED';
const DER = { der: true } as const;

const MALFORMED = 'CSR is malformed: ';

function malformed(why: string, cause?: unknown): never {
  throw new AppError(C, `${MALFORMED}${why}`, cause === undefined ? {} : { cause });
}

/** RSASSA-PSS-params (RFC 4055 §3.1): hash and salt length; MGF1 must use the same hash. */
function pssParams(params: DerNode | undefined): { hash: string; saltLength: number } {
  let hash = 'sha1';
  let saltLength = 20;
  if (params) {
    for (const f of children(params, C, DER)) {
      const [inner] = children(f, C, DER);
      if (!inner) continue;
      if (f.tag === 0xa0) {
        const [o] = children(inner, C, DER);
        hash = (o && PSS_HASHES[decodeOidContent(o.content)]) || malformed('unsupported PSS hash');
      } else if (f.tag === 0xa2) {
        saltLength = Number(BigInt('0x' + (inner.content.toString('hex') || '0')));
      }
    }
  }
  return { hash, saltLength };
}

/** Accepts DER or PEM (`CERTIFICATE REQUEST` / `NEW CERTIFICATE REQUEST`). */
export function csrBytes(input: Buffer | string): Buffer {
  if (typeof input === 'string' || (input.length > 0 && input[0] === 0x2d)) {
    const text = typeof input === 'string' ? input : input.toString('latin1');
    const blocks = [...pemDecodeAll(text, 'CERTIFICATE REQUEST'), ...pemDecodeAll(text, 'NEW CERTIFICATE REQUEST')];
    if (blocks.length !== 1 || !blocks[0]) malformed('expected exactly one PEM CERTIFICATE REQUEST');
    return blocks[0];
  }
  return input;
}

/** Parses and verifies a CSR; throws CSR_MALFORMED or CSR_SIGNATURE_INVALID. */
export function parseCsr(input: Buffer | string): ParsedCsr {
  const der = csrBytes(input);
  let info: DerNode, alg: DerNode, sig: DerNode, subject: DerNode, spkiT: DerNode;
  let algOid: string;
  let algParams: DerNode | undefined;
  try {
    const top = readDer(der, 0, C, DER);
    if (top.tag !== 0x30 || top.end !== der.length) malformed('not a single SEQUENCE');
    const parts = children(top, C, DER);
    if (parts.length !== 3) malformed('CertificationRequest must have 3 parts');
    [info, alg, sig] = parts as [DerNode, DerNode, DerNode];
    if (info.tag !== 0x30 || alg.tag !== 0x30 || sig.tag !== 0x03) malformed('unexpected element types');
    const f = children(info, C, DER);
    const [version, subj, spki] = f;
    if (!version || version.tag !== 0x02 || version.content.toString('hex') !== '00') malformed('version must be 0');
    if (!subj || subj.tag !== 0x30 || !spki || spki.tag !== 0x30) malformed('missing subject or key');
    subject = subj;
    spkiT = spki;
    const a = children(alg, C, DER);
    if (!a[0] || a[0].tag !== 0x06) malformed('bad signature algorithm');
    algOid = decodeOidContent(a[0].content);
    algParams = a[1]?.tag === 0x30 ? a[1] : undefined;
    if (der[sig.contentStart] !== 0) malformed('signature BIT STRING has unused bits');
  } catch (e) {
    if (e instanceof AppError && e.message.startsWith(MALFORMED)) throw e;
    malformed(`not valid DER (${e instanceof Error ? e.message : 'unreadable'})`, e);
  }
  let key: SubjectKey;
  try {
    key = subjectKeyFromSpki(Buffer.from(spkiT.raw));
  } catch (e) {
    malformed('public key is not a supported SubjectPublicKeyInfo', e);
  }
  const tbs = info.raw;
  const signature = der.subarray(sig.contentStart + 1, sig.end);
  let ok: boolean;
  if (algOid === OID_RSA_PSS) {
    const { hash, saltLength } = pssParams(algParams);
    ok = safeVerify(hash, tbs, { key: key.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, signature);
  } else {
    const v = SIG_ALGS[algOid];
    if (!v) malformed(`unsupported signature algorithm ${algOid}`);
    ok = safeVerify(v.hash, tbs, key.publicKey, signature);
  }
  if (!ok) throw new AppError('CSR_SIGNATURE_INVALID', 'CSR signature does not verify with its public key (no proof of possession)');
  return {
    der,
    subjectDer: Buffer.from(subject.raw),
    key,
    signatureAlgorithm: algOid,
    spkiSha256: createHash('sha256').update(key.spki).digest('hex'),
  };
}

function safeVerify(
  hash: string,
  data: Buffer,
  key: KeyObject | { key: KeyObject; padding: number; saltLength: number },
  sig: Buffer,
): boolean {
  try {
    return nodeVerify(hash, data, key, sig);
  } catch {
    return false;
  }
}
