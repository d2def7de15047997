import type { Command } from 'commander';
import { AppError } from '../../core/errors.js';
import { ROLES, checkTokenScope, isRole, publicToken } from '../../http/auth/api-tokens.js';
import { dataOption, withContext, type CliIo, type ExitState } from '../io.js';

export function registerTokenCommands(program: Command, io: CliIo, _state: ExitState): void {
  const token = program.command('token').description('API tokens (bearer tokens for the HTTP API)');
  dataOption(token.command('create'))
    .description('create a token; its value is printed once')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--org <id>', 'the organization the token works for (required for every role but admin)')
    .option('--authority <id>', 'certifier: its certifying authority (required)')
    .option('--official <id>', 'certifier (required) or signer: the official whose signing credentials it uses')
    .option('--label <text>', 'free text to recognise the token')
    .option('--account <user>', 'the person (account username or id) the token is handed to: dual control then treats both as one person')
    .option('--json', 'print JSON')
    .action(
      async (f: {
        data?: string;
        role: string;
        org?: string;
        authority?: string;
        official?: string;
        label?: string;
        account?: string;
        json?: boolean;
      }) => {
        const role = f.role;
        if (!isRole(role)) throw new AppError('VALIDATION_FAILED', `--role must be one of ${ROLES.join(', ')}`);
        const scope = { organizationId: f.org ?? null, authorityId: f.authority ?? null, officialId: f.official ?? null };
        // Refused before the data directory is opened: a usage error, nothing created.
        checkTokenScope(role, scope);
        await withContext(io, f, async (ctx) => {
          // The server's operator: province-wide, audited as the CLI.
          const accountId = f.account ? (await ctx.accounts.find(f.account)).id : null;
          const { token: value, record } = await ctx.tokens.create(
            { role, ...scope, label: f.label ?? null, accountId },
            { id: 'cli', role: 'admin' },
          );
          io.stdout(f.json ? JSON.stringify({ ...publicToken(record), token: value }) + '\n' : `${value}\n`);
        });
      },
    );
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
