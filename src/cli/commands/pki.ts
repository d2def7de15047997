import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { AppError } from '../../core/errors.js';
import { pemEncode } from '../../core/bytes.js';
import type { KysoContext } from '../../app/context.js';
import type { PkiWiring } from '../../app/pki.js';
import type { Principal } from '../../core/principal.js';
import type { CertificateStatus, SubjectFields } from '../../pki/ports.js';
import type { CertificateRef } from '../../pki/lifecycle-service.js';
import { collect, dataOption, withContext, type CliIo, type ExitState } from '../io.js';
import { KEY_TYPES, keySpecOf } from '../key-types.js';
import { readInput, writeOutput } from './sign.js';

/** The local operator acts as admin on the data directory they can read (file permissions are the gate). */
function cliActor(): Principal {
  let user = 'operator';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers)
  }
  return { id: `cli:${user}`, role: 'admin' };
}

/** The record views are the HTTP API's, loaded with the PKI wiring (not at start-up). */
type Views = typeof import('../../http/views.js');

function withPki<T>(io: CliIo, flags: { data?: string }, fn: (pki: PkiWiring, ctx: KysoContext, views: Views) => Promise<T>): Promise<T> {
  return withContext(io, flags, async (ctx) => {
    const { createPki } = await import('../../app/pki.js');
    return fn(createPki(ctx), ctx, await import('../../http/views.js'));
  });
}

function certRef(f: { serial?: string; id?: string; ca?: string }): CertificateRef {
  if (f.id) return { id: f.id };
  if (f.serial) return { serial: f.serial, ...(f.ca ? { caId: f.ca } : {}) };
  throw new AppError('VALIDATION_FAILED', 'give --serial HEX (and --ca ID if ambiguous) or --id crt_…');
}

interface IssueFlags {
  data?: string;
  profile: string;
  ca?: string;
  cn: string;
  o?: string;
  ou?: string[];
  st?: string;
  l?: string;
  e?: string;
  c?: string;
  title?: string;
  uid?: string[];
  csr?: string;
  p12?: string;
  password?: string;
  keyType?: string;
  days?: string;
  out?: string;
  json?: boolean;
}

export function registerPkiCommands(program: Command, io: CliIo, _state: ExitState): void {
  const cert = program.command('cert').description('certificates: issue, list, show, revoke, suspend, release');

  dataOption(cert.command('issue'))
    .description('issue a certificate from a CSR (--csr) or with a server-generated key delivered as PKCS#12 (--p12 --password)')
    .requiredOption('--profile <id>', 'individual | organization | device')
    .option('--ca <id>', "issuing CA (default: the profile's)")
    .requiredOption('--cn <name>', 'CN: person, organization or device name')
    .option('--o <org>', 'O: parent body')
    .option('--ou <unit>', 'OU (repeatable, outermost first)', collect)
    .option('--st <province>', 'ST (default: the configured province)')
    .option('--l <locality>', 'L: district/commune')
    .option('--e <email>', 'E: official e-mail')
    .option('--c <cc>', 'C (default VN)')
    .option('--title <title>', "title: the official's position")
    .option('--uid <id>', 'UID with prefix CCCD:/CMND:/MST:/MNS: (repeatable)', collect)
    .option('--csr <file>', 'PKCS#10 CSR (PEM or DER); proof of possession is checked')
    .option('--p12 <file>', 'write the server-generated key and chain here as PKCS#12')
    .option('--password <pw>', 'PKCS#12 password')
    .option('--key-type <t>', `key for --p12: ${Object.keys(KEY_TYPES).join(', ')} (default rsa2048)`)
    .option('--days <n>', 'validity in days (profile caps apply: ≤ 5 years)')
    .option('--out <file>', 'write the certificate (PEM) here')
    .option('--json', 'print the certificate record as JSON')
    .action(async (f: IssueFlags) => {
      if (!!f.csr === !!f.p12) throw new AppError('VALIDATION_FAILED', 'give exactly one of --csr FILE or --p12 FILE --password PW');
      if (f.p12 && (f.password === undefined || f.password === '')) throw new AppError('VALIDATION_FAILED', '--p12 needs --password');
      let days: number | undefined;
      if (f.days !== undefined) {
        if (!/^\d{1,5}$/.test(f.days) || Number(f.days) < 1)
          throw new AppError('VALIDATION_FAILED', '--days must be a positive whole number');
        days = Number(f.days);
      }
      const keySpec = f.keyType ? keySpecOf(f.keyType) : undefined;
      const csr = f.csr ? readInput(f.csr, 'CSR') : undefined;
      await withPki(io, f, async (pki, ctx, { certificateView }) => {
        const subject: SubjectFields = {
          country: f.c ?? 'VN',
          province: f.st ?? ctx.config.province,
          commonName: f.cn,
          ...(f.l ? { locality: f.l } : {}),
          ...(f.o ? { organization: f.o } : {}),
          ...(f.ou?.length ? { organizationalUnits: f.ou } : {}),
          ...(f.e ? { email: f.e } : {}),
          ...(f.uid?.length ? { uids: f.uid } : {}),
          ...(f.title ? { title: f.title } : {}),
        };
        const r = await pki.issuance.issue(cliActor(), {
          profile: f.profile,
          ...(f.ca ? { caId: f.ca } : {}),
          subject,
          ...(days !== undefined ? { validityDays: days } : {}),
          key: csr ? { csr } : { pkcs12Password: f.password!, ...(keySpec ? { generate: keySpec } : {}), friendlyName: f.cn },
        });
        if (f.p12) {
          if (!r.pkcs12) throw new AppError('INTERNAL', 'no PKCS#12 produced');
          writeOutput(f.p12, r.pkcs12);
        }
        if (f.out) writeOutput(f.out, r.pem);
        if (f.json) io.stdout(JSON.stringify(certificateView(r.certificate)) + '\n');
        else {
          io.stdout(`issued ${r.certificate.serial} by ${r.certificate.caId}: ${r.certificate.subjectDn}\n`);
          io.stdout(`  valid ${r.certificate.notBefore.toISOString()} → ${r.certificate.notAfter.toISOString()}\n`);
          if (f.p12) io.stdout(`  PKCS#12 (key + chain) written to ${f.p12}\n`);
          if (f.out) io.stdout(`  certificate written to ${f.out}\n`);
          if (!f.out && !f.p12) io.stdout(r.pem);
        }
      });
    });

  dataOption(cert.command('list'))
    .description('list certificates (newest first)')
    .option('--ca <id>', 'only this CA')
    .option('--status <s>', 'active | on-hold | revoked | pending | failed')
    .option('--profile <id>', 'only this profile')
    .option('--limit <n>', 'at most n (default 100, max 1000)')
    .option('--json', 'print JSON')
    .action(async (f: { data?: string; ca?: string; status?: string; profile?: string; limit?: string; json?: boolean }) => {
      const statuses = ['active', 'on-hold', 'revoked', 'pending', 'failed'];
      if (f.status && !statuses.includes(f.status))
        throw new AppError('VALIDATION_FAILED', `--status must be one of ${statuses.join(', ')}`);
      if (f.limit !== undefined && !/^\d{1,4}$/.test(f.limit)) throw new AppError('VALIDATION_FAILED', '--limit must be a whole number');
      await withPki(io, f, async (pki, _ctx, { certificateView }) => {
        const rows = await pki.store.certificates.list({
          ...(f.ca ? { caId: f.ca } : {}),
          ...(f.status ? { status: f.status as CertificateStatus } : {}),
          ...(f.profile ? { profile: f.profile } : {}),
          limit: f.limit ? Number(f.limit) : 100,
        });
        if (f.json)
          io.stdout(
            JSON.stringify(
              rows.map((c) => certificateView(c)),
              null,
              2,
            ) + '\n',
          );
        else
          for (const c of rows)
            io.stdout(`${c.serial}  ${c.caId.padEnd(13)} ${c.status.padEnd(8)} ${c.notAfter.toISOString().slice(0, 10)}  ${c.subjectDn}\n`);
      });
    });

  dataOption(cert.command('show'))
    .description('show one certificate (JSON, with PEM)')
    .option('--serial <hex>', 'serial number (hex)')
    .option('--ca <id>', 'CA id when the serial is ambiguous')
    .option('--id <id>', 'certificate id (crt_…)')
    .action(async (f: { data?: string; serial?: string; ca?: string; id?: string }) => {
      await withPki(io, f, async (pki, _ctx, { certificateView }) => {
        const c = await pki.lifecycle.find(certRef(f));
        io.stdout(JSON.stringify({ ...certificateView(c), pem: c.der ? pemEncode('CERTIFICATE', c.der) : null }, null, 2) + '\n');
      });
    });

  const lifecycle = (name: 'revoke' | 'suspend' | 'release', description: string) => {
    const cmd = dataOption(cert.command(name))
      .description(description)
      .option('--serial <hex>', 'serial number (hex)')
      .option('--ca <id>', 'CA id when the serial is ambiguous')
      .option('--id <id>', 'certificate id (crt_…)')
      .option('--json', 'print the record as JSON');
    if (name === 'revoke')
      cmd.option(
        '--reason <name>',
        'RFC 5280 reason: unspecified, keyCompromise, affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn …',
        'unspecified',
      );
    if (name !== 'release')
      cmd.option('--invalidity-date <iso>', 'when the key is known or suspected to have been compromised (RFC 5280 §5.3.2)');
    cmd.action(
      async (f: { data?: string; serial?: string; ca?: string; id?: string; reason?: string; invalidityDate?: string; json?: boolean }) => {
        await withPki(io, f, async (pki, _ctx, { certificateView }) => {
          const ref = certRef(f);
          const actor = cliActor();
          const inv = f.invalidityDate ? { invalidityDate: f.invalidityDate } : {};
          const c =
            name === 'revoke'
              ? await pki.lifecycle.revoke(actor, ref, { reason: f.reason ?? 'unspecified', ...inv })
              : name === 'suspend'
                ? await pki.lifecycle.suspend(actor, ref, inv)
                : await pki.lifecycle.release(actor, ref);
          if (f.json) io.stdout(JSON.stringify(certificateView(c)) + '\n');
          else
            io.stdout(
              `${c.serial} (${c.caId}) is now ${c.status}${c.revocationReason ? ` (${c.revocationReason})` : ''}; the next CRL and OCSP answers reflect it\n`,
            );
        });
      },
    );
  };
  lifecycle('revoke', 'revoke a certificate (permanent)');
  lifecycle('suspend', 'suspend a certificate (certificateHold)');
  lifecycle('release', 'release a certificate from hold');

  dataOption(program.command('crl'))
    .description('generate a fresh CRL for a CA now and write it (DER, or PEM with --pem)')
    .requiredOption('--ca <id>', 'CA id (root, organizations, individuals)')
    .requiredOption('--out <file>', 'output file')
    .option('--pem', 'write PEM instead of DER')
    .action(async (f: { data?: string; ca: string; out: string; pem?: boolean }) => {
      await withPki(io, f, async (pki) => {
        const r = await pki.crl.generate(f.ca);
        writeOutput(f.out, f.pem ? pemEncode('X509 CRL', r.der) : r.der);
        io.stdout(`CRL #${r.crlNumber} of ${r.caId}: ${r.entryCount} entries, next update ${r.nextUpdate.toISOString()} → ${f.out}\n`);
      });
    });

  const ca = program.command('ca').description('the CA hierarchy');
  dataOption(ca.command('export'))
    .description('write each CA certificate (root, issuing CAs, OCSP responders, TSA) as <id>.pem into a directory')
    .requiredOption('--out-dir <dir>', 'output directory (created if missing)')
    .action(async (f: { data?: string; outDir: string }) => {
      await withPki(io, f, async (pki) => {
        const rows = await pki.store.cas.list();
        if (rows.length === 0) throw new AppError('CA_UNKNOWN', 'no CA in this data directory: run "kyso init" first');
        try {
          mkdirSync(f.outDir, { recursive: true });
        } catch {
          throw new AppError('BAD_REQUEST', `cannot create ${f.outDir}`);
        }
        for (const r of rows) {
          const file = join(f.outDir, `${r.id}.pem`);
          writeOutput(file, pemEncode('CERTIFICATE', r.certificateDer));
          io.stdout(`${file}  ${r.kind.padEnd(14)} ${r.subjectDn}\n`);
        }
      });
    });
  dataOption(ca.command('revoke'))
    .description('revoke the certificate of a CA, OCSP responder or the TSA (irreversible: everything under it stops validating)')
    .argument('<id>', 'CA id, as in "kyso ca list" (root, organizations, individuals, ocsp-…, tsa)')
    .requiredOption('--reason <r>', 'RFC 5280 reason name or code, e.g. keyCompromise, cACompromise, cessationOfOperation')
    .option('--invalidity-date <iso>', 'when the key is known or suspected to have been compromised')
    .option('--confirm', 'required: confirms the revocation')
    .action(async (id: string, f: { data?: string; reason: string; invalidityDate?: string; confirm?: boolean }) => {
      if (!f.confirm) throw new AppError('VALIDATION_FAILED', `revoking CA certificate ${id} needs --confirm`);
      await withPki(io, f, async (pki) => {
        const c = await pki.lifecycle.revokeCaCertificate(cliActor(), id, {
          reason: f.reason,
          ...(f.invalidityDate ? { invalidityDate: f.invalidityDate } : {}),
        });
        io.stdout(`revoked CA certificate ${id} (serial ${c.serial}, reason ${c.revocationReason})\n`);
      });
    });
  dataOption(ca.command('list'))
    .description('list the CAs (JSON)')
    .action(async (f: { data?: string }) => {
      await withPki(io, f, async (pki, _ctx, { caView }) => {
        io.stdout(JSON.stringify((await pki.store.cas.list()).map(caView), null, 2) + '\n');
      });
    });
}
