import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppError } from '../../core/errors.js';
import { PdfDict, PdfString } from '../syntax/objects.js';
import type { SecurityHandler, SecurityHandlerFactory } from '../syntax/security.js';

/**
 * The standard (password) security handler, ISO 32000-1 §7.6.3 (R2–R4: RC4 and AES-128) and
 * ISO 32000-2 §7.6.4 (R6: AES-256). Lets the signer open and incrementally update an encrypted
 * file when the caller supplies the user or owner password; new strings and streams are
 * encrypted like the rest of the file. Public-key handlers (Adobe.PubSec) are not supported.
 */

const PAD = Buffer.from('28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a', 'hex');

function md5(...parts: Buffer[]): Buffer {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** RC4 (not offered by OpenSSL 3's default provider, so done here; only for legacy files). */
function rc4(key: Buffer, data: Buffer): Buffer {
  const s = new Uint8Array(256);
  for (let i = 0; i < 256; i++) s[i] = i;
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 255;
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  const out = Buffer.alloc(data.length);
  for (let k = 0, i = 0, j = 0; k < data.length; k++) {
    i = (i + 1) & 255;
    j = (j + s[i]!) & 255;
    [s[i], s[j]] = [s[j]!, s[i]!];
    out[k] = data[k]! ^ s[(s[i]! + s[j]!) & 255]!;
  }
  return out;
}

function aesDecrypt(key: Buffer, data: Buffer): Buffer {
  if (data.length < 16) return Buffer.alloc(0);
  const alg = key.length === 32 ? 'aes-256-cbc' : 'aes-128-cbc';
  const d = createDecipheriv(alg, key, data.subarray(0, 16));
  try {
    return Buffer.concat([d.update(data.subarray(16)), d.final()]);
  } catch {
    const raw = createDecipheriv(alg, key, data.subarray(0, 16)).setAutoPadding(false);
    return Buffer.concat([raw.update(data.subarray(16, 16 + Math.floor((data.length - 16) / 16) * 16)), raw.final()]);
  }
}

function aesEncrypt(key: Buffer, data: Buffer): Buffer {
  const iv = randomBytes(16);
  const c = createCipheriv(key.length === 32 ? 'aes-256-cbc' : 'aes-128-cbc', key, iv);
  return Buffer.concat([iv, c.update(data), c.final()]);
}

function padPassword(pw: Buffer): Buffer {
  return Buffer.concat([pw.subarray(0, 32), PAD]).subarray(0, 32);
}

function str(d: PdfDict, k: string): Buffer {
  const v = d.get(k);
  return v instanceof PdfString ? v.bytes : Buffer.alloc(0);
}

/** ISO 32000-2 §7.6.4.3.4 Algorithm 2.B (R6 hash); R5 uses a single SHA-256. */
function hashR6(pw: Buffer, salt: Buffer, udata: Buffer, r: number): Buffer {
  let k = createHash('sha256').update(pw).update(salt).update(udata).digest();
  if (r === 5) return k;
  for (let i = 0; ; i++) {
    const k1 = Buffer.concat(Array(64).fill(Buffer.concat([pw, k, udata])));
    const c = createCipheriv('aes-128-cbc', k.subarray(0, 16), k.subarray(16, 32)).setAutoPadding(false);
    const e = Buffer.concat([c.update(k1), c.final()]);
    let sum = 0;
    for (let j = 0; j < 16; j++) sum += e[j]!;
    k = createHash(['sha256', 'sha384', 'sha512'][sum % 3]!)
      .update(e)
      .digest();
    if (i >= 63 && e[e.length - 1]! <= i - 31) return k.subarray(0, 32);
  }
}

function decryptKeyR6(intermediate: Buffer, wrapped: Buffer): Buffer {
  const d = createDecipheriv('aes-256-cbc', intermediate, Buffer.alloc(16)).setAutoPadding(false);
  return Buffer.concat([d.update(wrapped.subarray(0, 32)), d.final()]);
}

type Method = 'RC4' | 'AESV2' | 'AESV3' | 'None';

function cryptMethod(enc: PdfDict, which: 'StmF' | 'StrF', v: number): Method {
  if (v < 4) return 'RC4';
  const name = enc.getName(which) ?? 'Identity';
  if (name === 'Identity') return 'None';
  const cf = enc.get('CF');
  const filter = cf instanceof PdfDict ? cf.get(name) : undefined;
  const cfm = filter instanceof PdfDict ? filter.getName('CFM') : undefined;
  if (cfm === 'AESV2') return 'AESV2';
  if (cfm === 'AESV3') return 'AESV3';
  if (cfm === 'V2') return 'RC4';
  if (cfm === 'None' || cfm === undefined) return 'None';
  throw new AppError('PDF_ENCRYPTED', `unsupported crypt filter method /${cfm}`);
}

/** A factory for PdfDocument.open({ security }) that tries `password` as owner, then as user password. */
export function standardSecurity(password: string): SecurityHandlerFactory {
  return (enc: PdfDict, firstId: Buffer): SecurityHandler => {
    if (enc.getName('Filter') !== 'Standard')
      throw new AppError('PDF_ENCRYPTED', `unsupported security handler /${enc.getName('Filter') ?? '?'}`);
    const v = enc.getNumber('V') ?? 0;
    const r = enc.getNumber('R') ?? 0;
    const p = (enc.getNumber('P') ?? 0) | 0;
    const o = str(enc, 'O');
    const u = str(enc, 'U');
    const pw = Buffer.from(password, r >= 5 ? 'utf8' : 'latin1').subarray(0, 127);
    let key: Buffer | undefined;
    let owner = false;
    if (r >= 5) {
      if (hashR6(pw, o.subarray(32, 40), u.subarray(0, 48), r).equals(o.subarray(0, 32))) {
        key = decryptKeyR6(hashR6(pw, o.subarray(40, 48), u.subarray(0, 48), r), str(enc, 'OE'));
        owner = true;
      } else if (hashR6(pw, u.subarray(32, 40), Buffer.alloc(0), r).equals(u.subarray(0, 32))) {
        key = decryptKeyR6(hashR6(pw, u.subarray(40, 48), Buffer.alloc(0), r), str(enc, 'UE'));
      }
    } else if (r >= 2 && r <= 4) {
      const n = r === 2 ? 5 : Math.floor((enc.getNumber('Length') ?? 40) / 8);
      const encryptMetadata = enc.get('EncryptMetadata') !== false;
      // §7.6.3.3 Algorithm 2
      const fileKey = (userPw: Buffer): Buffer => {
        const pBytes = Buffer.alloc(4);
        pBytes.writeInt32LE(p);
        let k = md5(
          padPassword(userPw),
          o.subarray(0, 32),
          pBytes,
          firstId,
          r >= 4 && !encryptMetadata ? Buffer.from([255, 255, 255, 255]) : Buffer.alloc(0),
        );
        if (r >= 3) for (let i = 0; i < 50; i++) k = md5(k.subarray(0, n));
        return k.subarray(0, n);
      };
      // Algorithms 4/5 (user password check)
      const userOk = (k: Buffer): boolean => {
        if (r === 2) return rc4(k, PAD).equals(u.subarray(0, 32));
        let x = rc4(k, md5(PAD, firstId));
        for (let i = 1; i <= 19; i++) x = rc4(Buffer.from(k.map((b) => b ^ i)), x);
        return x.equals(u.subarray(0, 16));
      };
      // Algorithm 7: the owner password decrypts /O into the user password
      let ok = md5(padPassword(pw));
      if (r >= 3) for (let i = 0; i < 50; i++) ok = md5(ok);
      const ownerKey = ok.subarray(0, n);
      let userPw = o.subarray(0, 32);
      if (r === 2) userPw = rc4(ownerKey, userPw);
      else for (let i = 19; i >= 0; i--) userPw = rc4(Buffer.from(ownerKey.map((b) => b ^ i)), userPw);
      const kOwner = fileKey(userPw);
      if (userOk(kOwner)) {
        key = kOwner;
        owner = true;
      } else {
        const kUser = fileKey(pw);
        if (userOk(kUser)) key = kUser;
      }
    } else throw new AppError('PDF_ENCRYPTED', `unsupported standard security revision ${r}`);
    if (!key) throw new AppError('PDF_ENCRYPTED', 'the password does not open this PDF');
    const fileKey = key;
    const strM = cryptMethod(enc, 'StrF', v);
    const stmM = cryptMethod(enc, 'StmF', v);
    // §7.6.2 Algorithm 1: per-object key (not for AES-256, which uses the file key directly)
    const objKey = (num: number, gen: number, aes: boolean): Buffer => {
      const b = Buffer.from([num & 255, (num >> 8) & 255, (num >> 16) & 255, gen & 255, (gen >> 8) & 255]);
      return md5(fileKey, b, aes ? Buffer.from('sAlT', 'latin1') : Buffer.alloc(0)).subarray(0, Math.min(fileKey.length + 5, 16));
    };
    const apply = (m: Method, dir: 'dec' | 'enc', data: Buffer, num: number, gen: number): Buffer => {
      switch (m) {
        case 'None':
          return data;
        case 'RC4':
          return rc4(objKey(num, gen, false), data);
        case 'AESV2':
          return dir === 'dec' ? aesDecrypt(objKey(num, gen, true), data) : aesEncrypt(objKey(num, gen, true), data);
        case 'AESV3':
          return dir === 'dec' ? aesDecrypt(fileKey, data) : aesEncrypt(fileKey, data);
      }
    };
    return {
      owner,
      permissions: p,
      decryptString: (d, num, gen) => apply(strM, 'dec', d, num, gen),
      encryptString: (d, num, gen) => apply(strM, 'enc', d, num, gen),
      decryptStream: (d, num, gen) => apply(stmM, 'dec', d, num, gen),
      encryptStream: (d, num, gen) => apply(stmM, 'enc', d, num, gen),
    };
  };
}
