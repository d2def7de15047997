import { AppError } from '../core/errors.js';
import { readDer } from '../core/der-reader.js';
import { ltvChainsFromCms } from '../cms/ltv-material.js';
import { extendToLevel, type LevelPorts } from './pades-levels.js';
import type { PdfSignatureEngine } from './signing-ports.js';

/** Where one signature or document timestamp of the file sits, as the verifier's integrity check found it. */
export interface SignaturePlacement {
  readonly byteRange?: readonly number[] | null | undefined;
  readonly byteRangeValid: boolean;
}

/**
 * B-LTA upkeep (ETSI EN 319 142-1 §6.3): a new /DSS with current validation material for every
 * signature and timestamp in the file, then a new archive document timestamp, both appended as
 * incremental updates — existing bytes are never rewritten, so a file stays verifiable after
 * its last timestamp's certificate expires. Refuses without a TSA (TSA_UNAVAILABLE) and a file
 * with no readable signature (VALIDATION_FAILED).
 */
export async function extendToArchive(
  pdf: Buffer,
  o: {
    readonly signatures: readonly SignaturePlacement[];
    /** CA certificates to complete chains the CMS does not carry (our hierarchy). */
    readonly caCertificates: readonly Buffer[];
    readonly at: Date;
    readonly engine: PdfSignatureEngine;
    readonly ports: LevelPorts;
  },
): Promise<Buffer> {
  if (!o.ports.timestamp) throw new AppError('TSA_UNAVAILABLE', 'no timestamp authority is configured (run kyso init)');
  const cmsList = o.signatures.flatMap((s) => signatureContents(pdf, s) ?? []);
  if (cmsList.length === 0) throw new AppError('VALIDATION_FAILED', 'the file has no readable signature or timestamp to extend');
  const chains = cmsList.flatMap((cms) => ltvChainsFromCms(cms, o.caCertificates));
  return extendToLevel(pdf, 'B-LTA', chains, o.at, o.engine, o.ports);
}

/** The DER CMS in a signature's /Contents, or undefined when its byte range or contents are unreadable (the verifier reports those). */
function signatureContents(pdf: Buffer, s: SignaturePlacement): Buffer | undefined {
  const br = s.byteRange;
  if (!s.byteRangeValid || !br || br.length !== 4) return undefined;
  const [a, b, c] = br as [number, number, number, number];
  // The gap between the two byte ranges is `<hex…>`: the /Contents string (ISO 32000-1 §12.8.1).
  const hex = pdf.subarray(a + b + 1, c - 1).toString('latin1');
  if (!/^[0-9A-Fa-f]*$/.test(hex)) return undefined;
  const raw = Buffer.from(hex, 'hex');
  try {
    const node = readDer(raw, 0, 'CMS_MALFORMED');
    return Buffer.from(raw.subarray(0, node.raw.length));
  } catch {
    return undefined;
  }
}
