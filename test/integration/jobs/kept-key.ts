import type { KysoContext } from '../../../src/app/context.js';
import { createPki } from '../../../src/app/pki.js';

/**
 * An official's certificate issued with a server-generated key the service keeps (the key a
 * server-held credential or a keystore signer uses), and its chain up to the root, leaf first.
 */
export async function issueKeptKey(
  ctx: KysoContext,
  o: { commonName: string; cccd: string; generate: { type: 'rsa'; bits: 2048 } | { type: 'ec'; curve: 'P-256' } },
): Promise<{ keyUri: string; certificates: Buffer[] }> {
  const issued = await createPki(ctx).issuance.issue(
    { id: 'test-admin', role: 'admin' },
    {
      profile: 'individual',
      subject: { commonName: o.commonName, uids: [`CCCD:${o.cccd}`] },
      key: { pkcs12Password: 'unused-p12', generate: o.generate, keepKey: true },
    },
  );
  const cert = (await ctx.store.certificates.findById(issued.certificate.id))!;
  const certificates = [cert.der!];
  for (let caId: string | null = cert.caId; caId;) {
    const ca: { certificateDer: Buffer; parentId: string | null } = (await ctx.store.cas.get(caId))!;
    certificates.push(ca.certificateDer);
    caId = ca.parentId;
  }
  return { keyUri: cert.keyUri!, certificates };
}

/** A CCCD number for a test official: a valid province code and birth year, a random tail. */
export function randomCccd(): string {
  return `0221980${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
}
