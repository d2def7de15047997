import type { KysoContext } from './context.js';

/**
 * First-start duties that must happen exactly once per installation. The admin token is created
 * only when no unrevoked admin token exists, and its value is returned to the caller to print
 * once: only its hash is stored, so it cannot be shown again (create another with
 * `kyso token create --role admin`).
 */
export async function ensureAdminToken(ctx: KysoContext): Promise<string | undefined> {
  if (await ctx.tokens.hasAdmin()) return undefined;
  const { token, record } = await ctx.tokens.create({ role: 'admin', label: 'initial admin (first start)' });
  await ctx.audit.append({
    actor: 'system',
    role: 'system',
    action: 'token.create',
    target: record.id,
    outcome: 'success',
    details: { role: 'admin', bootstrap: true },
  });
  return token;
}
