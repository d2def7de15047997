import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import type forgeTypes from 'node-forge';
import { AppError } from '../core/errors.js';
import { defaultAlgorithmFor, signWithKeyAsync, type SignatureAlgorithm, type Signer } from '../core/signature-algorithms.js';
import { orderChain } from './certificate-chain.js';
import { verifyPfxMac } from './pkcs12-mac.js';
import { Pkcs12BadPassword, readPkcs12Native } from './pkcs12-native.js';

/**
 * Reads a PKCS#12 file (RFC 7292) supplied by the caller. node-forge is used ONLY to open the
 * container (PBES2/PBES1 decryption, MAC); the key is handed to node:crypto at once and every
 * signature is native (forge's RSA is ~50x slower and not constant-time).
 */
export interface Pkcs12Contents {
  readonly privateKey: KeyObject;
  /** Signer certificate first, then the rest of the chain found in the file (DER). */
  readonly certificates: Buffer[];
}

export function readPkcs12(p12: Buffer, password: string): Pkcs12Contents {
  if (typeof password !== 'string') throw new AppError('VALIDATION_FAILED', 'the PKCS#12 password is required');
  let native: ReturnType<typeof readPkcs12Native> | undefined;
  try {
    native = readPkcs12Native(p12, password);
  } catch (err) {
    if (err instanceof Pkcs12BadPassword) {
      throw new AppError('PKCS12_FAILED', 'cannot open the PKCS#12 file (wrong password or not a PKCS#12 file)');
    }
    // Pkcs12Unsupported (legacy PBES1/RC2 files) or an unexpected structure: node-forge decides.
  }
  return native ? pickSigner(native.keys, native.certificates) : readPkcs12WithForge(p12, password);
}

/** node-forge is loaded for the legacy files only (a CommonJS module, required on demand). */
const loadForge = (): typeof forgeTypes => createRequire(import.meta.url)('node-forge') as typeof forgeTypes;

/** The legacy path: node-forge opens the container, node:crypto gets the key. */
function readPkcs12WithForge(p12: Buffer, password: string): Pkcs12Contents {
  const forge = loadForge();
  const parsed = openPfx(forge, p12, password);
  const keys: KeyObject[] = [];
  for (const bagType of [forge.pki.oids.pkcs8ShroudedKeyBag, forge.pki.oids.keyBag]) {
    for (const bag of parsed.getBags({ bagType: bagType! })[bagType!] ?? []) {
      const info = bag.key
        ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key))
        : (bag as unknown as { asn1?: forgeTypes.asn1.Asn1 }).asn1;
      if (!info) continue;
      const der = Buffer.from(forge.asn1.toDer(info).getBytes(), 'binary');
      keys.push(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
    }
  }
  const certs: Buffer[] = [];
  const certBagType = forge.pki.oids.certBag!;
  for (const bag of parsed.getBags({ bagType: certBagType })[certBagType] ?? []) {
    const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : (bag as unknown as { asn1?: forgeTypes.asn1.Asn1 }).asn1;
    if (asn1) certs.push(Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary'));
  }
  return pickSigner(keys, certs);
}

function pickSigner(keys: KeyObject[], certs: Buffer[]): Pkcs12Contents {
  if (keys.length === 0) throw new AppError('PKCS12_FAILED', 'the PKCS#12 file holds no private key');
  if (certs.length === 0) throw new AppError('PKCS12_FAILED', 'the PKCS#12 file holds no certificate');
  // Pick the certificate whose public key matches a private key in the file.
  for (const key of keys) {
    const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
    const leaf = certs.find((c) => new X509Certificate(c).publicKey.export({ format: 'der', type: 'spki' }).equals(spki));
    if (leaf) return { privateKey: key, certificates: orderChain(leaf, certs) };
  }
  throw new AppError('PKCS12_FAILED', 'no certificate in the PKCS#12 file matches its private key');
}

/** A Signer over a native private key (used for PKCS#12 input). */
export function keyObjectSigner(privateKey: KeyObject, algorithm?: SignatureAlgorithm): Signer {
  const alg = algorithm ?? defaultAlgorithmFor(privateKey);
  const publicKeySpki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return {
    algorithm: alg,
    publicKeySpki,
    sign: (data) => signWithKeyAsync(alg, privateKey, data),
  };
}

/**
 * RFC 7292 uses two password encodings: BMPString for the MAC and PBES1 (Appendix B.1), and UTF-8
 * bytes for PBES2/PBKDF2 (RFC 8018 §3, what OpenSSL 3 writes by default). forge applies one
 * string to both, so a non-ASCII password (Vietnamese diacritics) fails on OpenSSL 3 files. Then
 * we verify the MAC natively (BMPString KDF) and let forge decrypt with the UTF-8 bytes.
 */
function openPfx(forge: typeof forgeTypes, p12: Buffer, password: string): forgeTypes.pkcs12.Pkcs12Pfx {
  const bad = (cause: unknown): AppError =>
    new AppError('PKCS12_FAILED', 'cannot open the PKCS#12 file (wrong password or not a PKCS#12 file)', { cause });
  let asn1: forgeTypes.asn1.Asn1;
  try {
    asn1 = forge.asn1.fromDer(forge.util.createBuffer(p12.toString('binary')));
  } catch (cause) {
    throw bad(cause);
  }
  try {
    return forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch (cause) {
    // eslint-disable-next-line no-control-regex
    if (/^[\x00-\x7f]*$/.test(password)) throw bad(cause);
  }
  try {
    if (!verifyPfxMac(p12, password)) throw new Error('MAC mismatch');
    const parts = asn1.value as forgeTypes.asn1.Asn1[];
    const withoutMac = forge.asn1.create(asn1.tagClass, asn1.type, true, parts.slice(0, 2));
    return forge.pkcs12.pkcs12FromAsn1(withoutMac, false, forge.util.encodeUtf8(password));
  } catch (cause) {
    throw bad(cause);
  }
}
