import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { AppError } from '../../core/errors.js';
import { dataOption, withContext, type CliIo, type ExitState } from '../io.js';
import { readInput, writeOutput } from './sign.js';

/** `kyso timestamp FILE --out FILE.tsr`: an RFC 3161 TimeStampResp from the local TSA over arbitrary data. */
export function registerTimestampCommands(program: Command, io: CliIo, _state: ExitState): void {
  dataOption(program.command('timestamp'))
    .description('timestamp a file with the local TSA; writes the DER TimeStampResp (check with `openssl ts -reply -in OUT -text`)')
    .argument('<file>', 'data to timestamp')
    .requiredOption('--out <file>', 'output .tsr (TimeStampResp)')
    .option('--hash <h>', 'sha256 (default), sha384 or sha512', 'sha256')
    .option('--token', 'write only the TimeStampToken (ContentInfo), as embedded in PDFs')
    .action(async (file: string, f: { data?: string; out: string; hash: string; token?: boolean }) => {
      if (!['sha256', 'sha384', 'sha512'].includes(f.hash))
        throw new AppError('VALIDATION_FAILED', '--hash must be sha256, sha384 or sha512');
      const hash = f.hash as 'sha256' | 'sha384' | 'sha512';
      const data = readInput(file, 'file');
      await withContext(io, f, async (ctx) => {
        const { createPki } = await import('../../app/pki.js');
        const { createTsa } = await import('../../app/tsa.js');
        const { encodeTimestampRequest, parseTimestampResponse, randomNonce } = await import('../../cms/index.js');
        const { tsa } = await createTsa(ctx, createPki(ctx));
        const req = encodeTimestampRequest({ hash, digest: createHash(hash).update(data).digest(), nonce: randomNonce(), certReq: true });
        const resp = await tsa.respond(Buffer.from(req));
        const parsed = parseTimestampResponse(resp);
        const token = (parsed as { token?: Buffer }).token;
        if (f.token) {
          if (!token) throw new AppError('TSA_REQUEST_REJECTED', 'the TSA rejected the request');
          writeOutput(f.out, token);
        } else writeOutput(f.out, resp);
        io.stdout(`timestamped ${file} (${hash}) → ${f.out}\n`);
      });
    });
}
