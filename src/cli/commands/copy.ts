import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { AppError } from '../../core/errors.js';
import type { KysoContext } from '../../app/context.js';
import type { WiredServices } from '../../app/services.js';
import { PADES_LEVELS, parsePadesLevel } from '../../core/pades-level.js';
import { collect, dataOption, withContext, type CliIo, type ExitState } from '../io.js';
import { KEY_TYPES, keySpecOf } from '../key-types.js';
import { readInput, writeOutput } from './sign.js';

/**
 * `kyso copy certify|lookup|annul|show` (Decree 23/2015/NĐ-CP) and `kyso credential issue|add|activate|list`, what an
 * operator needs to give a certifier (or an authority seal) a PIN-protected server-held key.
 * The CLI works on the local data directory: the operator chooses the acting certifier with
 * --certifier (the credential owner), and the certifier's PIN still unlocks the key.
 */
export function withCopies<T>(io: CliIo, flags: { data?: string }, fn: (w: WiredServices, ctx: KysoContext) => Promise<T>): Promise<T> {
  return withContext(io, flags, async (ctx) => {
    const { wireServices } = await import('../../app/services.js');
    return fn(await wireServices(ctx), ctx);
  });
}

/** Keys a credential may be generated with (no RSA-4096 for certifiers and seals). */
const CREDENTIAL_KEY_TYPES = Object.fromEntries(['rsa2048', 'rsa3072', 'p256', 'p384'].map((n) => [n, KEY_TYPES[n]!]));

interface CertifyFlags {
  data?: string;
  out: string;
  authority: string;
  certifier: string;
  credential: string;
  pin: string;
  title?: string;
  sealCredential?: string;
  sealPin: string;
  requester: string;
  requesterId: string;
  docType: string;
  docTitle: string;
  docIssuer: string;
  copies: string;
  level?: string;
  signatureImage?: string;
  sealImage?: string;
  json?: boolean;
}

/** The activation code is shown once, for the operator to hand to the holder out of band. */
function activationLine(a: { code: string; expiresAt: Date } | undefined): string {
  return a ? `activation code (hand it to the holder; valid until ${a.expiresAt.toISOString()}): ${a.code}\n` : '';
}

export function registerCopyCommands(program: Command, io: CliIo, _state: ExitState): void {
  const copy = program.command('copy').description('certified copies from originals (chứng thực bản sao điện tử từ bản chính)');
  dataOption(copy.command('certify'))
    .description('certify a copy of ORIGINAL.pdf, or of scanned page images (JPEG/PNG, ≥ 200 dpi, in page order)')
    .argument('<original...>', 'one PDF, or one or more page images')
    .requiredOption('--out <file>', 'where to write the signed copy PDF')
    .requiredOption('--authority <id>', 'certifying authority id')
    .requiredOption('--certifier <id>', 'the certifier (owner of the credential)')
    .requiredOption('--credential <id>', "the certifier's server-held credential")
    .requiredOption('--pin <pin>', "the certifier's PIN")
    .option('--title <text>', "certifier's title (default: the title registered for the authority)")
    .option('--seal-credential <id>', "seal credential (default: the authority's)")
    .requiredOption('--seal-pin <pin>', 'PIN of the seal credential')
    .requiredOption('--requester <name>', "requester's full name")
    .requiredOption('--requester-id <doc>', "requester's ID document by type: CCCD:<12 digits>, CMND:<9 or 12 digits> or PASSPORT:<number>")
    .requiredOption('--doc-type <text>', 'document type, e.g. Giấy khai sinh')
    .requiredOption('--doc-title <text>', "the document's title")
    .requiredOption('--doc-issuer <text>', 'who issued the original')
    .option('--copies <n>', 'number of copies (share one number)', '1')
    .option('--level <level>', `PAdES level: ${PADES_LEVELS.join(', ')} (default B-LT with the TSA, else B-B)`)
    .option('--signature-image <png>', "certifier's signature image")
    .option('--seal-image <png>', 'seal image')
    .option('--json', 'print the register entry as JSON')
    .action(async (files: string[], f: CertifyFlags) => {
      if (!/^\d{1,3}$/.test(f.copies)) throw new AppError('VALIDATION_FAILED', '--copies must be a whole number from 1 to 100');
      const level = f.level === undefined ? undefined : parsePadesLevel(f.level);
      const bytes = files.map((p) => readInput(p, 'original'));
      const isPdf = bytes.length === 1 && bytes[0]!.subarray(0, 1024).includes('%PDF-');
      await withCopies(io, f, async (w, ctx) => {
        // The operator on the server names the certifier, who then acts for that authority and its organization.
        const organizationId = (await ctx.store.authorities.get(f.authority))?.organizationId;
        const r = await w.copies.certify(
          {
            id: f.certifier,
            role: 'certifier',
            officialId: f.certifier,
            authorityId: f.authority,
            ...(organizationId ? { organizationId } : {}),
          },
          {
            authorityId: f.authority,
            original: isPdf ? { pdf: bytes[0]! } : { images: bytes },
            requesterName: f.requester,
            requesterIdDocument: f.requesterId,
            documentType: f.docType,
            documentTitle: f.docTitle,
            documentIssuer: f.docIssuer,
            copies: Number(f.copies),
            ...(level ? { level } : {}),
            certifier: {
              credentialId: f.credential,
              pin: f.pin,
              title: f.title ?? '',
              ...(f.signatureImage ? { signatureImage: readInput(f.signatureImage, 'signature image') } : {}),
            },
            seal: {
              ...(f.sealCredential ? { credentialId: f.sealCredential } : {}),
              pin: f.sealPin,
              ...(f.sealImage ? { image: readInput(f.sealImage, 'seal image') } : {}),
            },
          },
        );
        writeOutput(f.out, r.copy);
        const e = r.entry;
        if (f.json)
          io.stdout(
            JSON.stringify({
              id: e.id,
              number: e.number,
              year: e.year,
              volume: e.volume,
              lookupCode: e.lookupCode,
              lookupUrl: r.lookupUrl,
              feeTotal: e.feeTotal,
              copySha256: e.copySha256,
            }) + '\n',
          );
        else
          io.stdout(
            `certified copy số ${e.number}, quyển ${e.volume}/${e.year} → ${f.out}\n  code ${e.lookupCode}  ${r.lookupUrl}\n  fee ${e.feeTotal} VND\n`,
          );
      });
    });
  dataOption(copy.command('lookup'))
    .description('public facts of a certified copy by its verification code (or --authority --year --number)')
    .argument('[code]', 'verification code printed on the copy')
    .option('--authority <id>', 'authority id')
    .option('--year <y>', 'register year')
    .option('--number <n>', 'certification number')
    .action(async (code: string | undefined, f: { data?: string; authority?: string; year?: string; number?: string }) => {
      await withCopies(io, f, async (w) => {
        let facts;
        if (code !== undefined) facts = await w.copies.lookupByCode(code);
        else {
          if (!f.authority || !/^\d{4}$/.test(f.year ?? '') || !/^\d{1,8}$/.test(f.number ?? ''))
            throw new AppError('VALIDATION_FAILED', 'give CODE, or --authority ID --year YYYY --number N');
          facts = await w.copies.lookupByNumber(f.authority, Number(f.year), Number(f.number));
        }
        io.stdout(JSON.stringify(facts, null, 2) + '\n');
      });
    });
  dataOption(copy.command('download'))
    .description('write the signed copy of a register entry again, byte for byte (checked against the register SHA-256)')
    .argument('<id>', 'register entry id')
    .requiredOption('--out <file>', 'where to write the PDF')
    .option('--by <id>', 'who downloads (for the audit log)', 'cli')
    .action(async (id: string, f: { data?: string; out: string; by: string }) => {
      await withCopies(io, f, async (w) => {
        // The server's operator has province-wide rights; `--by` names who reads, for the audit log.
        const { entry, pdf } = await w.copies.copies.document({ id: f.by, role: 'admin' }, id);
        writeOutput(f.out, pdf);
        io.stdout(`signed copy số ${entry.number}/${entry.year} → ${f.out}\n  sha256 ${entry.copySha256}\n`);
      });
    });
  dataOption(copy.command('annul'))
    .description('annul a certified copy (the entry and its number stay)')
    .argument('<id>', 'register entry id')
    .requiredOption('--reason <text>', 'why')
    .option('--by <id>', 'who annuls (certifier id)', 'cli')
    .action(async (id: string, f: { data?: string; reason: string; by: string }) => {
      await withCopies(io, f, async (w) => {
        // The server's operator has province-wide rights; `--by` names who annuls in the register.
        const e = await w.copies.copies.annul({ id: f.by, role: 'admin' }, id, f.reason);
        io.stdout(`annulled ${e.id} (số ${e.number}/${e.year})\n`);
      });
    });

  const cred = program
    .command('credential')
    .description('server-held signing credentials (key in the key store, PIN-protected) for certifiers and seals');
  dataOption(cred.command('issue'))
    .description('issue a certificate with a server-held key and register it as a PIN-protected credential')
    .requiredOption('--profile <id>', 'individual (certifier) or organization (seal)')
    .requiredOption('--cn <name>', 'CN: full name or organization name')
    .requiredOption('--owner <id>', "who may use it: the official (certifier) or the authority's seal custodian (seal)")
    .option('--pin <pin>', 'the PIN typed by the holder at this console (at least 6 characters); without it an activation code is printed')
    .option('--subscriber <id>', 'subscriber record the certificate belongs to')
    .option('--o <org>', 'O')
    .option('--title <title>', 'title')
    .option('--uid <id>', 'UID with prefix CCCD:/MST:/… (repeatable)', collect)
    .option('--key-type <t>', `${Object.keys(CREDENTIAL_KEY_TYPES).join(', ')} (default rsa2048)`)
    .option('--signature-image <png>', "the holder's signature image (PNG with transparent background, or JPEG), registered once")
    .option('--json', 'print JSON')
    .action(
      async (f: {
        data?: string;
        profile: string;
        cn: string;
        owner: string;
        pin?: string;
        subscriber?: string;
        o?: string;
        title?: string;
        uid?: string[];
        keyType?: string;
        signatureImage?: string;
        json?: boolean;
      }) => {
        const signatureImage = f.signatureImage ? readInput(f.signatureImage, 'signature image') : undefined;
        const keySpec = keySpecOf(f.keyType ?? 'rsa2048', CREDENTIAL_KEY_TYPES);
        await withCopies(io, f, async (w, ctx) => {
          const admin = { id: 'cli', role: 'admin' } as const;
          const issued = await w.pki.issuance.issue(admin, {
            profile: f.profile,
            ...(f.subscriber ? { subscriberId: f.subscriber } : {}),
            subject: {
              country: 'VN',
              province: ctx.config.province,
              commonName: f.cn,
              ...(f.o ? { organization: f.o } : {}),
              ...(f.title ? { title: f.title } : {}),
              ...(f.uid?.length ? { uids: f.uid } : {}),
            },
            // The key stays in the key store; the one-time PKCS#12 the issuance also builds is discarded.
            key: { pkcs12Password: randomBytes(12).toString('base64url'), generate: keySpec, keepKey: true },
          });
          const { credential: c, activation } = await w.copies.credentials.bindAtConsole({
            certificateId: issued.certificate.id,
            ownerId: f.owner,
            ...(f.pin !== undefined ? { pin: f.pin } : {}),
          });
          if (signatureImage) await w.copies.stamps.setSignatureImage(admin, c.id, signatureImage);
          io.stdout(
            f.json
              ? JSON.stringify({
                  credentialId: c.id,
                  certificateId: issued.certificate.id,
                  serial: issued.certificate.serial,
                  ownerId: c.ownerId,
                  ...(activation ? { activationCode: activation.code, activationExpiresAt: activation.expiresAt.toISOString() } : {}),
                }) + '\n'
              : `credential ${c.id} for ${f.owner} (certificate ${issued.certificate.serial})\n${activationLine(activation)}`,
          );
        });
      },
    );
  dataOption(cred.command('add'))
    .description('register a credential for an existing certificate whose key was kept server-side (one credential per key)')
    .requiredOption('--certificate <id>', 'certificate id (crt_…)')
    .requiredOption('--owner <id>', 'who may use it')
    .option('--pin <pin>', 'the PIN typed by the holder at this console; without it an activation code is printed')
    .action(async (f: { data?: string; certificate: string; owner: string; pin?: string }) => {
      await withCopies(io, f, async (w) => {
        const { credential: c, activation } = await w.copies.credentials.bindAtConsole({
          certificateId: f.certificate,
          ownerId: f.owner,
          ...(f.pin !== undefined ? { pin: f.pin } : {}),
        });
        io.stdout(`credential ${c.id} for ${f.owner}\n${activationLine(activation)}`);
      });
    });
  dataOption(cred.command('activate'))
    .description('the holder sets the PIN with the one-time activation code (after a binding or a PIN reset)')
    .requiredOption('--credential <id>', 'credential id (cred_…)')
    .requiredOption('--owner <id>', 'the holder')
    .requiredOption('--code <code>', 'the activation code')
    .requiredOption('--pin <pin>', 'the new PIN (at least 6 characters)')
    .action(async (f: { data?: string; credential: string; owner: string; code: string; pin: string }) => {
      await withCopies(io, f, async (w) => {
        const c = await w.signing.credentials.activate(f.credential, f.owner, f.code, f.pin);
        io.stdout(`credential ${c.id} activated for ${c.ownerId}\n`);
      });
    });
  dataOption(cred.command('set'))
    .description("register the holder's signature image for a credential (used on every certified copy it signs)")
    .requiredOption('--id <id>', 'credential id')
    .requiredOption('--signature-image <png>', 'PNG with transparent background, or JPEG')
    .action(async (f: { data?: string; id: string; signatureImage: string }) => {
      const image = readInput(f.signatureImage, 'signature image');
      await withCopies(io, f, async (w) => {
        await w.copies.stamps.setSignatureImage({ id: 'cli', role: 'admin' }, f.id, image);
        io.stdout(`credential ${f.id}: signature image registered\n`);
      });
    });
  dataOption(cred.command('list'))
    .description("an owner's credentials (never PINs or keys)")
    .requiredOption('--owner <id>', 'owner id')
    .action(async (f: { data?: string; owner: string }) => {
      await withCopies(io, f, async (w) => {
        const list = await w.signing.credentials.list(f.owner);
        io.stdout(
          JSON.stringify(
            list.map((c) => ({ id: c.id, ownerId: c.ownerId, label: c.label, locked: c.locked, createdAt: c.createdAt.toISOString() })),
            null,
            2,
          ) + '\n',
        );
      });
    });
}
