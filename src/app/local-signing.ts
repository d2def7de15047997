import { systemClock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { UNRECORDED_AUDIT_LOG } from '../audit/unrecorded-audit-log.js';
import { createHttpTimestampClient } from '../cms/tsa-http-client.js';
import { createHttpRevocationFetcher, revocationSourceFrom } from '../cms/revocation-http.js';
import { parsePkcs11Uri } from '../keys/pkcs11-uri.js';
import type { KeyStore } from '../keys/key-store.js';
import { createPdfSignatureEngine } from '../signing/default-engine.js';
import { revocationPortFromSource, timestampPortFromClient } from '../signing/cms-adapters.js';
import { MemorySignSessionRepository } from '../signing/memory-repositories.js';
import { SignService } from '../signing/sign-service.js';
import type { SignOptions, SignerSource } from '../signing/types.js';

/**
 * Signing on an official's workstation: no data directory, no database, no master key. The key
 * is a PKCS#12 file or a PKCS#11 token (the USB tokens Vietnamese CAs issue); the timestamp comes
 * from a remote TSA over RFC 3161 HTTP; B-LT material (OCSP, CRLs) is fetched from the URLs in
 * the certificates (AIA, CRL distribution points). Nothing is written but the signed output the
 * caller writes.
 */
export interface WorkstationSigning {
  /** RFC 3161 TSA URL (`--tsa` or KYSO_TSA_URL); without it B-T and above fail with TSA_UNAVAILABLE. */
  readonly tsaUrl?: string | undefined;
  /** Extra certificates (issuing CAs) for the CMS certificate set and LTV, e.g. from `--chain`. */
  readonly extraCertificates?: readonly Buffer[];
}

export interface TokenKey {
  /** RFC 7512 URI naming the token and the private key (object label or id). */
  readonly uri: string;
  readonly pin: string;
  /** The vendor's PKCS#11 module (OpenSC, SoftHSM2, a token vendor's library). */
  readonly modulePath: string;
}

/** Signs with a signer source the caller resolved (PKCS#12 bytes) or a token key opened here. */
export async function signOnWorkstation(
  pdf: Buffer,
  options: Omit<SignOptions, 'signer'>,
  key: { readonly pkcs12: Buffer; readonly password: string } | { readonly token: TokenKey },
  o: WorkstationSigning = {},
): Promise<Buffer[]> {
  if ('pkcs12' in key) {
    return service(o).signChunks(pdf, { ...options, signer: { kind: 'pkcs12', pkcs12: key.pkcs12, password: key.password } });
  }
  const { Pkcs11KeyStore } = await import('../keys/adapters/pkcs11-key-store.js');
  const uri = parsePkcs11Uri(key.token.uri);
  if (!uri?.token)
    throw new AppError('VALIDATION_FAILED', '--pkcs11 needs an RFC 7512 URI naming the token, e.g. pkcs11:token=LABEL;object=KEY');
  const token = await Pkcs11KeyStore.open({ modulePath: key.token.modulePath, tokenLabel: uri.token, pin: key.token.pin });
  try {
    const keyUri = uri.object !== undefined || uri.id !== undefined ? key.token.uri : onlyKey(token.privateKeyUris());
    const certificates = [...(await token.certificateChainFor(keyUri)), ...(o.extraCertificates ?? [])];
    const signer: SignerSource = { kind: 'keystore', keyUri, certificates };
    return await service(o, token).signChunks(pdf, { ...options, signer });
  } finally {
    token.close();
  }
}

/** A token holding one key needs no object name; with several, the URI must say which. */
function onlyKey(uris: readonly string[]): string {
  if (uris.length === 1) return uris[0]!;
  throw new AppError(
    'KEY_NOT_FOUND',
    uris.length === 0 ? 'the token holds no private key' : `the token holds ${uris.length} keys; name one with object= or id= in the URI`,
    { details: { keys: uris } },
  );
}

function service(o: WorkstationSigning, keyStore?: KeyStore): SignService {
  return new SignService({
    engine: createPdfSignatureEngine(),
    clock: systemClock,
    audit: UNRECORDED_AUDIT_LOG,
    sessions: new MemorySignSessionRepository(),
    ...(keyStore ? { keyStore } : {}),
    ...(o.tsaUrl ? { timestamp: timestampPortFromClient(createHttpTimestampClient({ url: o.tsaUrl })) } : {}),
    revocation: revocationPortFromSource(revocationSourceFrom(createHttpRevocationFetcher())),
  });
}
