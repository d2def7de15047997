import { Command, CommanderError } from 'commander';
import { isAppError } from '../core/errors.js';
import { maskUrlCredentials } from '../core/url-credentials.js';
import { EXIT, exitCodeOf } from './exit-codes.js';
import { processIo, ExitState, type CliIo } from './io.js';
import { registerSystemCommands } from './commands/system.js';
import { registerTokenCommands } from './commands/token.js';
import { registerSignCommands } from './commands/sign.js';
import { registerPkiCommands } from './commands/pki.js';
import { registerVerifyCommands } from './commands/verify.js';
import { registerTimestampCommands } from './commands/timestamp.js';
import { registerExtendCommands } from './commands/extend.js';
import { registerCopyCommands } from './commands/copy.js';
import { registerRegisterCommands } from './commands/register.js';
import { registerBackupCommands } from './commands/backup.js';
import { registerAccountCommands } from './commands/account.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerAgentCommands } from './commands/agent.js';

/**
 * The `kyso` command (bin/kyso.js calls this). Thin: parse flags → open the context → call one
 * service → print. AppErrors become `kyso: CODE: message` on stderr and the exit code of
 * src/cli/exit-codes.ts — never a stack trace.
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const state = new ExitState();
  const program = new Command('kyso')
    .description('Provincial CA, PAdES signing, verification and certified copies')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  program.version((await import('../app/version.js')).VERSION, '-V, --version');

  registerSystemCommands(program, io, state);
  registerTokenCommands(program, io, state);
  registerSignCommands(program, io, state);
  registerPkiCommands(program, io, state);
  registerVerifyCommands(program, io, state);
  registerTimestampCommands(program, io, state);
  registerExtendCommands(program, io, state);
  registerCopyCommands(program, io, state);
  registerRegisterCommands(program, io, state);
  registerBackupCommands(program, io, state);
  registerAccountCommands(program, io, state);
  registerAuditCommands(program, io, state);
  registerAgentCommands(program, io, state);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return state.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.OK;
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (isAppError(err)) {
      io.stderr(`kyso: ${err.code}: ${maskUrlCredentials(err.message)}\n`);
      return exitCodeOf(err.code);
    }
    io.stderr(`kyso: internal error: ${maskUrlCredentials(err instanceof Error ? err.message : String(err))}\n`);
    return EXIT.SOFTWARE;
  }
}
