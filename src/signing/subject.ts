import { X509Certificate } from 'node:crypto';

/** One attribute of the certificate subject (first occurrence), e.g. CN or O, UTF-8 decoded. */
export function subjectField(der: Buffer, field: 'CN' | 'O' | 'OU'): string | undefined {
  let subject: string;
  try {
    subject = new X509Certificate(der).subject;
  } catch {
    return undefined;
  }
  for (const line of subject.split('\n')) {
    if (line.startsWith(`${field}=`)) return unescape(line.slice(field.length + 1));
  }
  return undefined;
}

/** Node renders non-ASCII as UTF-8 already; only backslash escapes of RFC 4514 specials remain. */
function unescape(v: string): string {
  return v.replace(/\\(.)/g, '$1');
}
