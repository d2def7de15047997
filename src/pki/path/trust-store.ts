/**
 * Trust anchors for validation (ETSI EN 319 102-1 §5.2.6 "trust anchor"): our own CA
 * certificates, the PEM/DER files in certs/, and any files passed with --trust. A value, so a
 * validation run can never change what is trusted.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pemDecodeAll } from '../../core/bytes.js';
import { tryCertInfo, type CertInfo } from './cert.js';

export interface TrustStore {
  readonly anchors: readonly CertInfo[];
}

/** Builds a store from DER certificates or PEM text (several blocks allowed). Unparseable items are skipped. */
export function createTrustStore(items: readonly (Buffer | string)[]): TrustStore {
  const anchors: CertInfo[] = [];
  const seen = new Set<string>();
  for (const it of items) {
    const ders =
      typeof it === 'string'
        ? pemDecodeAll(it, 'CERTIFICATE')
        : it.subarray(0, 11).toString('latin1').includes('-----BEGIN')
          ? pemDecodeAll(it.toString('latin1'), 'CERTIFICATE')
          : [it];
    for (const d of ders) {
      const c = tryCertInfo(d);
      if (c && !seen.has(c.sha256)) {
        seen.add(c.sha256);
        anchors.push(c);
      }
    }
  }
  return Object.freeze({ anchors: Object.freeze(anchors) });
}

/** Reads anchors from files and from every .pem/.crt/.cer/.der file in the given directories. */
export function loadTrustStore(o: {
  dirs?: readonly string[];
  files?: readonly string[];
  certs?: readonly (Buffer | string)[];
}): TrustStore {
  const items: (Buffer | string)[] = [...(o.certs ?? [])];
  for (const dir of o.dirs ?? []) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names.sort()) {
      const p = join(dir, n);
      if (/\.(pem|crt|cer|der)$/i.test(n) && statSync(p).isFile()) items.push(readFileSync(p));
    }
  }
  for (const f of o.files ?? []) items.push(readFileSync(f));
  return createTrustStore(items);
}

export const EMPTY_TRUST_STORE: TrustStore = Object.freeze({ anchors: Object.freeze([]) });

export function isAnchor(trust: TrustStore, c: CertInfo): boolean {
  return trust.anchors.some((a) => a.sha256 === c.sha256 || (a.subjectDer.equals(c.subjectDer) && a.spki.equals(c.spki)));
}
