import { AppError } from '../core/errors.js';
import type {
  CredentialRepository,
  SignSession,
  SignSessionRepository,
  SigningAuthorization,
  SigningAuthorizationRepository,
  SigningCredential,
} from './ports.js';

/**
 * In-memory reference adapters for the signing ports (docs/architecture.md convention 6). Used by unit
 * tests, by the CLI when no database is configured, and as the behaviour the Kysely adapters
 * must match. Single-process only: the atomic operations rely on the event loop.
 */
export class MemorySignSessionRepository implements SignSessionRepository {
  readonly #rows = new Map<string, SignSession>();

  async create(session: SignSession): Promise<void> {
    if (this.#rows.has(session.id)) throw new TypeError(`duplicate session id ${session.id}`);
    this.#rows.set(session.id, { ...session });
  }
  async createMany(sessions: readonly SignSession[]): Promise<void> {
    const ids = new Set(sessions.map((s) => s.id));
    if (ids.size !== sessions.length || sessions.some((s) => this.#rows.has(s.id))) throw new TypeError('duplicate session id');
    for (const s of sessions) this.#rows.set(s.id, { ...s });
  }
  async get(id: string): Promise<SignSession | undefined> {
    const row = this.#rows.get(id);
    return row ? { ...row } : undefined;
  }
  async consume(id: string, at: Date): Promise<boolean> {
    const row = this.#rows.get(id);
    if (!row || row.usedAt !== null) return false;
    this.#rows.set(id, { ...row, usedAt: at });
    return true;
  }
  async getMany(ids: readonly string[]): Promise<Map<string, SignSession>> {
    const out = new Map<string, SignSession>();
    for (const id of ids) {
      const row = this.#rows.get(id);
      if (row) out.set(id, { ...row });
    }
    return out;
  }
  async consumeMany(ids: readonly string[], at: Date): Promise<Set<string>> {
    const out = new Set<string>();
    for (const id of ids) if (await this.consume(id, at)) out.add(id);
    return out;
  }
  async release(id: string): Promise<void> {
    const row = this.#rows.get(id);
    if (row) this.#rows.set(id, { ...row, usedAt: null });
  }
  async deleteExpired(before: Date): Promise<number> {
    let n = 0;
    for (const [id, row] of this.#rows) {
      if (row.expiresAt.getTime() < before.getTime()) {
        this.#rows.delete(id);
        n++;
      }
    }
    return n;
  }
  async discard(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.#rows.delete(id);
  }
  async countOpen(ownerId: string, at: Date): Promise<number> {
    let n = 0;
    for (const row of this.#rows.values()) if (row.ownerId === ownerId && row.usedAt === null && row.expiresAt > at) n++;
    return n;
  }
}

export class MemoryCredentialRepository implements CredentialRepository {
  readonly #rows = new Map<string, SigningCredential>();

  async create(c: SigningCredential): Promise<void> {
    if (this.#rows.has(c.id)) throw new TypeError(`duplicate credential id ${c.id}`);
    if ([...this.#rows.values()].some((r) => r.keyUri === c.keyUri))
      throw new AppError('STORE_CONSTRAINT', 'the key already has a credential');
    this.#rows.set(c.id, { ...c, certificates: [...c.certificates] });
  }
  async get(id: string): Promise<SigningCredential | undefined> {
    const row = this.#rows.get(id);
    return row ? { ...row } : undefined;
  }
  async findByKeyUri(keyUri: string): Promise<SigningCredential | undefined> {
    const row = [...this.#rows.values()].find((r) => r.keyUri === keyUri);
    return row ? { ...row } : undefined;
  }
  async listByOwner(ownerId: string): Promise<SigningCredential[]> {
    return [...this.#rows.values()].filter((r) => r.ownerId === ownerId).map((r) => ({ ...r }));
  }
  async listByPinVerifierForm(prefix: string): Promise<SigningCredential[]> {
    return [...this.#rows.values()].filter((r) => r.pinHash.startsWith(prefix)).map((r) => ({ ...r }));
  }
  async reservePinAttempt(id: string, lockAfter: number, at: Date): Promise<SigningCredential | undefined> {
    const row = this.#rows.get(id);
    if (!row || row.lockedAt !== null || row.failedAttempts >= lockAfter) return undefined;
    const next = { ...row, failedAttempts: row.failedAttempts + 1, updatedAt: at };
    this.#rows.set(id, next);
    return { ...next };
  }
  async lockWhenExhausted(id: string, lockAfter: number, at: Date): Promise<boolean> {
    const row = this.#rows.get(id);
    if (!row || row.lockedAt !== null || row.failedAttempts < lockAfter) return false;
    this.#rows.set(id, { ...row, lockedAt: at, updatedAt: at });
    return true;
  }
  async resetPinFailures(id: string, at: Date): Promise<void> {
    const row = this.#rows.get(id);
    if (row && row.failedAttempts !== 0) this.#rows.set(id, { ...row, failedAttempts: 0, updatedAt: at });
  }
  async replacePinVerifier(id: string, expected: string, next: string, at: Date): Promise<boolean> {
    const row = this.#rows.get(id);
    if (!row || row.pinHash !== expected) return false;
    this.#rows.set(id, { ...row, pinHash: next, updatedAt: at });
    return true;
  }
  async setActivation(id: string, codeHash: string, expiresAt: Date, at: Date): Promise<void> {
    const row = this.#rows.get(id);
    if (row) this.#rows.set(id, { ...row, pinHash: '', activationCodeHash: codeHash, activationExpiresAt: expiresAt, updatedAt: at });
  }
  async transfer(id: string, fromOwnerId: string, toOwnerId: string, codeHash: string, expiresAt: Date, at: Date): Promise<boolean> {
    const row = this.#rows.get(id);
    if (!row || row.ownerId !== fromOwnerId) return false;
    this.#rows.set(id, {
      ...row,
      ownerId: toOwnerId,
      pinHash: '',
      activationCodeHash: codeHash,
      activationExpiresAt: expiresAt,
      updatedAt: at,
    });
    return true;
  }
  async activate(id: string, codeHash: string, pinHash: string, at: Date): Promise<boolean> {
    const row = this.#rows.get(id);
    if (!row || row.activationCodeHash !== codeHash || !row.activationExpiresAt || row.activationExpiresAt <= at) return false;
    this.#rows.set(id, {
      ...row,
      pinHash,
      activationCodeHash: null,
      activationExpiresAt: null,
      failedAttempts: 0,
      lockedAt: null,
      updatedAt: at,
    });
    return true;
  }
  async updateCertificates(id: string, certificates: readonly Buffer[], at: Date): Promise<void> {
    const row = this.#rows.get(id);
    if (row) this.#rows.set(id, { ...row, certificates: [...certificates], updatedAt: at });
  }
  async delete(id: string): Promise<void> {
    this.#rows.delete(id);
  }
}

export class MemorySigningAuthorizationRepository implements SigningAuthorizationRepository {
  readonly #rows = new Map<string, SigningAuthorization>();

  async create(a: SigningAuthorization): Promise<void> {
    if (this.#rows.has(a.id)) throw new TypeError(`duplicate authorization id ${a.id}`);
    this.#rows.set(a.id, { ...a });
  }
  async get(id: string): Promise<SigningAuthorization | undefined> {
    const row = this.#rows.get(id);
    return row ? { ...row } : undefined;
  }
  async take(id: string, count: number, at: Date): Promise<SigningAuthorization | undefined> {
    const row = this.#rows.get(id);
    if (!row || row.revokedAt !== null || row.expiresAt.getTime() <= at.getTime()) return undefined;
    if (row.usedDocuments + count > row.maxDocuments) return undefined;
    const next = { ...row, usedDocuments: row.usedDocuments + count };
    this.#rows.set(id, next);
    return { ...next };
  }
  async revoke(id: string, at: Date): Promise<void> {
    const row = this.#rows.get(id);
    if (row && row.revokedAt === null) this.#rows.set(id, { ...row, revokedAt: at });
  }
  async revokeAllOf(credentialId: string, at: Date): Promise<number> {
    let n = 0;
    for (const [id, row] of this.#rows)
      if (row.credentialId === credentialId && row.revokedAt === null) {
        this.#rows.set(id, { ...row, revokedAt: at });
        n++;
      }
    return n;
  }
}
