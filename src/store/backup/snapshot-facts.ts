/**
 * What a backup reads from its own database snapshot besides the dump itself: the sealed key rows
 * (so a restore can check the master key before it touches the target), the key URIs the CA
 * hierarchy signs with (to tell sealed keys from references to a PKCS#11 token) and the
 * migrations the snapshot's schema has (to refuse restoring into a kyso that does not know them).
 * Read inside the same snapshot as the dump, so the three agree with it.
 */
export interface SealedKeyRow {
  readonly id: string;
  readonly uri: string;
  readonly label: string;
  readonly keyType: string;
  /** base64 */
  readonly publicKeySpki: string;
  readonly kekId: string;
  readonly iv: string;
  readonly ciphertext: string;
  readonly tag: string;
  readonly createdAt: string;
}

export interface SnapshotFacts {
  readonly sealedKeys: readonly SealedKeyRow[];
  readonly caKeys: readonly { readonly caId: string; readonly keyUri: string }[];
  readonly migrations: readonly string[];
}

/** The three queries, the same text on SQLite and PostgreSQL. */
export const FACT_QUERIES = {
  sealedKeys: 'SELECT id, uri, label, key_type, public_key_spki, kek_id, iv, ciphertext, tag, created_at FROM sealed_keys ORDER BY id',
  caKeys: 'SELECT id, key_uri FROM cas ORDER BY id',
  migrations: 'SELECT name FROM kyso_migrations ORDER BY name',
} as const;

type Row = Record<string, unknown>;
const b64 = (v: unknown): string => Buffer.from(v as Uint8Array).toString('base64');

export function factsFromRows(sealed: readonly Row[], cas: readonly Row[], migrations: readonly Row[]): SnapshotFacts {
  return {
    sealedKeys: sealed.map((r) => ({
      id: String(r.id),
      uri: String(r.uri),
      label: String(r.label),
      keyType: String(r.key_type),
      publicKeySpki: b64(r.public_key_spki),
      kekId: String(r.kek_id),
      iv: b64(r.iv),
      ciphertext: b64(r.ciphertext),
      tag: b64(r.tag),
      createdAt: r.created_at instanceof Date ? r.created_at.toISOString() : String(r.created_at),
    })),
    caKeys: cas.map((r) => ({ caId: String(r.id), keyUri: String(r.key_uri) })),
    migrations: migrations.map((r) => String(r.name)),
  };
}
