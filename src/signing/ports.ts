import type { HashName, SignatureAlgorithm } from '../core/signature-algorithms.js';
import type { PadesLevel } from '../core/pades-level.js';

/**
 * Storage ports of the signing service (docs/architecture.md: ports live in the domain, adapters in
 * src/store). Every port has an in-memory reference adapter in ./memory-repositories.ts; the
 * Kysely adapters must behave the same (contract tests in test/contract/store).
 *
 * Binary values are Buffers (DER, PDF bytes); times are Dates. Nothing secret is stored in
 * clear: PINs only as a keyed, salted verifier (./pin-hash.ts), private keys only inside the KeyStore.
 */

/** A prepared two-phase signing session (docs/signatures-and-validation.md "Two phases"). */
export interface SignSession {
  /** Opaque id (`ss_...`). */
  readonly id: string;
  /** Who prepared it (user/official id) — only they may complete it. Null when anonymous (CLI/tests). */
  readonly ownerId: string | null;
  /**
   * The prepared PDF: the input plus the incremental update holding the zero-filled `/Contents`
   * placeholder, kept without the placeholder's zero digits (./prepared-file.ts; a whole file is
   * accepted too). `complete` fills the placeholder only; nothing else is rewritten.
   */
  readonly preparedPdf: Buffer;
  /** `/ByteRange [a b c d]` of the placeholder in `preparedPdf`. */
  readonly byteRange: readonly [number, number, number, number];
  /** DER SET OF signed attributes (the exact bytes the token signs). */
  readonly signedAttributes: Buffer;
  readonly digestAlgorithm: HashName;
  readonly algorithm: SignatureAlgorithm;
  /** Signer certificate first, then the rest of the chain (DER). */
  readonly certificates: readonly Buffer[];
  readonly level: PadesLevel;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /** Set once by `consume`; a session is single-use. */
  readonly usedAt: Date | null;
}

export interface SignSessionRepository {
  create(session: SignSession): Promise<void>;
  /** Writes several sessions at once (a two-phase batch): all of them or, on an error, none. */
  createMany(sessions: readonly SignSession[]): Promise<void>;
  get(id: string): Promise<SignSession | undefined>;
  /**
   * Atomically marks the session used (compare-and-set on `usedAt IS NULL`).
   * Returns false when it was already used (or does not exist): the caller must then refuse.
   */
  consume(id: string, at: Date): Promise<boolean>;
  /** The sessions of `ids` that exist, by id (one read for a batch). */
  getMany(ids: readonly string[]): Promise<Map<string, SignSession>>;
  /**
   * `consume` for several sessions in one atomic step: each id is marked used only if it was not
   * (compare-and-set per session). Returns the ids this call marked.
   */
  consumeMany(ids: readonly string[], at: Date): Promise<Set<string>>;
  /** Clears `usedAt` again — only after a refused completion (SIGNATURE_MISMATCH) so a retry is possible. */
  release(id: string): Promise<void>;
  /** Housekeeping: delete sessions that expired before `before`; returns how many. */
  deleteExpired(before: Date): Promise<number>;
  /** How many of `ownerId`'s sessions still await their completion at `at` (not used, not expired). */
  countOpen(ownerId: string, at: Date): Promise<number>;
  /** Deletes these sessions (a prepare that found itself over the cap takes back what it stored). */
  discard(ids: readonly string[]): Promise<void>;
}

/** A server-held signing credential ("second certificate", docs/domain.md "Keys"). */
export interface SigningCredential {
  /** Opaque id (`cred_...`). */
  readonly id: string;
  /** The official (user id) who alone may use it. */
  readonly ownerId: string;
  readonly label: string;
  /** Key in the KeyStore (`kyso-file:...`, `pkcs11:...`). */
  readonly keyUri: string;
  /** Signer certificate first, then its chain (DER). */
  readonly certificates: readonly Buffer[];
  readonly algorithm: SignatureAlgorithm | null;
  /**
   * The PIN's verifier, `hmac-sha256$keyId$saltB64$macB64` (or the legacy
   * `scrypt$N$r$p$saltB64$hashB64`) — see ./pin-hash.ts. Never the PIN. The empty string while
   * the credential waits for its holder to set the PIN (activation).
   */
  readonly pinHash: string;
  readonly failedAttempts: number;
  readonly lockedAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** SHA-256 (hex) of the one-time activation code handed to the holder out of band; null once used. */
  readonly activationCodeHash: string | null;
  readonly activationExpiresAt: Date | null;
}

export interface CredentialRepository {
  create(credential: SigningCredential): Promise<void>;
  get(id: string): Promise<SigningCredential | undefined>;
  /** The credential over this key, if any (there is at most one: unique `keyUri`). */
  findByKeyUri(keyUri: string): Promise<SigningCredential | undefined>;
  listByOwner(ownerId: string): Promise<SigningCredential[]>;
  /** Credentials whose PIN verifier starts with `prefix` (a form's name and its `$`), oldest first. */
  listByPinVerifierForm(prefix: string): Promise<SigningCredential[]>;
  /**
   * Reserves one PIN guess before the (slow) PIN hash is evaluated: in one conditional update,
   * `failedAttempts + 1` when `failedAttempts < lockAfter` and the credential is not locked.
   * Returns the updated row, or undefined when no guess is left (or the id does not exist), so
   * at most `lockAfter` guesses are ever evaluated however many arrive at once.
   */
  reservePinAttempt(id: string, lockAfter: number, at: Date): Promise<SigningCredential | undefined>;
  /** After a reserved guess proved wrong: sets `lockedAt = at` when `failedAttempts >= lockAfter`. True when it locked now. */
  lockWhenExhausted(id: string, lockAfter: number, at: Date): Promise<boolean>;
  /** After a correct PIN: `failedAttempts = 0`, which also returns the reserved guess (does not unlock a locked credential). */
  resetPinFailures(id: string, at: Date): Promise<void>;
  /** Compare-and-set of the PIN verifier (a legacy form replaced after a correct PIN): false when the row no longer holds `expected`. */
  replacePinVerifier(id: string, expected: string, next: string, at: Date): Promise<boolean>;
  /**
   * PIN reset approved: the PIN is cleared (empty `pinHash`) and a new activation code hash set
   * with its expiry; the counter and the lock are cleared when the holder activates.
   */
  setActivation(id: string, codeHash: string, expiresAt: Date, at: Date): Promise<void>;
  /**
   * The holder sets the PIN: compare-and-set on the activation code hash and `expiresAt > at`;
   * stores `pinHash`, clears the code, `failedAttempts = 0`, `lockedAt = null`. False when the
   * code is wrong, used or expired.
   */
  activate(id: string, codeHash: string, pinHash: string, at: Date): Promise<boolean>;
  /**
   * The credential goes to another holder (its certificate's holder changed: a seal custodian
   * replaced on the authority): compare-and-set on the owner, which becomes `toOwnerId`; the PIN is
   * cleared and a new activation code hash set, as for a PIN reset. False when the owner was no
   * longer `fromOwnerId` (another transfer won).
   */
  transfer(id: string, fromOwnerId: string, toOwnerId: string, codeHash: string, expiresAt: Date, at: Date): Promise<boolean>;
  /** Certificate renewal: same key, new chain. */
  updateCertificates(id: string, certificates: readonly Buffer[], at: Date): Promise<void>;
  delete(id: string): Promise<void>;
}

/**
 * One PIN check authorizing a batch: valid until `expiresAt` and for at most `maxDocuments`
 * signatures with one credential by its owner.
 */
export interface SigningAuthorization {
  /** Opaque id (`sa_...`); the caller presents it instead of the PIN. */
  readonly id: string;
  readonly credentialId: string;
  readonly ownerId: string;
  readonly maxDocuments: number;
  readonly usedDocuments: number;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly revokedAt: Date | null;
}

export interface SigningAuthorizationRepository {
  create(authorization: SigningAuthorization): Promise<void>;
  get(id: string): Promise<SigningAuthorization | undefined>;
  /**
   * Atomically takes `count` documents from the authorization when
   * `usedDocuments + count <= maxDocuments`, `revokedAt IS NULL` and `expiresAt > at`.
   * Returns the updated row, or undefined when it cannot (exhausted, expired, revoked, unknown).
   */
  take(id: string, count: number, at: Date): Promise<SigningAuthorization | undefined>;
  revoke(id: string, at: Date): Promise<void>;
  /** Revokes every authorization of `credentialId` not yet revoked (a PIN reset); returns how many. */
  revokeAllOf(credentialId: string, at: Date): Promise<number>;
}
