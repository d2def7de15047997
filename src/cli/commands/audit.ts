import type { Command } from 'commander';
import { dataOption, withContext, type CliIo, type ExitState } from '../io.js';

/**
 * `kyso audit …`: export the log with its checkpoints, verify an export offline (no database, no
 * network), prove one event's inclusion, sign a checkpoint now. Modules load inside the actions.
 */
export function registerAuditCommands(program: Command, io: CliIo, state: ExitState): void {
  const audit = program.command('audit').description('the audit log: export, offline verification, proofs, checkpoints');

  dataOption(audit.command('export'))
    .description('write every event, every checkpoint and the checkpoint public keys as JSON Lines')
    .requiredOption('--out <file>', 'the .jsonl file to write')
    .action(async (f: { data?: string; out: string }) => {
      const { writeAuditExport } = await import('../../app/audit-cli.js');
      await withContext(io, f, async (ctx) => {
        const n = await writeAuditExport(ctx, f.out);
        io.stdout(`exported ${n.events} events and ${n.checkpoints} checkpoints to ${f.out}\n`);
      });
    });

  audit
    .command('verify')
    .description('verify an export offline: hash chain, Merkle tree, checkpoint signatures, timestamps and consistency')
    .argument('<file>', 'a file written by `kyso audit export`')
    .option(
      '--checkpoint <file>',
      'an earlier checkpoint obtained separately (GET /api/v1/audit/checkpoints/latest or its JWS); the export must extend it',
    )
    .option('--json', 'print the report as JSON')
    .action(async (file: string, f: { checkpoint?: string; json?: boolean }) => {
      const { verifyExportFile } = await import('../../app/audit-cli.js');
      const report = await verifyExportFile(file, f.checkpoint);
      if (f.json) io.stdout(JSON.stringify(report, null, 2) + '\n');
      else {
        io.stdout(`events: ${report.events}\nroot: ${report.rootHash}\n`);
        for (const c of report.checkpoints)
          io.stdout(
            `checkpoint ${c.source === 'earlier' ? '(earlier, given) ' : ''}size ${c.treeSize} at ${c.time}${c.timestampedAt ? `, timestamped ${c.timestampedAt}` : ''}: ok\n`,
          );
        io.stdout(report.ok ? 'audit log verified\n' : '');
      }
      const { failureOf } = await import('../../app/audit-cli.js');
      const err = failureOf(report);
      if (err) throw err;
      state.code = 0;
    });

  dataOption(audit.command('prove'))
    .description('print the RFC 9162 inclusion proof of one event against the latest checkpoint')
    .requiredOption('--event <seq>', 'the event number (seq) as shown in the log')
    .action(async (f: { data?: string; event: string }) => {
      const { proveEvent } = await import('../../app/audit-cli.js');
      await withContext(io, f, async (ctx) => io.stdout(JSON.stringify(await proveEvent(ctx, f.event), null, 2) + '\n'));
    });

  dataOption(audit.command('checkpoint'))
    .description('sign a checkpoint of the audit log now (JWS with the audit key, timestamped by the TSA)')
    .action(async (f: { data?: string }) => {
      const { checkpointNow } = await import('../../app/audit-cli.js');
      await withContext(io, f, async (ctx) => io.stdout(JSON.stringify(await checkpointNow(ctx), null, 2) + '\n'));
    });
}
