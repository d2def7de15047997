import type { Request, Response } from 'express';
import type { BodyDigest } from './request-digest.js';

/**
 * Where a request's idempotency handling meets the body readers. The route layer opens a gate
 * for a request that carries an `Idempotency-Key` on a route that accepts one; whoever reads the
 * body (the route layer for JSON, `readMultipart` / `readRawBody` for uploads) passes its digest
 * to `bodyRead`, which claims the key before the handler does any work. When the key was used
 * before, the gate has already answered (replay or refusal) and `bodyRead` throws `ReplySent`,
 * which the route layer swallows.
 */
export interface IdempotencyGate {
  /** Claims the key for this request or answers from the key's record; resolves when the handler may proceed. */
  claim(body: BodyDigest): Promise<void>;
}

const gates = new WeakMap<Request, IdempotencyGate>();

export function attachGate(req: Request, gate: IdempotencyGate): void {
  gates.set(req, gate);
}

/** Whether this request carries an Idempotency-Key: only then does a body reader need the body's digest. */
export function hasGate(req: Request): boolean {
  return gates.has(req);
}

/** Called by every body reader once the whole body is in; a no-op for requests without a key. */
export async function bodyRead(req: Request, body: BodyDigest): Promise<void> {
  const gate = gates.get(req);
  if (gate) await gate.claim(body);
}

/** The answer was already sent from the key's record: the handler must stop, nothing is wrong. */
export class ReplySent extends Error {
  constructor() {
    super('answered from the idempotency record');
    this.name = 'ReplySent';
  }
}

export function isReplySent(err: unknown): err is ReplySent {
  return err instanceof ReplySent;
}

export interface CreatedResource {
  readonly id: string;
  readonly location?: string;
}

const WITHHELD = Symbol('kyso.idempotency.withheld');

/**
 * A handler whose answer carries a secret (a new API token, a server-generated PKCS#12 and its
 * password, an activation code) calls this before sending: the answer is then never stored, and
 * a retry with the same key gets IDEMPOTENCY_SECRET_NOT_REPLAYED naming what was created.
 */
export function withholdFromReplay(res: Response, created: CreatedResource): void {
  (res.locals as Record<symbol, unknown>)[WITHHELD] = created;
}

export function withheldResource(res: Response): CreatedResource | undefined {
  return (res.locals as Record<symbol, unknown>)[WITHHELD] as CreatedResource | undefined;
}
