import type { KysoContext } from './context.js';
import { ensureAdminToken } from './bootstrap.js';
import { createPki, type PkiWiring } from './pki.js';
import { persistPublicUrl } from '../config/public-url.js';
import { recordedBaseUrl } from '../pki/config.js';
import { AppError } from '../core/errors.js';
import { createAudit } from './audit.js';

export interface InitResult {
  readonly cas: readonly { id: string; kind: string; subject: string; created: boolean }[];
  /** Present only on the run that created it. */
  readonly adminToken: string | undefined;
}

/**
 * First-start duties, idempotent: the CA hierarchy (root, issuing CAs, OCSP responders, TSA),
 * recovery of interrupted issuance, the admin token, and the record of the public URL used.
 */
export async function initialise(ctx: KysoContext, pki: PkiWiring = createPki(ctx)): Promise<InitResult> {
  // an instance with no configured or recorded URL must not put its own port into certificates
  // beside a hierarchy that carries another URL (several instances, one database)
  const recorded = recordedBaseUrl(await pki.store.cas.list());
  if (ctx.config.publicUrlSource === 'default' && recorded !== undefined && recorded !== ctx.config.publicUrl)
    throw new AppError(
      'CONFIG_INVALID',
      `this installation's certificates carry the public URL ${recorded}; set KYSO_PUBLIC_URL=${recorded} (or the new URL) for this instance`,
      { details: { option: 'publicUrl', recorded } },
    );
  const r = await pki.bootstrap();
  const created = new Set(r.created);
  const adminToken = await ensureAdminToken(ctx);
  // the audit checkpoint key: created once, its public half published at /api/v1/audit/keys
  const auditKey = await createAudit(ctx).checkpoints.ensureKey();
  if (auditKey.created)
    await ctx.audit.append({
      actor: 'system',
      role: 'system',
      action: 'audit.key.create',
      target: auditKey.key.kid,
      outcome: 'success',
      details: { keyUri: auditKey.key.keyUri },
    });
  // the URL just written into the CA certificates: later starts without a configured one keep it
  persistPublicUrl(ctx.config.dataDir, ctx.config.publicUrl, ctx.clock.now());
  return { cas: r.cas.map((c) => ({ id: c.id, kind: c.kind, subject: c.subjectDn, created: created.has(c.id) })), adminToken };
}
