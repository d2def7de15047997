import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import type { AuditEvent, AuditLog, AuditRecord } from '../../../src/audit/audit-log.js';
import type { KeySpec, KeyRef, KeyStore } from '../../../src/keys/key-store.js';
import { defaultAlgorithmFor, signWithKey, type SignatureAlgorithm, type Signer } from '../../../src/core/signature-algorithms.js';

/** Audit log double that keeps events in memory (records are not hash-chained here). */
export class ArrayAuditLog implements AuditLog {
  readonly events: AuditEvent[] = [];
  async append(event: AuditEvent): Promise<AuditRecord> {
    this.events.push(event);
    return {
      seq: this.events.length,
      time: new Date().toISOString(),
      actor: event.actor,
      role: event.role,
      action: event.action,
      target: event.target ?? null,
      outcome: event.outcome,
      details: event.details ?? null,
      prevHash: '',
      hash: '',
    };
  }
  async list(): Promise<AuditRecord[]> {
    return [];
  }
  async verifyChain(): Promise<never> {
    throw new Error('not in the double');
  }
}

/** KeyStore double over native keys (the real adapter has its own contract tests). */
export class MapKeyStore implements KeyStore {
  readonly schemes = ['mem'] as const;
  readonly keys = new Map<string, KeyObject>();
  signCount = 0;
  add(key: KeyObject): string {
    const uri = `mem:${randomUUID()}`;
    this.keys.set(uri, key);
    return uri;
  }
  async generate(spec: KeySpec): Promise<KeyRef> {
    const { privateKey } =
      spec.type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: spec.bits })
        : generateKeyPairSync('ec', { namedCurve: spec.curve });
    const uri = this.add(privateKey);
    return { uri, publicKeySpki: createPublicKey(privateKey).export({ format: 'der', type: 'spki' }) };
  }
  async importPkcs8(der: Buffer): Promise<KeyRef> {
    const k = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    const uri = this.add(k);
    return { uri, publicKeySpki: createPublicKey(k).export({ format: 'der', type: 'spki' }) };
  }
  async publicKey(uri: string): Promise<Buffer> {
    return createPublicKey(this.#key(uri)).export({ format: 'der', type: 'spki' });
  }
  async signer(uri: string, algorithm?: SignatureAlgorithm): Promise<Signer> {
    const key = this.#key(uri);
    const alg = algorithm ?? defaultAlgorithmFor(key);
    return {
      algorithm: alg,
      publicKeySpki: createPublicKey(key).export({ format: 'der', type: 'spki' }),
      sign: async (d) => {
        this.signCount++;
        return signWithKey(alg, key, d);
      },
    };
  }
  async exportPkcs8(uri: string): Promise<Buffer> {
    return this.#key(uri).export({ format: 'der', type: 'pkcs8' });
  }
  async delete(uri: string): Promise<void> {
    this.keys.delete(uri);
  }
  #key(uri: string): KeyObject {
    const k = this.keys.get(uri);
    if (!k) throw new Error('no key');
    return k;
  }
}

export async function errorCode(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code ?? `not AppError: ${String(e)}`;
  }
}
