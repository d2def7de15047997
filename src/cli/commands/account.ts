import type { Command } from 'commander';
import { dataOption, withContext, type CliIo, type ExitState } from '../io.js';

/**
 * People's accounts at the server's console (docs/sign-in.md). A password is never a flag (it
 * would stay in the shell history and in `ps`): it is typed at a prompt without echo, or read
 * from standard input with `--password-stdin`.
 */
async function readPassword(fromStdin: boolean | undefined, prompt: string, io: CliIo): Promise<string> {
  const { AppError } = await import('../../core/errors.js');
  if (fromStdin) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(Buffer.from(c as Buffer));
    const text = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
    if (!text) throw new AppError('VALIDATION_FAILED', '--password-stdin: standard input was empty');
    return text;
  }
  if (!process.stdin.isTTY) throw new AppError('VALIDATION_FAILED', 'no terminal to type the password at: use --password-stdin');
  const ask = async (label: string): Promise<string> => {
    io.stderr(label);
    process.stdin.setRawMode(true);
    process.stdin.resume();
    let typed = '';
    try {
      for await (const chunk of process.stdin) {
        for (const ch of Buffer.from(chunk as Buffer).toString('utf8')) {
          if (ch === '\r' || ch === '\n') return typed;
          if (ch === '\u0003') throw new AppError('VALIDATION_FAILED', 'cancelled');
          if (ch === '\u007f') typed = [...typed].slice(0, -1).join('');
          else typed += ch;
        }
      }
      return typed;
    } finally {
      process.stdin.setRawMode(false);
      process.stdin.pause();
      io.stderr('\n');
    }
  };
  const first = await ask(prompt);
  const again = await ask('Again: ');
  if (first !== again) throw new AppError('VALIDATION_FAILED', 'the two passwords differ');
  return first;
}

export function registerAccountCommands(program: Command, io: CliIo, _state: ExitState): void {
  const account = program.command('account').description("people's accounts for signing in to the web pages");
  dataOption(account.command('create'))
    .description('create a local account (the password is typed at a prompt or read with --password-stdin)')
    .requiredOption('--username <name>', 'what the person types to sign in (a-z 0-9 . _ @ -)')
    .requiredOption('--role <role>', 'admin, ra-officer, signer, certifier or auditor')
    .option('--name <text>', 'display name (default: the username)')
    .option('--org <id>', 'the organization the person works for (every role but admin)')
    .option('--authority <id>', 'certifier: its certifying authority')
    .option('--official <id>', 'certifier or signer: the official whose signing credentials the person uses')
    .option('--password-stdin', 'read the password from standard input')
    .option('--json', 'print JSON')
    .action(
      async (f: {
        data?: string;
        username: string;
        role: string;
        name?: string;
        org?: string;
        authority?: string;
        official?: string;
        passwordStdin?: boolean;
        json?: boolean;
      }) => {
        const { isApiRole, checkPrincipalScope, API_ROLES } = await import('../../core/principal.js');
        const { AppError } = await import('../../core/errors.js');
        const { checkPasswordPolicy } = await import('../../accounts/password-hash.js');
        const { publicAccount } = await import('../../accounts/account-service.js');
        const role = f.role;
        if (!isApiRole(role)) throw new AppError('VALIDATION_FAILED', `--role must be one of ${API_ROLES.join(', ')}`);
        const scope = { organizationId: f.org ?? null, authorityId: f.authority ?? null, officialId: f.official ?? null };
        checkPrincipalScope(role, scope, 'account');
        const password = await readPassword(f.passwordStdin, `Password for ${f.username}: `, io);
        const why = checkPasswordPolicy(password);
        if (why) throw new AppError('VALIDATION_FAILED', `password: ${why}`);
        await withContext(io, f, async (ctx) => {
          const a = await ctx.accounts.create(
            { username: f.username, displayName: f.name ?? f.username, role, ...scope, password },
            { id: 'cli', role: 'admin' },
          );
          io.stdout(f.json ? JSON.stringify(publicAccount(a)) + '\n' : `created ${a.id} (${a.username})\n`);
        });
      },
    );
  dataOption(account.command('list'))
    .description('list accounts (never a password hash or TOTP secret)')
    .action(async (f: { data?: string }) => {
      const { publicAccount } = await import('../../accounts/account-service.js');
      await withContext(io, f, async (ctx) => {
        io.stdout(JSON.stringify((await ctx.accounts.list()).map(publicAccount), null, 2) + '\n');
      });
    });
  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const)
    dataOption(account.command(name))
      .description(disabled ? 'disable an account (its sessions end at once)' : 'enable a disabled account')
      .argument('<user>', 'username or account id')
      .action(async (user: string, f: { data?: string }) => {
        await withContext(io, f, async (ctx) => {
          const a = await ctx.accounts.find(user);
          await ctx.accounts.setDisabled(a.id, disabled, { id: 'cli', role: 'admin' });
          io.stdout(`${disabled ? 'disabled' : 'enabled'} ${a.username}\n`);
        });
      });
  dataOption(account.command('password'))
    .description("set a new password for a local account (the person forgot theirs); ends the account's sessions")
    .argument('<user>', 'username or account id')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (user: string, f: { data?: string; passwordStdin?: boolean }) => {
      const password = await readPassword(f.passwordStdin, `New password for ${user}: `, io);
      await withContext(io, f, async (ctx) => {
        const a = await ctx.accounts.find(user);
        await ctx.accounts.resetPassword(a.id, password, { id: 'cli', role: 'admin' });
        io.stdout(`password reset for ${a.username}\n`);
      });
    });
  const totp = account.command('totp').description('second factor: time-based one-time codes (RFC 6238)');
  dataOption(totp.command('enable'))
    .description('turn TOTP on with a new secret; prints the otpauth:// URI once (for the authenticator app)')
    .argument('<user>', 'username or account id')
    .action(async (user: string, f: { data?: string }) => {
      await withContext(io, f, async (ctx) => {
        const a = await ctx.accounts.find(user);
        const { uri } = await ctx.accounts.enableTotp(a.id, { id: 'cli', role: 'admin' });
        io.stdout(`${uri}\n`);
      });
    });
  dataOption(totp.command('disable'))
    .description('turn TOTP off')
    .argument('<user>', 'username or account id')
    .action(async (user: string, f: { data?: string }) => {
      await withContext(io, f, async (ctx) => {
        const a = await ctx.accounts.find(user);
        await ctx.accounts.disableTotp(a.id, { id: 'cli', role: 'admin' });
        io.stdout(`TOTP off for ${a.username}\n`);
      });
    });
}
