import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { AppError, isAppError } from '../../core/errors.js';
import { systemClock } from '../../core/clock.js';
import { openContext, type KysoContext } from '../../app/context.js';
import { createPki } from '../../app/pki.js';
import { createRevocationFetcher } from '../../app/revocation.js';
import { createVerify } from '../../app/verify.js';
import { renderReportHtml } from '../../pdf/verify/index.js';
import type { VerificationReport } from '../../pdf/verify/index.js';
import { EXIT } from '../exit-codes.js';
import { configFor, dataOption, type CliIo, type ExitState } from '../io.js';
import { readInput } from './sign.js';

/** Exit codes (ETSI EN 319 102-1 indications): 0 TOTAL_PASSED, 1 TOTAL_FAILED, 2 INDETERMINATE, 3 unreadable input. */
export function verifyExitCode(r: VerificationReport): number {
  if (r.subIndication === 'FORMAT_FAILURE' && r.signatures.length === 0 && r.document.revisions === 0) return EXIT.VERIFY_UNREADABLE;
  return r.indication === 'TOTAL_PASSED' ? EXIT.OK : r.indication === 'INDETERMINATE' ? EXIT.VERIFY_INDETERMINATE : EXIT.VERIFY_FAILED;
}

function human(r: VerificationReport, file: string): string {
  const lines = [`${file}: ${r.indication}${r.subIndication ? ` (${r.subIndication})` : ''}`];
  r.signatures.forEach((s, i) => {
    lines.push(`  #${i} ${s.kind} ${s.indication}${s.subIndication ? ` (${s.subIndication})` : ''}  ${s.signer?.subject ?? ''}`);
  });
  for (const e of r.errors) lines.push(`  error: ${e}`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n') + '\n';
}

export function registerVerifyCommands(program: Command, io: CliIo, state: ExitState): void {
  dataOption(program.command('verify'))
    .description('verify a signed PDF; exit 0 TOTAL_PASSED, 1 TOTAL_FAILED, 2 INDETERMINATE, 3 unreadable input')
    .argument('<file>', 'PDF to verify')
    .option('--json', 'print the full report as JSON')
    .option('--html', 'print the report as HTML')
    .option('--lang <l>', 'vi or en for --html', 'vi')
    .option('--trust <pem>', 'extra trust anchor (PEM file, repeatable)', (v: string, p: string[] = []) => [...p, v])
    .option('--at <iso>', 'validation time (ISO 8601)')
    .option('--offline', 'no network: revocation only from embedded material')
    .action(
      async (
        file: string,
        f: { data?: string; json?: boolean; html?: boolean; lang: string; trust?: string[]; at?: string; offline?: boolean },
      ) => {
        let at: Date | undefined;
        if (f.at) {
          at = new Date(f.at);
          if (Number.isNaN(at.getTime())) throw new AppError('VALIDATION_FAILED', '--at must be an ISO 8601 time');
        }
        let pdf: Buffer;
        try {
          pdf = readInput(file, 'file');
        } catch (e) {
          if (isAppError(e)) throw new AppError('VERIFY_UNREADABLE', e.message);
          throw e;
        }
        const extra = (f.trust ?? []).map((p) => readInput(p, 'trust anchor').toString('latin1'));
        const config = configFor(io, f);
        // Use the local CA (our roots, in-process OCSP/CRL) when a data directory exists; never create one.
        let ctx: KysoContext | undefined;
        if (existsSync(config.masterKeyFile) || config.masterKey) ctx = await openContext(config);
        try {
          const pki = ctx ? createPki(ctx) : undefined;
          const v = createVerify({
            ...(pki ? { pki } : {}),
            clock: ctx?.clock ?? systemClock,
            revocation: createRevocationFetcher(pki),
            trustDirs: [config.trustAnchorsDir],
          });
          const report = await v.verify(pdf, { ...(at ? { at } : {}), ...(f.offline ? { offline: true } : {}), extraTrust: extra });
          if (f.json) io.stdout(JSON.stringify(report, null, 2) + '\n');
          else if (f.html) io.stdout(renderReportHtml(report, f.lang === 'en' ? 'en' : 'vi'));
          else io.stdout(human(report, file));
          state.code = verifyExitCode(report);
        } catch (e) {
          if (isAppError(e, 'VERIFY_UNREADABLE') || isAppError(e, 'PDF_NOT_PDF') || isAppError(e, 'PDF_MALFORMED')) {
            io.stderr(`kyso: ${e.code}: ${e.message}\n`);
            state.code = EXIT.VERIFY_UNREADABLE;
            return;
          }
          throw e;
        } finally {
          await ctx?.close();
        }
      },
    );
}
