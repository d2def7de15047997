import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { checkpointView } from '../audit/checkpoints.js';
import { exportAuditLines } from '../audit/export-file.js';
import { parseEarlierCheckpoint, verifyAuditFile, type AuditFileReport } from '../audit/verify-file.js';
import { AppError } from '../core/errors.js';
import { createAudit } from './audit.js';
import type { KysoContext } from './context.js';
import { createPki } from './pki.js';
import { createTsa } from './tsa.js';

/** What `kyso audit …` does, over the context (the command files only parse and print). */
export async function writeAuditExport(ctx: KysoContext, out: string): Promise<{ events: number; checkpoints: number }> {
  const a = createAudit(ctx);
  let fd: number;
  try {
    fd = openSync(out, 'w', 0o600);
  } catch {
    throw new AppError('BAD_REQUEST', `cannot write ${out}`);
  }
  let events = 0;
  let checkpoints = 0;
  try {
    let buf: string[] = [];
    for await (const line of exportAuditLines({
      log: ctx.audit,
      tree: ctx.store.auditTree,
      checkpoints: a.checkpoints,
      origin: ctx.config.publicUrl,
      now: ctx.clock.now(),
    })) {
      if (line.startsWith('{"type":"event"')) events++;
      else if (line.startsWith('{"type":"checkpoint"')) checkpoints++;
      buf.push(line);
      if (buf.length >= 1000) {
        writeSync(fd, buf.join('\n') + '\n');
        buf = [];
      }
    }
    if (buf.length) writeSync(fd, buf.join('\n') + '\n');
  } finally {
    closeSync(fd);
  }
  return { events, checkpoints };
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new AppError('NOT_FOUND', `${what} ${path} cannot be read`);
  }
}

export async function verifyExportFile(file: string, checkpointFile?: string): Promise<AuditFileReport> {
  const text = readText(file, 'audit export');
  const earlier = checkpointFile ? parseEarlierCheckpoint(readText(checkpointFile, 'checkpoint file')) : undefined;
  return verifyAuditFile(text, earlier ? { earlier } : {});
}

/** The error `kyso audit verify` exits with (65 both), naming the first event that does not match. */
export function failureOf(r: AuditFileReport): AppError | undefined {
  if (r.ok || !r.problem) return undefined;
  const p = r.problem;
  const at = p.firstBadSeq !== undefined ? `first bad event ${p.firstBadSeq}: ` : '';
  const code = p.kind === 'checkpoint' || p.kind === 'inconsistent' ? 'AUDIT_CHECKPOINT_INVALID' : 'AUDIT_CHAIN_BROKEN';
  return new AppError(code, `${at}${p.message}`, { details: { ...p } });
}

export async function proveEvent(ctx: KysoContext, seqText: string): Promise<Record<string, unknown>> {
  const seq = Number(seqText);
  if (!/^[1-9][0-9]*$/.test(seqText) || !Number.isSafeInteger(seq))
    throw new AppError('VALIDATION_FAILED', '--event must be a positive integer');
  const a = createAudit(ctx);
  const cp = await a.checkpoints.latestOrFail();
  if (seq > cp.treeSize)
    throw new AppError(
      'AUDIT_TREE_SIZE_INVALID',
      `event ${seq} is newer than the latest checkpoint (${cp.treeSize} events); sign one with "kyso audit checkpoint"`,
    );
  const proof = await a.proofs.inclusion(seq, cp.treeSize);
  if (proof.rootHash !== cp.rootHash)
    throw new AppError('AUDIT_CHAIN_BROKEN', 'the stored Merkle tree does not match the latest checkpoint');
  return { ...proof, checkpoint: checkpointView(cp), keys: await a.checkpoints.publicKeys() };
}

export async function checkpointNow(ctx: KysoContext): Promise<Record<string, unknown>> {
  const pki = createPki(ctx);
  const hasTsa = (await pki.cas.list()).some((c) => c.record.id === 'tsa');
  const a = createAudit(ctx, hasTsa ? { tsa: (await createTsa(ctx, pki)).client } : {});
  const c = await a.checkpoints.create();
  await ctx.audit.append({
    actor: 'cli',
    role: 'admin',
    action: 'audit.checkpoint',
    target: c.id,
    outcome: 'success',
    details: { treeSize: c.treeSize, rootHash: c.rootHash },
  });
  return { ...checkpointView(c), keys: await a.checkpoints.publicKeys() };
}
