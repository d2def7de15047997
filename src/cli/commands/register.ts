import type { Command } from 'commander';
import { AppError } from '../../core/errors.js';
import { dataOption, type CliIo, type ExitState } from '../io.js';
import { writeOutput } from './sign.js';
import { withCopies } from './copy.js';
import { stampPatchOf, withStampFlags, type StampFlags } from './stamp-flags.js';

/**
 * `kyso authority add|list` and `kyso register export|close|open-volume|volumes` (Decree 23/2015 Art. 13):
 * certifying authorities and their certification registers (Decree 23/2015 Art. 13).
 */
const ADMIN = { id: 'cli', role: 'admin' } as const;

function year(v: string): number {
  if (!/^\d{4}$/.test(v)) throw new AppError('VALIDATION_FAILED', '--year must be a four-digit year');
  return Number(v);
}

export function registerRegisterCommands(program: Command, io: CliIo, _state: ExitState): void {
  const authority = program.command('authority').description("certifying authorities (commune People's Committees, notary offices)");
  withStampFlags(dataOption(authority.command('add')))
    .description('register a certifying authority (and its seal image and stamp texts)')
    .requiredOption('--id <id>', 'short id: lowercase letters, digits, dashes')
    .requiredOption('--name <name>', "e.g. 'UBND xã Hạ Long'")
    .requiredOption('--place <place>', "e.g. 'xã Hạ Long, tỉnh Quảng Ninh'")
    .option('--org <id>', 'organization (owner of the seal credential)')
    .option('--seal-credential <id>', 'server-held credential of the seal')
    .option('--seal-custodian <id>', "who keeps the seal (Decree 30/2020 Art. 32): the only holder of the seal's credential")
    .option('--json', 'print JSON')
    .action(
      async (
        f: {
          data?: string;
          id: string;
          name: string;
          place: string;
          org?: string;
          sealCredential?: string;
          sealCustodian?: string;
          json?: boolean;
        } & StampFlags,
      ) => {
        const patch = stampPatchOf(f);
        await withCopies(io, f, async (w) => {
          const a = await w.copies.registers.createAuthority(ADMIN, {
            id: f.id,
            name: f.name,
            place: f.place,
            organizationId: f.org ?? null,
            sealCredentialId: f.sealCredential ?? null,
            sealCustodianId: f.sealCustodian ?? null,
          });
          const { settingsView } = await import('../../copies/stamp-settings.js');
          const stamps = patch ? await w.copies.stamps.setAuthorityStamps(ADMIN, a.id, patch) : undefined;
          io.stdout(f.json ? JSON.stringify({ ...a, stamps: settingsView(stamps, a.id) }) + '\n' : `authority ${a.id}: ${a.name}\n`);
        });
      },
    );
  withStampFlags(dataOption(authority.command('set')))
    .description("change an authority's seal image, seal size, signing-authority lines, title or text-only permission")
    .requiredOption('--id <id>', 'authority id')
    .option('--json', 'print JSON')
    .action(async (f: { data?: string; id: string; json?: boolean } & StampFlags) => {
      const patch = stampPatchOf(f);
      if (!patch)
        throw new AppError(
          'VALIDATION_FAILED',
          'give at least one of --seal-image, --seal-size, --title, --authority-line, --[no-]text-only-stamps',
        );
      await withCopies(io, f, async (w) => {
        const { settingsView } = await import('../../copies/stamp-settings.js');
        const s = await w.copies.stamps.setAuthorityStamps(ADMIN, f.id, patch);
        io.stdout(f.json ? JSON.stringify(settingsView(s, f.id)) + '\n' : `authority ${f.id}: stamp settings updated\n`);
      });
    });
  dataOption(authority.command('list'))
    .description('list certifying authorities')
    .action(async (f: { data?: string }) => {
      await withCopies(io, f, async (w) => {
        io.stdout(JSON.stringify(await w.copies.registers.listAuthorities(), null, 2) + '\n');
      });
    });

  const register = program.command('register').description('certification registers (sổ chứng thực SCT/BS)');
  dataOption(register.command('export'))
    .description("export a year's register as CSV, or as a PDF signed with the authority seal")
    .requiredOption('--authority <id>', 'authority id')
    .requiredOption('--year <y>', 'register year')
    .option('--format <f>', 'csv or pdf', 'csv')
    .requiredOption('--out <file>', 'output file')
    .option('--as <id>', 'who exports (for the seal: the seal credential owner)', 'cli')
    .option('--seal-credential <id>', "seal credential (pdf; default: the authority's)")
    .option('--seal-pin <pin>', 'seal PIN (pdf)')
    .action(
      async (f: {
        data?: string;
        authority: string;
        year: string;
        format: string;
        out: string;
        as: string;
        sealCredential?: string;
        sealPin?: string;
      }) => {
        const y = year(f.year);
        if (f.format !== 'csv' && f.format !== 'pdf') throw new AppError('VALIDATION_FAILED', '--format must be csv or pdf');
        if (f.format === 'pdf' && !f.sealPin) throw new AppError('VALIDATION_FAILED', '--format pdf needs --seal-pin');
        await withCopies(io, f, async (w) => {
          const actor = { id: f.as, role: 'admin' } as const;
          const out =
            f.format === 'csv'
              ? await w.copies.registers.exportCsv(actor, f.authority, y)
              : await w.copies.registers.exportSignedPdf(actor, f.authority, y, {
                  ...(f.sealCredential ? { credentialId: f.sealCredential } : {}),
                  pin: f.sealPin!,
                });
          writeOutput(f.out, out);
          io.stdout(`register ${f.authority} ${y} → ${f.out}\n`);
        });
      },
    );
  dataOption(register.command('close'))
    .description("close a year's register with its total")
    .requiredOption('--authority <id>', 'authority id')
    .requiredOption('--year <y>', 'register year')
    .action(async (f: { data?: string; authority: string; year: string }) => {
      await withCopies(io, f, async (w) => {
        const c = await w.copies.registers.closeYear(ADMIN, f.authority, year(f.year));
        io.stdout(`closed ${f.authority} ${c.year}: ${c.total} entries\n`);
      });
    });
  dataOption(register.command('open-volume'))
    .description('open the next volume (quyển) of the year; numbering continues')
    .requiredOption('--authority <id>', 'authority id')
    .requiredOption('--year <y>', 'register year')
    .action(async (f: { data?: string; authority: string; year: string }) => {
      await withCopies(io, f, async (w) => {
        const v = await w.copies.registers.openVolume(ADMIN, f.authority, year(f.year));
        io.stdout(`opened volume ${v.volume}/${v.year} of ${f.authority}\n`);
      });
    });
  dataOption(register.command('volumes'))
    .description('list the volumes of a year')
    .requiredOption('--authority <id>', 'authority id')
    .requiredOption('--year <y>', 'register year')
    .action(async (f: { data?: string; authority: string; year: string }) => {
      await withCopies(io, f, async (w) => {
        io.stdout(JSON.stringify(await w.copies.registers.listVolumes(ADMIN, f.authority, year(f.year)), null, 2) + '\n');
      });
    });
  dataOption(register.command('reopen'))
    .description('reopen a year closed by mistake (audited with the reason); numbering continues')
    .requiredOption('--authority <id>', 'authority id')
    .requiredOption('--year <y>', 'register year')
    .requiredOption('--reason <text>', 'why the closing was a mistake')
    .action(async (f: { data?: string; authority: string; year: string; reason: string }) => {
      await withCopies(io, f, async (w) => {
        const r = await w.copies.registers.reopenYear(ADMIN, f.authority, year(f.year), f.reason);
        io.stdout(`reopened ${r.authorityId} ${r.year}\n`);
      });
    });
}
