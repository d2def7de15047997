import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { AppError } from '../core/errors.js';
import type { KeySpec } from './key-store.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * A new private key of `spec` (RSA 2048/3072/4096 with e = 65537, or EC P-256/P-384), generated
 * off the event loop. The key stores seal it; a subscriber key delivered once as PKCS#12 stays in
 * memory only.
 */
export async function generatePrivateKey(spec: KeySpec): Promise<KeyObject> {
  if (spec.type === 'rsa') {
    if (![2048, 3072, 4096].includes(spec.bits)) throw new AppError('KEY_ALGORITHM_UNSUPPORTED', 'RSA keys are 2048, 3072 or 4096 bits');
    return (await generateKeyPairAsync('rsa', { modulusLength: spec.bits, publicExponent: 0x10001 })).privateKey;
  }
  if (spec.type === 'ec' && (spec.curve === 'P-256' || spec.curve === 'P-384'))
    return (await generateKeyPairAsync('ec', { namedCurve: spec.curve })).privateKey;
  throw new AppError('KEY_ALGORITHM_UNSUPPORTED', 'unsupported key specification');
}
