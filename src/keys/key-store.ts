import type { Signer, SignatureAlgorithm } from '../core/signature-algorithms.js';

/**
 * The key store port (docs/architecture.md: keys addressed by URI, adapters chosen by scheme, as in
 * RFC 7512 `pkcs11:` URIs). Private key material never leaves an adapter except through
 * `exportPkcs8`, which only the one-time PKCS#12 delivery of server-generated keys may call.
 */
export type KeySpec =
  { readonly type: 'rsa'; readonly bits: 2048 | 3072 | 4096 } | { readonly type: 'ec'; readonly curve: 'P-256' | 'P-384' };

export interface KeyRef {
  /** e.g. `kyso-file:k_abc...` — the adapter is chosen by the scheme. */
  readonly uri: string;
  /** SubjectPublicKeyInfo DER. */
  readonly publicKeySpki: Buffer;
}

export interface KeyStore {
  /** URI schemes this adapter serves. */
  readonly schemes: readonly string[];
  generate(spec: KeySpec, label: string): Promise<KeyRef>;
  /** Takes ownership of an existing private key (PKCS#8 DER), encrypting it at rest. */
  importPkcs8(pkcs8Der: Buffer, label: string): Promise<KeyRef>;
  publicKey(uri: string): Promise<Buffer>;
  /** A signer bound to the key; algorithm defaults from the key type. */
  signer(uri: string, algorithm?: SignatureAlgorithm): Promise<Signer>;
  /** Only for delivering a server-generated subscriber key once, as PKCS#12. */
  exportPkcs8(uri: string): Promise<Buffer>;
  delete(uri: string): Promise<void>;
}
