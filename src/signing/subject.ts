import { certificateInfo } from '../cms/certificate-info.js';
import { children, decodeOid, readDer } from '../core/der-reader.js';
import { OID } from '../core/oids.js';

const OIDS = { CN: OID.commonName, O: OID.organizationName, OU: OID.organizationalUnitName } as const;
const cache = new WeakMap<Buffer, Map<string, string>>();

/**
 * One attribute of the certificate subject (first occurrence), e.g. CN or O, decoded from
 * UTF8String/PrintableString/BMPString (RFC 5280 §4.1.2.6). Cached per certificate Buffer.
 */
export function subjectField(der: Buffer, field: keyof typeof OIDS): string | undefined {
  let fields = cache.get(der);
  if (!fields) {
    fields = new Map();
    try {
      const name = readDer(certificateInfo(der, 'SIGNER_CERT_INVALID').subject, 0, 'SIGNER_CERT_INVALID');
      for (const rdn of children(name, 'SIGNER_CERT_INVALID')) {
        for (const atv of children(rdn, 'SIGNER_CERT_INVALID')) {
          const [type, value] = children(atv, 'SIGNER_CERT_INVALID');
          if (!type || !value) continue;
          const oid = decodeOid(type, 'SIGNER_CERT_INVALID');
          if (fields.has(oid)) continue;
          fields.set(oid, value.tag === 0x1e ? utf16be(value.content) : value.content.toString(value.tag === 0x0c ? 'utf8' : 'latin1'));
        }
      }
    } catch {
      // an unreadable subject simply has no fields
    }
    cache.set(der, fields);
  }
  return fields.get(OIDS[field]);
}

function utf16be(b: Buffer): string {
  const le = Buffer.alloc(b.length - (b.length % 2));
  for (let i = 0; i + 1 < b.length; i += 2) {
    le[i] = b[i + 1]!;
    le[i + 1] = b[i]!;
  }
  return le.toString('utf16le');
}
