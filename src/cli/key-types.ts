import { AppError } from '../core/errors.js';
import type { KeySpec } from '../keys/key-store.js';

/** The `--key-type` names the CLI accepts for server-generated keys. */
export const KEY_TYPES: Readonly<Record<string, KeySpec>> = {
  rsa2048: { type: 'rsa', bits: 2048 },
  rsa3072: { type: 'rsa', bits: 3072 },
  rsa4096: { type: 'rsa', bits: 4096 },
  p256: { type: 'ec', curve: 'P-256' },
  p384: { type: 'ec', curve: 'P-384' },
};

/** The key spec for a `--key-type` name among `types`; KEY_ALGORITHM_UNSUPPORTED names the choices. */
export function keySpecOf(name: string, types: Readonly<Record<string, KeySpec>> = KEY_TYPES): KeySpec {
  const spec = types[name];
  if (!spec) throw new AppError('KEY_ALGORITHM_UNSUPPORTED', `--key-type must be one of ${Object.keys(types).join(', ')}`);
  return spec;
}
