import { AppError } from './errors.js';
import { personOf, type Principal } from './principal.js';

/**
 * Dual control ("four eyes"): a sensitive change is first requested, then carried out only when
 * a second person approves it. Used for binding a server-held key to its holder, for PIN resets
 * and for revoking or suspending CA certificates over HTTP. One request record for all of them;
 * each domain decides who may request and approve and what approval does.
 *
 * Secrets (PINs, activation codes) are never part of a request.
 */
export type ApprovalKind = 'credential.bind' | 'credential.pin-reset' | 'ca.revoke';

/** pending → approved (carried out) | rejected; approved → failed when carrying it out failed. */
export type ApprovalState = 'pending' | 'approved' | 'rejected' | 'failed';

export interface ApprovalRequest {
  /** Opaque id (`apr_…`). */
  readonly id: string;
  readonly kind: ApprovalKind;
  /** What the request is about: a certificate id (bind), a credential id (PIN reset), a CA id (revoke). */
  readonly target: string;
  /** Kind-specific plain values (holder id, label, revocation reason). */
  readonly params: Readonly<Record<string, string>>;
  readonly state: ApprovalState;
  readonly requestedBy: string;
  readonly requestedAt: Date;
  readonly decidedBy: string | null;
  readonly decidedAt: Date | null;
  /** Rejection note, or the error code when carrying out failed. */
  readonly note: string | null;
}

export interface ApprovalRequestRepository {
  /** STORE_CONSTRAINT when a request of the same kind for the same target is already pending. */
  create(request: ApprovalRequest): Promise<void>;
  get(id: string): Promise<ApprovalRequest | undefined>;
  /** Compare-and-set on state: false when the request is not in `expected` (someone decided first). */
  transition(
    id: string,
    expected: ApprovalState,
    change: { state: ApprovalState; by?: string; at?: Date; note?: string | null },
  ): Promise<boolean>;
  /** Newest first, at most `limit` (default 100). */
  list(filter: { kind?: ApprovalKind; state?: ApprovalState; limit?: number }): Promise<ApprovalRequest[]>;
}

/**
 * The approver must be another person than the requester, whatever their role. `requestedBy`
 * records the person (personOf); the approver's own principal id is compared too, so a request
 * recorded under a token before that token was linked to its person is still refused to it.
 */
export function isSamePerson(requestedBy: string, approver: Pick<Principal, 'id' | 'personId'>): boolean {
  return requestedBy === approver.id || requestedBy === personOf(approver);
}

export function assertSecondPerson(request: Pick<ApprovalRequest, 'requestedBy'>, approver: Pick<Principal, 'id' | 'personId'>): void {
  if (isSamePerson(request.requestedBy, approver)) {
    throw new AppError('APPROVER_NOT_ALLOWED', 'a request is approved by a second person, never by the requester');
  }
}
