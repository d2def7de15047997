import type { Command } from 'commander';
import { AppError } from '../../core/errors.js';
import { ROLES, isRole, publicToken } from '../../http/auth/api-tokens.js';
import { dataOption, withContext, type CliIo, type ExitState } from '../io.js';

export function registerTokenCommands(program: Command, io: CliIo, _state: ExitState): void {
  const token = program.command('token').description('API tokens (bearer tokens for the HTTP API)');
  dataOption(token.command('create'))
    .description('create a token; its value is printed once')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--org <id>', 'scope: organization / subscriber / authority id')
    .option('--label <text>', 'free text to recognise the token')
    .option('--json', 'print JSON')
    .action(async (f: { data?: string; role: string; org?: string; label?: string; json?: boolean }) => {
      const role = f.role;
      if (!isRole(role)) throw new AppError('VALIDATION_FAILED', `--role must be one of ${ROLES.join(', ')}`);
      await withContext(io, f, async (ctx) => {
        const { token: value, record } = await ctx.tokens.create({ role, organizationId: f.org ?? null, label: f.label ?? null });
        await ctx.audit.append({
          actor: 'cli',
          role: 'admin',
          action: 'token.create',
          target: record.id,
          outcome: 'success',
          details: { role: record.role },
        });
        io.stdout(f.json ? JSON.stringify({ ...publicToken(record), token: value }) + '\n' : `${value}\n`);
      });
    });
  dataOption(token.command('list'))
    .description('list tokens (never their values)')
    .action(async (f: { data?: string }) => {
      await withContext(io, f, async (ctx) => {
        io.stdout(JSON.stringify((await ctx.tokens.list()).map(publicToken), null, 2) + '\n');
      });
    });
  dataOption(token.command('revoke'))
    .description('revoke a token by id')
    .argument('<id>', 'token id (tok_…)')
    .action(async (id: string, f: { data?: string }) => {
      await withContext(io, f, async (ctx) => {
        await ctx.tokens.revoke(id);
        await ctx.audit.append({ actor: 'cli', role: 'admin', action: 'token.revoke', target: id, outcome: 'success' });
        io.stdout(`revoked ${id}\n`);
      });
    });
}
