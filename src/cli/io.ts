import type { Command } from 'commander';
import { loadConfig, type KysoConfig } from '../config/load-config.js';
import type { KysoContext } from '../app/context.js';

/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

export const processIo: CliIo = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  env: process.env,
  cwd: process.cwd(),
};

/** Shared `--data DIR` option (the local data directory; KYSO_DATA env, default ./data). */
export function dataOption(cmd: Command): Command {
  return cmd.option('--data <dir>', 'data directory (env KYSO_DATA, default ./data)');
}

export function configFor(io: CliIo, flags: { data?: string; port?: string | number; publicUrl?: string }): KysoConfig {
  return loadConfig({ env: io.env, cwd: io.cwd, overrides: { dataDir: flags.data, port: flags.port, publicUrl: flags.publicUrl } });
}

/**
 * Runs `fn` on the data directory's context (store, key store, config) and closes it after. The
 * wiring is imported here, not at the top: `kyso --help` and commands that never open the data
 * directory do not pay for the database, PDF and crypto layers.
 */
export async function withContext<T>(io: CliIo, flags: { data?: string }, fn: (ctx: KysoContext) => Promise<T>): Promise<T> {
  const { openContext } = await import('../app/context.js');
  const ctx = await openContext(configFor(io, flags));
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

/** Commander collector for repeatable options (`--uid A --uid B`). */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** Sets the exit code a command wants (commander actions return nothing). */
export class ExitState {
  code = 0;
}
