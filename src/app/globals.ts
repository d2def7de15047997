import { webcrypto } from 'node:crypto';
import * as pkijs from 'pkijs';

let installed = false;

/**
 * pkijs keeps a process-global crypto engine. Library code must not set it (docs/architecture.md,
 * "what not to copy"), so the wiring does, once, with Node's WebCrypto.
 */
export function installCryptoEngine(): void {
  if (installed) return;
  installed = true;
  pkijs.setEngine(
    'node-webcrypto',
    new pkijs.CryptoEngine({
      name: 'node-webcrypto',
      crypto: webcrypto as unknown as ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'],
    }),
  );
}
