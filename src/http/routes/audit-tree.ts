import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.js';
import type { AuditCheckpoints } from '../../audit/checkpoints.js';
import { checkpointView } from '../../audit/checkpoints.js';
import type { AuditProofs } from '../../audit/proofs.js';
import { defineRoute, sendCreated, sendJson, type RouteSpec } from '../route.js';

export interface AuditTreePort {
  readonly proofs: AuditProofs;
  readonly checkpoints: AuditCheckpoints;
}

const Size = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * The audit log as a Merkle tree (RFC 9162): signed checkpoints are public, so anyone can keep one
 * and later demand proof that the log only grew; proofs reveal only hashes but are for auditors.
 */
export function auditTreeRoutes(port: AuditTreePort, audit: Pick<AuditLog, 'append'>): RouteSpec[] {
  const withKeys = async (v: Record<string, unknown>) => ({ ...v, keys: await port.checkpoints.publicKeys() });
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/audit/checkpoints',
      operationId: 'listAuditCheckpoints',
      summary: 'Signed audit checkpoints (tree size, root hash, time; compact JWS and RFC 3161 token), newest first, with the public keys.',
      tag: 'audit',
      auth: 'public',
      rateLimited: true,
      query: z.object({ limit: z.coerce.number().int().min(1).max(1000).optional(), beforeSize: Size.optional() }),
      responses: { 200: { description: 'Checkpoints and the JWK Set that verifies them' } },
      async handle({ res, query }) {
        const items = await port.checkpoints.list({
          limit: query.limit ?? 100,
          ...(query.beforeSize !== undefined ? { beforeSize: query.beforeSize } : {}),
        });
        sendJson(res, 200, await withKeys({ items: items.map(checkpointView) }));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/audit/checkpoints/latest',
      operationId: 'latestAuditCheckpoint',
      summary:
        'The latest signed audit checkpoint with the public keys (keep it: `kyso audit verify --checkpoint` checks a later export against it).',
      tag: 'audit',
      auth: 'public',
      rateLimited: true,
      responses: { 200: { description: 'Checkpoint' }, 404: { description: 'AUDIT_CHECKPOINT_NOT_FOUND' } },
      async handle({ res }) {
        sendJson(res, 200, await withKeys(checkpointView(await port.checkpoints.latestOrFail())));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/audit/checkpoints',
      operationId: 'createAuditCheckpoint',
      summary: 'Sign a checkpoint of the audit log now (admin; audited).',
      tag: 'audit',
      auth: ['admin'],
      responses: { 201: { description: 'The new checkpoint' } },
      async handle({ res, principal }) {
        const c = await port.checkpoints.create();
        await audit.append({
          actor: principal!.id,
          role: principal!.role,
          action: 'audit.checkpoint',
          target: c.id,
          outcome: 'success',
          details: { treeSize: c.treeSize, rootHash: c.rootHash },
        });
        sendCreated(res, `/api/v1/audit/checkpoints/latest`, checkpointView(c));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/audit/keys',
      operationId: 'auditKeys',
      summary: 'JWK Set (RFC 7517 §5) of the keys that sign audit checkpoints.',
      tag: 'audit',
      auth: 'public',
      responses: { 200: { description: 'JWK Set' } },
      async handle({ res }) {
        sendJson(res, 200, { keys: await port.checkpoints.publicKeys() });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/audit/proofs/inclusion',
      operationId: 'auditInclusionProof',
      summary: 'RFC 9162 §2.1.3 inclusion proof of event `seq` in the tree of `treeSize` events (default: the whole log).',
      tag: 'audit',
      auth: ['auditor', 'admin'],
      query: z.object({ seq: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER), treeSize: Size.optional() }),
      responses: { 200: { description: 'Inclusion proof' }, 400: { description: 'AUDIT_TREE_SIZE_INVALID' } },
      async handle({ res, query }) {
        sendJson(res, 200, await port.proofs.inclusion(query.seq, query.treeSize));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/audit/proofs/consistency',
      operationId: 'auditConsistencyProof',
      summary: 'RFC 9162 §2.1.4 consistency proof between tree sizes `from` and `to` (default: the whole log).',
      tag: 'audit',
      auth: ['auditor', 'admin'],
      query: z.object({ from: Size, to: Size.optional() }),
      responses: { 200: { description: 'Consistency proof' }, 400: { description: 'AUDIT_TREE_SIZE_INVALID' } },
      async handle({ res, query }) {
        sendJson(res, 200, await port.proofs.consistency(query.from, query.to));
      },
    }),
  ];
}
