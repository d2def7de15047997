import type { Command } from 'commander';
import { dataOption, withContext, type CliIo, type ExitState } from '../io.js';
import { readInput, writeOutput } from './sign.js';

/** `kyso extend FILE --out OUT` (ETSI EN 319 142-1 B-LTA): new DSS + archive timestamp, appended. */
export function registerExtendCommands(program: Command, io: CliIo, _state: ExitState): void {
  dataOption(program.command('extend'))
    .description('append current validation material (/DSS) and a new archive document timestamp to a signed PDF (B-LTA upkeep)')
    .argument('<file>', 'signed PDF')
    .requiredOption('--out <file>', 'output PDF')
    .action(async (file: string, f: { data?: string; out: string }) => {
      const pdf = readInput(file, 'file');
      await withContext(io, f, async (ctx) => {
        const { wireServices } = await import('../../app/services.js');
        const { extendPdf } = await import('../../app/extend.js');
        const w = await wireServices(ctx);
        const out = await extendPdf(pdf, { signing: w.signing, pki: w.pki, clock: ctx.clock });
        writeOutput(f.out, out);
        io.stdout(`extended ${file} → ${f.out} (${out.length - pdf.length} bytes appended)\n`);
      });
    });
}
