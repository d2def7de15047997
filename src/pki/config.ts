import type { KeySpec } from '../keys/key-store.js';

/** Settings the PKI services need; C builds this from src/config (validated there once). */
export interface PkiConfig {
  /** Public base URL of the service, e.g. `http://127.0.0.1:3000` (no trailing slash). */
  readonly baseUrl: string;
  /** Province shown as ST in CA subjects, e.g. 'Quảng Ninh'. */
  readonly province: string;
  /** O of the CA subjects, e.g. 'UBND tỉnh Quảng Ninh'. */
  readonly caOrganization: string;
  /** Certificate policy OIDs put in subscriber and CA certificates (a provincial arc). */
  readonly policyOids: readonly string[];
  readonly cpsUrl?: string;
  /** CA and responder key type. */
  readonly caKeySpec: KeySpec;
  /** Default key type for server-side generated subscriber keys. */
  readonly subscriberKeySpec: KeySpec;
  /** CRL nextUpdate − thisUpdate. */
  readonly crlValidityHours: number;
  /** Regenerate a CRL at least this often (and whenever a status changed). */
  readonly crlRefreshMinutes: number;
  /** OCSP nextUpdate − thisUpdate; cached responses are re-signed when less than a quarter is left. */
  readonly ocspValidityMinutes: number;
  /** Pending issuance rows older than this at recovery become 'failed'. */
  readonly pendingTimeoutMinutes: number;
}

export const DEFAULT_PKI_CONFIG: PkiConfig = Object.freeze({
  baseUrl: 'http://127.0.0.1:3000',
  province: 'Quảng Ninh',
  caOrganization: 'UBND tỉnh Quảng Ninh',
  // 2.16.704 is Viet Nam's joint-iso-itu-t country arc; the sub-arc is a placeholder for the
  // province's registered policy OID and is meant to be replaced by configuration.
  policyOids: ['2.16.704.1.99.1.1'],
  caKeySpec: { type: 'ec', curve: 'P-384' },
  subscriberKeySpec: { type: 'rsa', bits: 2048 },
  crlValidityHours: 24,
  crlRefreshMinutes: 60,
  ocspValidityMinutes: 240,
  pendingTimeoutMinutes: 5,
} satisfies PkiConfig);

/**
 * Public URLs of PKI material (src/http serves these exact paths):
 * CRL `GET /pki/crl/<caId>.crl` (application/pkix-crl), CA certificate `GET /pki/ca/<caId>.crt`
 * (application/pkix-cert), OCSP `POST /pki/ocsp` and `GET /pki/ocsp/<base64>`.
 */
export function pkiUrls(baseUrl: string, caId: string): { crl: string; ocsp: string; caIssuers: string } {
  const base = baseUrl.replace(/\/+$/, '');
  return { crl: `${base}/pki/crl/${caId}.crl`, ocsp: `${base}/pki/ocsp`, caIssuers: `${base}/pki/ca/${caId}.crt` };
}
