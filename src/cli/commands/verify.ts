import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { AppError, isAppError } from '../../core/errors.js';
import type { KysoContext } from '../../app/context.js';
import type { Lang, PresentedLine, VerificationReport } from '../../pdf/verify/index.js';
import { EXIT } from '../exit-codes.js';
import { configFor, dataOption, type CliIo, type ExitState } from '../io.js';
import { readInput, writeOutput } from './sign.js';

/** Exit codes (ETSI EN 319 102-1 indications): 0 TOTAL_PASSED, 1 TOTAL_FAILED, 2 INDETERMINATE, 3 unreadable input. */
export function verifyExitCode(r: VerificationReport): number {
  if (r.subIndication === 'FORMAT_FAILURE' && r.signatures.length === 0 && r.document.revisions === 0) return EXIT.VERIFY_UNREADABLE;
  return r.indication === 'TOTAL_PASSED' ? EXIT.OK : r.indication === 'INDETERMINATE' ? EXIT.VERIFY_INDETERMINATE : EXIT.VERIFY_FAILED;
}

const MARK: Record<PresentedLine['kind'], string> = { error: '✗', warning: '!', change: '△', info: 'ℹ' };

type Presenter = Pick<typeof import('../../pdf/verify/index.js'), 'label' | 'presentReport'>;

/** The presenter's model as text: the state first, then per signature who, when and one line per finding. */
function human(r: VerificationReport, file: string, lang: Lang, { label, presentReport }: Presenter): string {
  const view = presentReport(r, lang);
  const out = [`${file}: ${view.headline}`];
  if (view.reason) out.push(`  ${label('reason', lang)}: ${view.reason}`);
  for (const l of view.lines) out.push(`  ${MARK[l.kind]} ${l.text}`);
  for (const s of view.signatures) {
    out.push(`  ${s.title} (${s.kind}): ${s.verdict}${s.reason ? ` — ${s.reason}` : ''}`);
    const who = s.signerName ? `${s.signerName}${s.organization ? ` — ${s.organization}` : ''}` : label('unknownSigner', lang);
    out.push(`    ${label('signedBy', lang)}: ${who}`);
    if (s.time) out.push(`    ${label('signedAt', lang)}: ${s.time} — ${s.timeNote}`);
    for (const l of s.lines) out.push(`    ${MARK[l.kind]} ${l.text}`);
  }
  return out.join('\n') + '\n';
}

function langOf(v: string): Lang {
  if (v !== 'vi' && v !== 'en') throw new AppError('VALIDATION_FAILED', '--lang must be vi or en');
  return v;
}

export function registerVerifyCommands(program: Command, io: CliIo, state: ExitState): void {
  dataOption(program.command('verify'))
    .description('verify a signed PDF; exit 0 TOTAL_PASSED, 1 TOTAL_FAILED, 2 INDETERMINATE, 3 unreadable input')
    .argument('<file>', 'PDF to verify')
    .option('--json', 'print the full report as JSON')
    .option('--html', 'print the report as HTML')
    .option('--pdf <out>', 'also write the report as a PDF file')
    .option('--lang <l>', 'language of the text, --html and --pdf output: vi or en', 'vi')
    .option('--trust <pem>', 'extra trust anchor (PEM file, repeatable)', (v: string, p: string[] = []) => [...p, v])
    .option('--at <iso>', 'validation time (ISO 8601)')
    .option('--offline', 'no network: revocation only from embedded material')
    .action(
      async (
        file: string,
        f: { data?: string; json?: boolean; html?: boolean; pdf?: string; lang: string; trust?: string[]; at?: string; offline?: boolean },
      ) => {
        const lang = langOf(f.lang);
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
        const { createRevocationFetcher } = await import('../../app/revocation.js');
        const { createVerify } = await import('../../app/verify.js');
        const { systemClock } = await import('../../core/clock.js');
        const presenter = await import('../../pdf/verify/index.js');
        if (existsSync(config.masterKeyFile) || config.masterKey) ctx = await (await import('../../app/context.js')).openContext(config);
        try {
          const pki = ctx ? (await import('../../app/pki.js')).createPki(ctx) : undefined;
          const v = createVerify({
            ...(pki ? { pki } : {}),
            clock: ctx?.clock ?? systemClock,
            revocation: createRevocationFetcher(pki),
            trustDirs: [config.trustAnchorsDir],
          });
          const report = await v.verify(pdf, { ...(at ? { at } : {}), ...(f.offline ? { offline: true } : {}), extraTrust: extra });
          if (f.pdf) writeOutput(f.pdf, await presenter.renderReportPdf(report, lang));
          if (f.json) io.stdout(JSON.stringify(report, null, 2) + '\n');
          else if (f.html) io.stdout(presenter.renderReportHtml(report, lang));
          else io.stdout(human(report, file, lang, presenter));
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
