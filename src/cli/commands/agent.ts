import type { Command } from 'commander';
import { collect, type CliIo, type ExitState } from '../io.js';

/**
 * Well-known PKCS#11 module paths tried when no --module is given (those that exist are used):
 * OpenSC (most Vietnamese CA tokens' cards also work through it) and SoftHSM2, Debian/Ubuntu
 * paths. Vendor modules (e.g. the CA's own token driver) are given with --module.
 */
export const DEFAULT_PKCS11_MODULES = [
  '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so',
  '/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so',
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
] as const;

interface AgentFlags {
  module?: string[];
  port?: string;
  allowOrigin?: string[];
  originsFile?: string;
  confirmWith?: string;
  autoApproveOrigin?: string[];
}

/** `kyso agent`: the local signing agent for USB tokens (docs/workstation.md). */
export function registerAgentCommands(program: Command, io: CliIo, _state: ExitState): void {
  program
    .command('agent')
    .description('local signing agent for USB tokens (PKCS#11) used by the /workstation page; listens on 127.0.0.1 only')
    .option('--module <path>', 'PKCS#11 module (repeatable; env KYSO_PKCS11_MODULE; default: OpenSC/SoftHSM2 if installed)', collect)
    .option('--port <n>', 'port on 127.0.0.1 (default: first free of 17650, 17651, 17652)')
    .option('--allow-origin <origin>', 'web origin paired from the start, e.g. https://kyso.example.gov.vn (repeatable)', collect)
    .option('--origins-file <file>', 'keep paired origins in this JSON file across runs (default: for this run only)')
    .option(
      '--confirm-with <file>',
      'read confirmations and PINs line by line from FILE (a FIFO) instead of the terminal; only lines written after a question answer it',
    )
    .option(
      '--auto-approve-origin <origin>',
      'FOR AUTOMATED TESTS ONLY: pair with and sign for this origin without asking (the PIN is still required)',
      collect,
    )
    .action(async (f: AgentFlags) => {
      const { existsSync, createReadStream } = await import('node:fs');
      const { AppError } = await import('../../core/errors.js');
      const { AgentServer, DEFAULT_AGENT_PORTS } = await import('../../agent/agent-server.js');
      const { OriginPolicy, normalOrigin } = await import('../../agent/origins.js');
      const { TokenAccess } = await import('../../agent/token-access.js');
      const { linePrompter } = await import('../../agent/prompter.js');

      const fromEnv = io.env.KYSO_PKCS11_MODULE ? io.env.KYSO_PKCS11_MODULE.split(':').filter(Boolean) : [];
      const modules = f.module?.length ? f.module : fromEnv.length ? fromEnv : DEFAULT_PKCS11_MODULES.filter((m) => existsSync(m));
      for (const m of modules) if (!existsSync(m)) throw new AppError('CONFIG_INVALID', `no PKCS#11 module at ${m}`);
      if (modules.length === 0) throw new AppError('CONFIG_INVALID', 'no PKCS#11 module found: give one with --module PATH');
      const origins = (list: string[] | undefined, flag: string): string[] =>
        (list ?? []).map((o) => {
          const n = normalOrigin(o);
          if (!n) throw new AppError('VALIDATION_FAILED', `${flag} must be an http(s) origin, not ${o}`);
          return n;
        });
      const allowed = origins(f.allowOrigin, '--allow-origin');
      const autoApprove = origins(f.autoApproveOrigin, '--auto-approve-origin');
      let ports: number[] = [...DEFAULT_AGENT_PORTS];
      if (f.port !== undefined) {
        const p = Number(f.port);
        if (!Number.isInteger(p) || p < 0 || p > 65535) throw new AppError('VALIDATION_FAILED', '--port must be 0–65535');
        ports = [p];
      }
      const input = f.confirmWith ? createReadStream(f.confirmWith) : process.stdin;
      const prompter = linePrompter(input, process.stdout);
      // One write per entry (a pipe write is a system call; a batch call logs a line per document).
      const log = (lines: string): void => io.stdout(lines.replace(/^/gm, 'kyso agent: ') + '\n');
      const tokens = new TokenAccess(modules);
      const server = new AgentServer({
        policy: new OriginPolicy({ allowed, file: f.originsFile }),
        tokens,
        prompter,
        autoApprove,
        log,
      });
      const port = await server.listen(ports);
      log(`listening on http://127.0.0.1:${port}`);
      log(`PKCS#11 modules: ${modules.join(', ')}`);
      if (autoApprove.length) log(`TEST MODE: approving ${autoApprove.join(', ')} without asking`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          prompter.close();
          void server
            .close()
            .then(() => tokens.close())
            .then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
