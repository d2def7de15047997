/**
 * Storage for private keys sealed by the encrypted key store (adapters/encrypted-key-store.ts).
 * It only ever sees ciphertext: the AES-256-GCM key that opens it is derived from a master
 * secret the repository never holds. Implemented on the relational store
 * (src/store/adapters/sealed-keys.ts) so several service instances share one set of CA keys and
 * the keys are in the same backup as the certificates that reference them, while the master
 * secret lives apart (env or a 0600 file): a database dump alone opens nothing.
 */
export interface SealedKey {
  readonly id: string;
  readonly uri: string;
  readonly label: string;
  /** 'rsa' | 'rsa-pss' | 'ec:P-256' | 'ec:P-384' | 'ec:P-521' — to pick defaults without decrypting. */
  readonly keyType: string;
  readonly publicKeySpki: Buffer;
  /** Identifies the master secret that sealed this key (not secret; a hash-derived tag). */
  readonly kekId: string;
  readonly iv: Buffer;
  readonly ciphertext: Buffer;
  readonly tag: Buffer;
  readonly createdAt: Date;
}

export interface SealedKeyRepository {
  /** STORE_CONSTRAINT when the id or uri already exists. */
  put(key: SealedKey): Promise<void>;
  get(id: string): Promise<SealedKey | undefined>;
  /** True if a key was deleted. */
  delete(id: string): Promise<boolean>;
  /**
   * Master-key rotation: replaces the sealed blob of `id` only if it is still sealed under
   * `expectedKekId` (compare-and-set, so two instances re-sealing at once cannot clobber).
   */
  reseal(id: string, expectedKekId: string, sealed: { kekId: string; iv: Buffer; ciphertext: Buffer; tag: Buffer }): Promise<boolean>;
  /** Ids of the keys sealed under `kekId` (at most `limit`). */
  listIdsByKek(kekId: string, limit: number): Promise<string[]>;
}
