import { randomBytes } from 'node:crypto';
import { AppError } from '../../core/errors.js';
import type { Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import { checkPrincipalScope, type Principal } from '../../core/principal.js';
import { API_ROLES, hashApiToken, type ApiRole, type ApiTokenRecord, type ApiTokenRepository } from '../../store/ports/api-tokens.js';

/**
 * Opaque bearer API tokens (RFC 6750). A token is 256 random bits shown once at creation; only
 * its SHA-256 is stored, so a leaked database does not yield usable tokens. A fast hash is
 * enough because the secret is high-entropy (no dictionary to brute-force), unlike a password.
 */
export const ROLES = API_ROLES;
export type Role = ApiRole;
export type { ApiTokenRecord, ApiTokenRepository, Principal };

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

/** What a new token is bound to (see src/core/principal.ts for who needs which). */
export interface TokenScope {
  readonly organizationId?: string | null;
  readonly authorityId?: string | null;
  readonly officialId?: string | null;
}

/** VALIDATION_FAILED unless the scope fits the role (one rule for tokens and accounts: src/core/principal.ts). */
export function checkTokenScope(role: Role, s: TokenScope): void {
  checkPrincipalScope(role, s, 'token');
}

/** The principal a token record stands for. */
export function principalOfToken(r: ApiTokenRecord): Principal {
  return {
    id: `token:${r.id}`,
    role: r.role,
    ...(r.organizationId ? { organizationId: r.organizationId } : {}),
    ...(r.authorityId ? { authorityId: r.authorityId } : {}),
    ...(r.officialId ? { officialId: r.officialId } : {}),
    ...(r.accountId ? { personId: `account:${r.accountId}` } : {}),
  };
}

const TOKEN_RE = /^kyso_[A-Za-z0-9_-]{43}$/;
/** How fresh `lastUsedAt` is kept (one write per token and minute at most). */
const LAST_USED_RESOLUTION_MS = 60_000;

export const hashToken = hashApiToken;

/** The public view of a token record (never the hash). */
export function publicToken(r: ApiTokenRecord): Record<string, unknown> {
  return {
    id: r.id,
    role: r.role,
    organizationId: r.organizationId,
    authorityId: r.authorityId,
    officialId: r.officialId,
    label: r.label,
    accountId: r.accountId ?? null,
    createdAt: r.createdAt.toISOString(),
    revokedAt: r.revokedAt?.toISOString() ?? null,
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
  };
}

/** Where token creation is recorded (the audit log; structural, so the edge does not import the audit module). */
export interface TokenAuditSink {
  append(e: {
    actor: string;
    role: string;
    action: string;
    target: string;
    outcome: 'success';
    details: Record<string, unknown>;
  }): Promise<unknown>;
}

/**
 * The organization an official or a certifying authority belongs to: `undefined` when no such
 * record exists, `null` when it belongs to none.
 */
export interface TokenScopeRecords {
  organizationOfOfficial(id: string): Promise<string | null | undefined>;
  organizationOfAuthority(id: string): Promise<string | null | undefined>;
}

export class ApiTokenService {
  constructor(
    private readonly repo: ApiTokenRepository,
    private readonly clock: Clock,
    private readonly audit?: TokenAuditSink,
    private readonly records?: TokenScopeRecords,
  ) {}

  /**
   * A token's official and authority must belong to its organization: a "crossed" token (one
   * organization, another's official) would let the holder act as that official wherever only the
   * official is compared (credential ownership), so it is refused when it is made. Use-time
   * checks stay for tokens made before this rule.
   */
  async #checkConsistent(o: TokenScope): Promise<void> {
    if (!this.records || !o.organizationId) return;
    const official = o.officialId ? await this.records.organizationOfOfficial(o.officialId) : undefined;
    if (official !== undefined && official !== o.organizationId)
      throw new AppError('VALIDATION_FAILED', `official ${o.officialId} does not belong to organization ${o.organizationId}`, {
        details: { field: 'officialId' },
      });
    const authority = o.authorityId ? await this.records.organizationOfAuthority(o.authorityId) : undefined;
    if (authority && authority !== o.organizationId)
      throw new AppError('VALIDATION_FAILED', `authority ${o.authorityId} belongs to another organization than ${o.organizationId}`, {
        details: { field: 'authorityId' },
      });
  }

  /**
   * Creates a token; the returned `token` string is never retrievable again. With `by`, the
   * creation is audited with its scope (never the value).
   */
  async create(
    o: TokenScope & { role: Role; label?: string | null; accountId?: string | null },
    by?: Pick<Principal, 'id' | 'role'>,
  ): Promise<{ token: string; record: ApiTokenRecord }> {
    if (!isRole(o.role)) throw new AppError('VALIDATION_FAILED', `unknown role ${JSON.stringify(o.role)}`);
    checkTokenScope(o.role, o);
    await this.#checkConsistent(o);
    const token = `kyso_${randomBytes(32).toString('base64url')}`;
    const record = await this.repo.create({
      id: newId('tok'),
      tokenHash: hashToken(token),
      role: o.role,
      organizationId: o.organizationId || null,
      authorityId: o.authorityId || null,
      officialId: o.officialId || null,
      label: o.label ?? null,
      accountId: o.accountId ?? null,
      createdAt: this.clock.now(),
    });
    if (by)
      await this.audit?.append({
        actor: by.id,
        role: by.role,
        action: 'token.create',
        target: record.id,
        outcome: 'success',
        details: {
          role: record.role,
          organizationId: record.organizationId,
          authorityId: record.authorityId,
          officialId: record.officialId,
        },
      });
    return { token, record };
  }

  /** Resolves a presented bearer token; UNAUTHENTICATED when unknown, malformed or revoked. */
  async authenticate(token: string): Promise<Principal> {
    if (!TOKEN_RE.test(token)) throw new AppError('UNAUTHENTICATED', 'invalid bearer token');
    const r = await this.repo.findByHash(hashToken(token));
    if (!r || r.revokedAt) throw new AppError('UNAUTHENTICATED', 'invalid or revoked bearer token');
    // bookkeeping to the minute: a token used many times a minute costs one write a minute, not one a request
    const now = this.clock.now();
    if (!r.lastUsedAt || now.getTime() - r.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) void this.repo.touch(r.id, now);
    return principalOfToken(r);
  }

  list(): Promise<ApiTokenRecord[]> {
    return this.repo.list();
  }

  async revoke(id: string): Promise<void> {
    const r = await this.repo.get(id);
    if (!r) throw new AppError('NOT_FOUND', `no API token ${id}`);
    if (!(await this.repo.revoke(id, this.clock.now()))) throw new AppError('CONFLICT', `API token ${id} is already revoked`);
  }

  /** True when at least one unrevoked admin token exists (first-start bootstrap). */
  async hasAdmin(): Promise<boolean> {
    return (await this.repo.list()).some((r) => r.role === 'admin' && !r.revokedAt);
  }
}

/** Reference in-memory adapter (unit tests of the HTTP edge). */
export class MemoryApiTokenRepository implements ApiTokenRepository {
  readonly #rows = new Map<string, ApiTokenRecord>();
  async create(t: Parameters<ApiTokenRepository['create']>[0]): Promise<ApiTokenRecord> {
    if (this.#rows.has(t.id) || [...this.#rows.values()].some((x) => x.tokenHash === t.tokenHash))
      throw new AppError('STORE_CONSTRAINT', 'duplicate token');
    const r: ApiTokenRecord = {
      id: t.id,
      tokenHash: t.tokenHash,
      role: t.role,
      organizationId: t.organizationId ?? null,
      authorityId: t.authorityId ?? null,
      officialId: t.officialId ?? null,
      label: t.label ?? null,
      createdAt: t.createdAt,
      revokedAt: null,
      lastUsedAt: null,
      ...(t.accountId ? { accountId: t.accountId } : {}),
    };
    this.#rows.set(r.id, r);
    return r;
  }
  async findByHash(h: string): Promise<ApiTokenRecord | undefined> {
    return [...this.#rows.values()].find((r) => r.tokenHash === h);
  }
  async get(id: string): Promise<ApiTokenRecord | undefined> {
    return this.#rows.get(id);
  }
  async list(): Promise<ApiTokenRecord[]> {
    return [...this.#rows.values()].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }
  async revoke(id: string, at: Date): Promise<boolean> {
    const r = this.#rows.get(id);
    if (!r || r.revokedAt) return false;
    this.#rows.set(id, { ...r, revokedAt: at });
    return true;
  }
  async touch(id: string, at: Date): Promise<void> {
    const r = this.#rows.get(id);
    if (r) this.#rows.set(id, { ...r, lastUsedAt: at });
  }
}
