/**
 * A /Contents size for a CMS SignedData (ETSI EN 319 142-1: "size the placeholder from the chain"):
 * the certificates it carries, the signature value, the signed attributes and the ASN.1
 * structure, plus room for a signature time-stamp token (B-T) when one will be added. Rounded up
 * to whole KiB; an overflow is still reported by `embed` (PLACEHOLDER_OVERFLOW) so callers retry
 * with `2 × size` instead of truncating.
 */
export function placeholderSizeFor(o: {
  /** DER certificates the CMS will embed. */
  certificates: readonly Buffer[];
  /** Bytes of the signature value (default 512: RSA-4096). */
  signatureBytes?: number;
  /** Bytes reserved for a timestamp token (default 0; 8192 is ample for a token with its chain). */
  timestampBytes?: number;
  /** Anything else carried in unsigned attributes. */
  extraBytes?: number;
}): number {
  const certs = o.certificates.reduce((n, c) => n + c.length + 8, 0);
  const raw = certs + (o.signatureBytes ?? 512) + 1024 + (o.timestampBytes ?? 0) + (o.extraBytes ?? 0);
  return Math.max(4096, Math.ceil(raw / 1024) * 1024);
}
