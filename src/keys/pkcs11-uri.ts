/**
 * RFC 7512 `pkcs11:` URIs, the subset a key store needs: path attributes `token`, `object`,
 * `id` (raw bytes, every byte percent-encoded, §2.3), `type`, separated by `;`. A query part
 * (e.g. `pin-value`, `module-path`) is parsed but ignored: PINs and module paths come from
 * configuration, never from URIs stored in the database.
 */
export interface Pkcs11Uri {
  readonly token?: string;
  readonly object?: string;
  readonly id?: Buffer;
  readonly type?: string;
}

export function parsePkcs11Uri(uri: string): Pkcs11Uri | undefined {
  if (!/^pkcs11:/i.test(uri)) return undefined;
  const body = uri.slice('pkcs11:'.length).split('?')[0] ?? '';
  const out: { token?: string; object?: string; id?: Buffer; type?: string } = {};
  if (body === '') return out;
  for (const part of body.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const name = part.slice(0, eq).toLowerCase();
    const raw = part.slice(eq + 1);
    let bytes: Buffer;
    try {
      bytes = pctDecode(raw);
    } catch {
      return undefined;
    }
    if (name === 'id') out.id = bytes;
    else if (name === 'token') out.token = bytes.toString('utf8');
    else if (name === 'object') out.object = bytes.toString('utf8');
    else if (name === 'type') out.type = bytes.toString('utf8');
    // other attributes (manufacturer, model, serial, library-*) do not narrow our single token
  }
  return out;
}

export function formatPkcs11Uri(u: Pkcs11Uri): string {
  const parts: string[] = [];
  if (u.token !== undefined) parts.push(`token=${pctText(u.token)}`);
  if (u.object !== undefined) parts.push(`object=${pctText(u.object)}`);
  if (u.id !== undefined) parts.push(`id=${[...u.id].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}`);
  if (u.type !== undefined) parts.push(`type=${pctText(u.type)}`);
  return `pkcs11:${parts.join(';')}`;
}

/** RFC 7512 §2.3 pchar minus ';' '?' '/' and '=' (kept safe for attribute values). */
function pctText(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-._~:[\]@!$'()*+,&]/.test(String.fromCharCode(b)) && b < 0x80
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

function pctDecode(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%') {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(h)) throw new TypeError('bad percent-encoding');
      out.push(parseInt(h, 16));
      i += 2;
    } else out.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(out);
}
