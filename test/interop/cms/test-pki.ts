import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pemDecodeAll } from '../../../src/core/bytes.js';
import { defaultAlgorithmFor, signWithKey, type SignatureAlgorithm, type Signer } from '../../../src/core/signature-algorithms.js';

/**
 * A throw-away PKI made with the openssl CLI (an independent issuer): a root CA, end-entity
 * signers (RSA-2048, P-256, P-384) and a TSA certificate with EKU timeStamping marked critical.
 */
export interface TestIdentity {
  key: KeyObject;
  keyPem: string;
  certPem: string;
  cert: Buffer;
  certPath: string;
}
export interface TestPki {
  dir: string;
  root: TestIdentity;
  rootPath: string;
  issue(name: string, key: 'rsa' | 'p256' | 'p384', ext: string, days?: number): TestIdentity;
}

function newKey(kind: 'rsa' | 'p256' | 'p384'): KeyObject {
  if (kind === 'rsa') return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  return generateKeyPairSync('ec', { namedCurve: kind === 'p256' ? 'P-256' : 'P-384' }).privateKey;
}

function ossl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'kyso-cms-'));
  const rootKey = newKey('rsa');
  const rootKeyPem = rootKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileSync(join(dir, 'root.key'), rootKeyPem);
  writeFileSync(
    join(dir, 'root.cnf'),
    '[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=Kyso Test Root\nO=Kyso Test\nC=VN\n[v3]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n',
  );
  ossl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'root.key',
      '-config',
      'root.cnf',
      '-extensions',
      'v3',
      '-days',
      '3650',
      '-set_serial',
      '1000',
      '-out',
      'root.pem',
    ],
    dir,
  );
  const rootPem = readFileSync(join(dir, 'root.pem'), 'utf8');
  const root: TestIdentity = {
    key: rootKey,
    keyPem: rootKeyPem,
    certPem: rootPem,
    cert: pemDecodeAll(rootPem)[0]!,
    certPath: join(dir, 'root.pem'),
  };
  let serial = 2000;
  return {
    dir,
    root,
    rootPath: root.certPath,
    issue(name, kind, ext, days = 365) {
      const key = newKey(kind);
      const keyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
      writeFileSync(join(dir, `${name}.key`), keyPem);
      writeFileSync(join(dir, `${name}.ext`), `${ext}\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n`);
      ossl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}/O=Kyso Test/C=VN`, '-out', `${name}.csr`], dir);
      ossl(
        [
          'x509',
          '-req',
          '-in',
          `${name}.csr`,
          '-CA',
          'root.pem',
          '-CAkey',
          'root.key',
          '-set_serial',
          String(serial++),
          '-days',
          String(days),
          '-extfile',
          `${name}.ext`,
          '-out',
          `${name}.pem`,
        ],
        dir,
      );
      const certPem = readFileSync(join(dir, `${name}.pem`), 'utf8');
      return { key: createPrivateKey(keyPem), keyPem, certPem, cert: pemDecodeAll(certPem)[0]!, certPath: join(dir, `${name}.pem`) };
    },
  };
}

export function keySigner(id: TestIdentity, algorithm?: SignatureAlgorithm): Signer {
  const alg = algorithm ?? defaultAlgorithmFor(id.key);
  return {
    algorithm: alg,
    publicKeySpki: createPublicKey(id.key).export({ type: 'spki', format: 'der' }),
    sign: async (data) => signWithKey(alg, id.key, data),
  };
}

export function run(cmd: string, args: string[], cwd: string, input?: Buffer): { code: number; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', ...(input ? { input } : {}) });
  return { code: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

export const SIGNER_EXT = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation';
export const TSA_EXT = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping';
