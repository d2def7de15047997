import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AppError } from '../../core/errors.js';
import { PADES_LEVELS, parsePadesLevel } from '../../core/pades-level.js';
import { APPEARANCE_KINDS, DOCMDP_PERMISSIONS, parseAppearanceKind, parseDocMdpPermission } from '../../core/sign-options.js';
import { safeText } from '../../core/safe-text.js';
import type { SignOptions, SignerSource } from '../../signing/types.js';
import { parseAuthorityLines, parseTitle } from '../../pdf/appearance/signing-authority.js';
import { configFor, dataOption, type CliIo, type ExitState } from '../io.js';

export function readInput(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    throw new AppError('NOT_FOUND', `${what} ${path} cannot be read`);
  }
}

export function writeOutput(path: string, data: Buffer | string): void {
  try {
    writeFileSync(path, data);
  } catch {
    throw new AppError('BAD_REQUEST', `cannot write ${path}`);
  }
}

function parseVisible(v: string): { page: number; rect: [number, number, number, number] } {
  const n = v.split(',').map((x) => Number(x.trim()));
  if (n.length !== 5 || !n.every(Number.isFinite) || !Number.isInteger(n[0]) || n[0]! < 1 || n[3]! <= 0 || n[4]! <= 0) {
    throw new AppError('VALIDATION_FAILED', '--visible expects page,x,y,w,h (page ≥ 1, w and h > 0, PDF points)');
  }
  return { page: n[0]!, rect: [n[1]!, n[2]!, n[3]!, n[4]!] };
}

interface SignFlags {
  data?: string;
  out: string;
  p12?: string;
  password?: string;
  pkcs11?: string;
  pkcs11Module?: string;
  chain?: string;
  tsa?: string;
  credential?: string;
  pin?: string;
  visible?: string;
  image?: string;
  appearance?: string;
  certify?: string;
  field?: string;
  reason?: string;
  location?: string;
  level?: string;
  sealOnly?: boolean;
  sealSize?: string;
  title?: string;
  authorityLine?: string[];
}

const appendValue = (v: string, prev: string[] = []): string[] => [...prev, v];

/** --seal-size: the seal's real diameter in millimetres (Decree 30/2020 Appendix I: the seal at real size). */
function parseSealSize(v: string): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v.trim()) || !(n >= 10 && n <= 80))
    throw new AppError('VALIDATION_FAILED', '--seal-size must be a diameter in millimetres from 10 to 80');
  return n;
}

/** The stamp's options from the flags; seal-specific flags are refused on other kinds. */
function appearanceOf(kind: string, f: SignFlags): NonNullable<SignOptions['appearance']> {
  if (kind !== 'organization' && (f.sealOnly || f.sealSize !== undefined))
    throw new AppError('VALIDATION_FAILED', '--seal-only and --seal-size apply to --appearance organization');
  if (f.sealOnly && !f.image) throw new AppError('VALIDATION_FAILED', '--seal-only needs the seal image (--image)');
  const authorityLines = f.authorityLine?.length ? parseAuthorityLines(f.authorityLine) : [];
  const title = f.title !== undefined ? parseTitle(f.title) : undefined;
  return {
    kind: kind as 'individual',
    ...(f.image ? { image: readInput(f.image, 'image') } : {}),
    ...(f.sealOnly ? { sealOnly: true } : {}),
    ...(f.sealSize !== undefined ? { sealDiameterMm: parseSealSize(f.sealSize) } : {}),
    ...(title !== undefined || authorityLines.length
      ? { texts: { ...(title !== undefined ? { title } : {}), ...(authorityLines.length ? { authorityLines } : {}) } }
      : {}),
  };
}

export function registerSignCommands(program: Command, io: CliIo, _state: ExitState): void {
  dataOption(program.command('sign'))
    .description('sign a PDF (PAdES, appended as an incremental update) with a PKCS#12 file or a server-held credential')
    .argument('<in>', 'input PDF')
    .requiredOption('--out <file>', 'output PDF')
    .option('--p12 <file>', 'PKCS#12 with the signer key and certificate chain')
    .option('--password <pw>', 'PKCS#12 password')
    .option('--pkcs11 <uri>', "key on a PKCS#11 token (USB token), RFC 7512 URI: 'pkcs11:token=LABEL;object=KEY'")
    .option('--pkcs11-module <path>', 'PKCS#11 module of the token (env KYSO_PKCS11_MODULE, default OpenSC)')
    .option('--chain <pem>', 'with --pkcs11: issuing CA certificates (PEM) the token does not hold')
    .option('--tsa <url>', 'with --p12/--pkcs11: RFC 3161 time-stamp authority for B-T and above (env KYSO_TSA_URL)')
    .option('--credential <id>', 'server-held credential id (instead of --p12)')
    .option('--pin <pin>', 'PIN of the server-held credential or of the PKCS#11 token')
    .option('--visible <page,x,y,w,h>', 'visible stamp rectangle in PDF points (origin bottom-left)')
    .option('--image <png>', 'signature or seal image (PNG with transparency)')
    .option('--appearance <kind>', `${APPEARANCE_KINDS.join(' | ')} (default individual when --visible)`)
    .option('--certify <P>', `certification signature, DocMDP P = ${DOCMDP_PERMISSIONS.join(', ')}`)
    .option('--field <name>', 'sign this existing empty field (or name the new one)')
    .option('--reason <text>', 'reason (/Reason)')
    .option('--location <text>', 'location (/Location)')
    .option('--level <level>', `PAdES level: ${PADES_LEVELS.join(', ')} (default B-B)`)
    .option('--seal-only', 'organization: the seal image alone, to lie over the left third of the official’s signature')
    .option('--seal-size <mm>', 'organization: the seal’s real diameter in millimetres (default 36)')
    .option('--title <text>', 'title line above the name, e.g. "PHÓ CHỦ TỊCH"')
    .option('--authority-line <text>', 'signing-authority line (TM./KT./TUQ./Q./TL.), repeatable or "/"-separated', appendValue)
    .action(async (input: string, f: SignFlags) => {
      const keySources = [f.p12, f.pkcs11, f.credential].filter((v) => v !== undefined).length;
      if (keySources > 1) throw new AppError('VALIDATION_FAILED', 'use one of --p12, --pkcs11 or --credential');
      if (keySources === 0)
        throw new AppError('VALIDATION_FAILED', 'give --p12 FILE --password PW, --pkcs11 URI --pin PIN or --credential ID --pin PIN');
      if (f.credential && !f.pin) throw new AppError('VALIDATION_FAILED', '--credential needs --pin');
      if (f.pkcs11 && !f.pin) throw new AppError('VALIDATION_FAILED', '--pkcs11 needs --pin (the token user PIN)');
      if (f.credential && f.tsa)
        throw new AppError('VALIDATION_FAILED', '--tsa applies to --p12 and --pkcs11; the service uses its own TSA');
      if (f.chain && !f.pkcs11) throw new AppError('VALIDATION_FAILED', '--chain applies to --pkcs11 (a PKCS#12 file carries its chain)');
      const certify = f.certify === undefined ? undefined : parseDocMdpPermission(f.certify, '--certify');
      const kind = f.appearance !== undefined ? parseAppearanceKind(f.appearance, '--appearance') : f.visible ? 'individual' : undefined;
      if (kind === undefined && (f.sealOnly || f.sealSize !== undefined || f.title !== undefined || f.authorityLine?.length))
        throw new AppError('VALIDATION_FAILED', '--seal-only, --seal-size, --title and --authority-line need a visible stamp (--visible)');
      const options: Omit<SignOptions, 'signer'> = {
        actorId: 'cli',
        ...(f.visible ? { visible: parseVisible(f.visible) } : {}),
        ...(kind ? { appearance: appearanceOf(kind, f) } : {}),
        ...(certify ? { certify } : {}),
        ...(f.field ? { fieldName: f.field } : {}),
        ...(f.reason ? { reason: safeText(f.reason, '--reason') } : {}),
        ...(f.location ? { location: safeText(f.location, '--location') } : {}),
        ...(f.level ? { level: parsePadesLevel(f.level) } : {}),
      };
      const pdf = readInput(input, 'input PDF');
      let chunks: Buffer[];
      if (f.credential) {
        // A server-held credential lives in the service's data directory.
        const signer: SignerSource = { kind: 'credential', credentialId: f.credential, pin: f.pin! };
        const { openContext } = await import('../../app/context.js');
        const { wireServices } = await import('../../app/services.js');
        const ctx = await openContext(configFor(io, f), { create: true });
        try {
          const wired = await wireServices(ctx);
          if (!wired.signing) throw new AppError('INTERNAL', 'signing service not wired');
          chunks = [await wired.signing.sign.sign(pdf, { ...options, signer })];
        } finally {
          await ctx.close();
        }
      } else {
        // Workstation mode: the key is in a file or on a token; no data directory is opened.
        const { signOnWorkstation } = await import('../../app/local-signing.js');
        const tsaUrl = f.tsa ?? io.env.KYSO_TSA_URL;
        const key = f.p12
          ? { pkcs12: readInput(f.p12, 'PKCS#12 file'), password: f.password ?? '' }
          : {
              token: {
                uri: f.pkcs11!,
                pin: f.pin!,
                modulePath: f.pkcs11Module ?? io.env.KYSO_PKCS11_MODULE ?? (await defaultPkcs11Module()),
              },
            };
        const extraCertificates = f.chain ? await readPemCertificates(f.chain) : [];
        chunks = await signOnWorkstation(pdf, options, key, { tsaUrl, extraCertificates });
      }
      const out = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      writeOutput(f.out, out);
      io.stdout(`signed ${input} → ${f.out} (${out.length} bytes, ${out.length - pdf.length} appended)\n`);
    });
}

/** OpenSC's module, which drives most smart-card tokens, where Debian and Windows-like layouts put it. */
async function defaultPkcs11Module(): Promise<string> {
  const { existsSync } = await import('node:fs');
  const candidates = ['/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so', '/usr/lib/opensc-pkcs11.so', '/usr/lib64/opensc-pkcs11.so'];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new AppError('VALIDATION_FAILED', 'no PKCS#11 module found: give --pkcs11-module PATH or KYSO_PKCS11_MODULE');
  return found;
}

async function readPemCertificates(path: string): Promise<Buffer[]> {
  const { pemDecodeAll } = await import('../../core/bytes.js');
  const certs = pemDecodeAll(readInput(path, 'certificate chain').toString('latin1'), 'CERTIFICATE');
  if (certs.length === 0) throw new AppError('VALIDATION_FAILED', `${path} holds no PEM certificate`);
  return certs;
}
