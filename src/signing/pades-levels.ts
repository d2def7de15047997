import { createHash } from 'node:crypto';
import { AppError, isAppError } from '../core/errors.js';
import type { HashName } from '../core/signature-algorithms.js';
import { parseCms } from '../cms/parse.js';
import { ltvChainsFromCms } from '../cms/ltv-material.js';
import type { PdfSignatureEngine, RevocationMaterialPort, TimestampPort } from './signing-ports.js';
import { LEVEL_RANK, type PadesLevel } from '../core/pades-level.js';

/**
 * Producing the PAdES baseline levels above B-B (ETSI EN 319 142-1 §6.3; the level list itself is
 * src/core/pades-level.ts): B-T adds a signature-time-stamp over the SignerInfo signature value,
 * B-LT a /DSS with the validation material of the signer's and the TSA's chains, B-LTA a document
 * timestamp over the file with its DSS. A level that cannot be produced fails (TSA_UNAVAILABLE,
 * REVOCATION_UNAVAILABLE) — never a silent downgrade.
 */

export interface LevelPorts {
  readonly timestamp?: TimestampPort | undefined;
  readonly revocation?: RevocationMaterialPort | undefined;
  /** Certificates that may complete another signer's chain (e.g. the local CA hierarchy). */
  readonly certificatePool?: readonly Buffer[] | undefined;
}

/** Fails up front, before any key operation, when a port the level needs is not configured. */
export function assertLevelAvailable(level: PadesLevel, ports: LevelPorts): void {
  if (LEVEL_RANK[level] >= 1 && !ports.timestamp) {
    throw new AppError('TSA_UNAVAILABLE', `level ${level} needs a timestamp authority and none is configured`);
  }
  if (LEVEL_RANK[level] >= 2 && !ports.revocation) {
    throw new AppError('REVOCATION_UNAVAILABLE', `level ${level} needs revocation data and no source is configured`);
  }
}

/** Timestamps `data` (its hash is the imprint); any failure becomes TSA_UNAVAILABLE unless already a TSA_* code. */
export async function timestampData(port: TimestampPort | undefined, data: Buffer, hash: HashName = 'sha256'): Promise<Buffer> {
  if (!port) throw new AppError('TSA_UNAVAILABLE', 'no timestamp authority is configured');
  const imprint = createHash(hash).update(data).digest();
  return timestampImprint(port, imprint, hash);
}

export async function timestampImprint(port: TimestampPort | undefined, imprint: Buffer, hash: HashName): Promise<Buffer> {
  if (!port) throw new AppError('TSA_UNAVAILABLE', 'no timestamp authority is configured');
  try {
    return await port.timestamp(imprint, hash);
  } catch (cause) {
    if (isAppError(cause) && cause.code.startsWith('TSA_')) throw cause;
    throw new AppError('TSA_UNAVAILABLE', 'the timestamp authority did not answer with a usable token', { cause });
  }
}

/** Certificates inside a TimeStampToken (the TSA's chain, when certReq was honoured). */
export function tokenCertificates(token: Buffer): Buffer[] {
  try {
    return parseCms(token).certificates;
  } catch {
    return [];
  }
}

/**
 * The file a signature was just added to, and that signature's CMS: together they hold the same
 * signatures as the signed output, whose chains are then read without parsing the output again.
 */
export interface PriorSignatures {
  readonly pdf: Buffer;
  readonly cms: Buffer;
}

/**
 * B-LT and B-LTA post-signing steps on a file whose last signature is at `level` B-T already.
 * `chains` are the new signer's chain and its TSA's; the chains of every signature and
 * timestamp already in the file are added, so the /DSS serves all of them (ETSI EN 319 142-1
 * §5.4.2) and an earlier signature is not left at B-T beside a B-LT one.
 */
export async function extendToLevel(
  pdf: Buffer,
  level: PadesLevel,
  chains: Buffer[][],
  at: Date,
  engine: PdfSignatureEngine,
  ports: LevelPorts,
  docTimestampPlaceholder = 16 * 1024,
  prior?: PriorSignatures,
): Promise<Buffer> {
  if (LEVEL_RANK[level] < 2) return pdf;
  if (!ports.revocation) throw new AppError('REVOCATION_UNAVAILABLE', 'no revocation source is configured');
  const pool = [...chains.flat(), ...(ports.certificatePool ?? [])];
  const inFile = prior ? [...documentChains(prior.pdf, engine, pool), ...cmsChains(prior.cms, pool)] : documentChains(pdf, engine, pool);
  const all = [...chains, ...inFile];
  let material;
  try {
    material = await ports.revocation.collect(all, at);
  } catch (cause) {
    if (isAppError(cause, 'REVOCATION_UNAVAILABLE')) throw cause;
    throw new AppError('REVOCATION_UNAVAILABLE', 'revocation data for the signer or the TSA could not be obtained', { cause });
  }
  const certs = dedupe([...all.flat(), ...material.certs]);
  let out = engine.appendDss(pdf, { certs, ocsps: material.ocsps, crls: material.crls });
  if (level === 'B-LTA') out = await addDocumentTimestamp(out, at, engine, ports.timestamp, docTimestampPlaceholder);
  return out;
}

/** Document timestamp (ETSI EN 319 142-1 §5.5, ISO 32000-2 §12.8.5): ETSI.RFC3161 over the byte ranges. */
export async function addDocumentTimestamp(
  pdf: Buffer,
  at: Date,
  engine: PdfSignatureEngine,
  port: TimestampPort | undefined,
  placeholder: number,
): Promise<Buffer> {
  let size = placeholder;
  for (let attempt = 0; ; attempt++) {
    const prepared = engine.prepare(pdf, { placeholderSize: size, signingTime: at, subFilter: 'ETSI.RFC3161' });
    const token = await timestampImprint(port, prepared.digest('sha256'), 'sha256');
    try {
      return prepared.embed(token);
    } catch (err) {
      if (attempt > 0 || !isAppError(err, 'PLACEHOLDER_OVERFLOW')) throw err;
      size = Math.max(size * 2, token.length + 8192);
    }
  }
}

/**
 * Distinct contents, first occurrence kept. Buckets by length and last bytes (a certificate's end
 * is its signature value) so that each buffer is compared in full only with its likely equals:
 * the signers', TSAs' and pool's certificates, several times each, are otherwise compared pairwise.
 */
function dedupe(list: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  const buckets = new Map<string, Buffer[]>();
  for (const b of list) {
    const key = `${b.length}:${b.subarray(-16).toString('latin1')}`;
    const bucket = buckets.get(key);
    if (!bucket) buckets.set(key, [b]);
    else if (bucket.some((x) => x === b || x.equals(b))) continue;
    else bucket.push(b);
    out.push(b);
  }
  return out;
}

/** Chains of every signature and timestamp in `pdf` (signers, their signature-time-stamps' TSAs). */
export function documentChains(pdf: Buffer, engine: PdfSignatureEngine, pool: readonly Buffer[]): Buffer[][] {
  return (engine.signatureContents?.(pdf) ?? []).flatMap((cms) => cmsChains(cms, pool));
}

function cmsChains(cms: Buffer, pool: readonly Buffer[]): Buffer[][] {
  try {
    return ltvChainsFromCms(cms, pool);
  } catch {
    // a /Contents that is not a readable CMS: the verifier reports it; no chain to cover
    return [];
  }
}
