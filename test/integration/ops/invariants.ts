import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KysoContext } from '../../../src/app/context.js';
import type { CopyDocumentStore, RegisterEntryRecord } from '../../../src/copies/ports.js';
import type { CertificateRecord } from '../../../src/pki/ports.js';
import type { Caller } from '../copies/setup.js';

/**
 * The facts that must hold after any load or any crash: read from the database through the
 * store ports (not through the service under test) plus the audit chain check over HTTP.
 * Each check returns the problems it found (empty = holds), so a loop can report all of them.
 */

const PAGE = 1000;

export async function allCertificates(ctx: KysoContext): Promise<CertificateRecord[]> {
  const out: CertificateRecord[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await ctx.store.certificates.list({ limit: PAGE, offset });
    out.push(...page);
    if (page.length < PAGE) return out;
  }
}

export async function allEntries(ctx: KysoContext, authorityId: string): Promise<RegisterEntryRecord[]> {
  const out: RegisterEntryRecord[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await ctx.store.registers.list({ authorityId, limit: PAGE, offset });
    out.push(...page);
    if (page.length < PAGE) return out;
  }
}

/** RFC 5280 §4.1.2.2: a serial is unique per issuing CA — counted over every record, pending and failed too. */
export function serialProblems(certs: readonly CertificateRecord[]): string[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const c of certs) {
    const key = `${c.caId}:${c.serial}`;
    const other = seen.get(key);
    if (other) problems.push(`serial ${c.serial} of CA ${c.caId} used by ${other} and ${c.id}`);
    seen.set(key, c.id);
  }
  return problems;
}

/**
 * Decree 23/2015 Art. 13: certification numbers run 1, 2, 3 … per (authority, register type,
 * year) with no number twice and none skipped; a failed certification keeps its number.
 */
export function registerProblems(entries: readonly RegisterEntryRecord[]): string[] {
  const problems: string[] = [];
  const byRegister = new Map<string, number[]>();
  for (const e of entries) {
    const key = `${e.authorityId}|${e.registerType}|${e.year}`;
    byRegister.set(key, [...(byRegister.get(key) ?? []), e.number]);
  }
  for (const [key, numbers] of byRegister) {
    numbers.sort((a, b) => a - b);
    numbers.forEach((n, i) => {
      if (n !== i + 1) problems.push(`register ${key}: position ${i + 1} holds number ${n} (duplicate or gap)`);
    });
  }
  return problems.slice(0, 20);
}

/**
 * No half-written copy: a valid entry names stored bytes that hash to its copySha256, and no
 * temporary file is left. Stored files that no entry names are returned as `orphans`: the
 * certification names its copy on the pending entry before storing it, so there should be none.
 */
export async function copyProblems(
  entries: readonly RegisterEntryRecord[],
  documents: CopyDocumentStore,
  copyDir?: string,
): Promise<{ problems: string[]; orphans: string[] }> {
  const problems: string[] = [];
  for (const e of entries) {
    if (e.status !== 'valid') continue;
    if (!e.copySha256) {
      problems.push(`entry ${e.number} is valid without a copy hash`);
      continue;
    }
    const pdf = await documents.get(e.copySha256);
    if (!pdf) problems.push(`entry ${e.number} is valid but its signed copy is not stored`);
    else if (createHash('sha256').update(pdf).digest('hex') !== e.copySha256)
      problems.push(`entry ${e.number}: the stored copy does not hash to the recorded copySha256`);
  }
  const named = new Set(entries.map((e) => e.copySha256).filter((h): h is string => !!h));
  const orphans: string[] = [];
  if (copyDir) {
    let folders: string[] = [];
    try {
      folders = readdirSync(copyDir);
    } catch {
      folders = [];
    }
    for (const f of folders)
      for (const name of readdirSync(join(copyDir, f))) {
        if (name.startsWith('.')) problems.push(`temporary copy file left behind: ${f}/${name}`);
        else if (!named.has(name.replace(/\.pdf$/, ''))) orphans.push(name);
      }
  }
  return { problems, orphans };
}

/** POST /api/v1/audit/verify: the whole hash chain recomputed by the service. */
export async function auditProblems(call: Caller, token: string): Promise<string[]> {
  const r = await call('POST', '/api/v1/audit/verify', { token });
  if (r.status !== 200) return [`audit verify answered ${r.status}: ${r.body.toString('utf8').slice(0, 200)}`];
  return r.json.ok === true ? [] : [`audit chain broken at ${r.json.firstBadSeq}: ${r.json.problem} ${r.json.message}`];
}
