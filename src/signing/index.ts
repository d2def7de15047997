/**
 * Public entry of the signing service (PAdES levels per ETSI EN 319 142-1). The HTTP routes and CLI call these.
 */
export { SignService, type SignServiceOptions } from './sign-service.js';
export { CredentialService, type CredentialServiceOptions, type CredentialInfo, type UnlockedCredential } from './credential-service.js';
export { createPdfSignatureEngine, type PdfEngineOptions } from './default-engine.js';
export { timestampPortFromClient, revocationPortFromSource } from './cms-adapters.js';
export { checkSignerCertificate, keyUsageBits, type CertificateStatusPort, type CertificateStatus } from './certificate-checks.js';
export { readPkcs12, keyObjectSigner, type Pkcs12Contents } from './pkcs12-signer.js';
export { newPinVerifier, verifyPin, pinVerifierState, type PinVerifierKey, type PinVerifierState } from './pin-hash.js';
export { certificateStatusFromPki } from './pki-status.js';
export { certificateHoldersFromPki, sealCustodiansFrom, type CertificateHolderPort } from './certificate-holders.js';
export { copySignerFromSigning } from './copy-signer-adapter.js';
export { MemorySignSessionRepository, MemoryCredentialRepository, MemorySigningAuthorizationRepository } from './memory-repositories.js';
export type * from './ports.js';
export type * from './types.js';
export type * from './signing-ports.js';
