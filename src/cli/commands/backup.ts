import type { Command } from 'commander';
import { configFor, dataOption, withContext, type CliIo, type ExitState } from '../io.js';
import { EXIT } from '../exit-codes.js';

/**
 * `kyso backup` and `kyso restore` (docs/operations.md). Only commander and the CLI helpers are
 * loaded here; the backup code (better-sqlite3, pg, child processes) loads inside the actions.
 */
export function registerBackupCommands(program: Command, io: CliIo, state: ExitState): void {
  dataOption(program.command('backup'))
    .description(
      'online, consistent backup of the database, sealed keys, kept signed copies and public URL into one archive (never the master key)',
    )
    .requiredOption('--out <file>', 'archive to write (mode 0600; written under a temporary name, then renamed)')
    .option('--json', 'print the summary as JSON')
    .action(async (f: { data?: string; out: string; json?: boolean }) => {
      const { backupInstallation } = await import('../../app/backup.js');
      const { resolve } = await import('node:path');
      const r = await withContext(io, f, (ctx) => backupInstallation(ctx, resolve(io.cwd, f.out)));
      if (f.json) return io.stdout(JSON.stringify(r, null, 2) + '\n');
      io.stdout(
        `backup written: ${r.file}\n  sha256 ${r.sha256}\n  ${r.size} bytes, ${r.databaseKind} database, ${r.sealedKeys} sealed keys, ${r.copies} signed copies\n`,
      );
      if (r.note) {
        io.stdout(`  ${r.note}:\n`);
        for (const k of r.tokenKeys) io.stdout(`    ${k.caId.padEnd(20)} ${k.keyUri}\n`);
      }
    });

  dataOption(program.command('restore'))
    .description('restore a backup archive into an empty data directory and database (master key from KYSO_MASTER_KEY)')
    .argument('<file>', 'archive written by kyso backup')
    .option('--force', 'replace what the target data directory, database and copy folder hold')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, f: { data?: string; force?: boolean; json?: boolean }) => {
      const { restoreInstallation } = await import('../../app/backup.js');
      const { resolve } = await import('node:path');
      const config = configFor(io, f);
      const r = await restoreInstallation(config, resolve(io.cwd, file), { force: f.force === true });
      if (!r.audit.ok) state.code = EXIT.DATA;
      if (f.json) return io.stdout(JSON.stringify(r, null, 2) + '\n');
      io.stdout(
        `restored ${r.file} (kyso ${r.kysoVersion}, ${r.databaseKind}, made ${r.createdAt}) into ${config.dataDir}\n` +
          `  ${r.sealedKeys} sealed keys opened with KYSO_MASTER_KEY, ${r.copies} signed copies\n` +
          `  audit log: ${r.audit.ok ? `verified, ${r.audit.count} events` : `DOES NOT VERIFY at event ${r.audit.firstBadSeq}: ${r.audit.message}`}\n`,
      );
      if (r.note) {
        io.stdout(`  ${r.note}:\n`);
        for (const k of r.tokenKeys) io.stdout(`    ${k.caId.padEnd(20)} ${k.keyUri}\n`);
      }
    });
}
