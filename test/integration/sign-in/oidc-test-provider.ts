import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/**
 * A real OpenID provider (oidc-provider) on 127.0.0.1 for the sign-in tests. Its interaction
 * step signs in whoever the test named in `nextUser` (no form): the login and the consent are
 * granted programmatically through the provider's own interaction API.
 */
export interface TestUser {
  readonly sub: string;
  readonly claims: Record<string, unknown>;
}

export interface TestProvider {
  readonly issuer: string;
  /** Call once the relying party's redirect URI is known. */
  configure(o: { clientId: string; clientSecret: string; redirectUri: string; users: readonly TestUser[] }): void;
  nextUser: string;
  close(): Promise<void>;
}

export async function startTestProvider(): Promise<TestProvider> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => {
    if (!handler) {
      res.statusCode = 503;
      res.end();
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tp: TestProvider = {
    issuer,
    nextUser: '',
    configure(o) {
      const users = new Map(o.users.map((u) => [u.sub, u]));
      const claimNames = [...new Set(o.users.flatMap((u) => Object.keys(u.claims)))];
      const provider = new Provider(issuer, {
        clients: [
          {
            client_id: o.clientId,
            client_secret: o.clientSecret,
            redirect_uris: [o.redirectUri],
            grant_types: ['authorization_code'],
            response_types: ['code'],
            token_endpoint_auth_method: 'client_secret_basic',
          },
        ],
        claims: { openid: ['sub'], profile: claimNames },
        findAccount: async (_ctx: unknown, sub: string) => {
          const u = users.get(sub);
          if (!u) return undefined;
          return { accountId: sub, claims: async () => ({ sub, ...u.claims }) };
        },
        features: { devInteractions: { enabled: false } },
        interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
        pkce: { required: () => true },
      });
      const callback = provider.callback();
      handler = (req, res) => {
        if (req.url?.startsWith('/interaction/')) {
          void (async () => {
            const details = await provider.interactionDetails(req, res);
            const accountId = tp.nextUser;
            const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
            grant.addOIDCScope(String(details.params.scope));
            const grantId = await grant.save();
            await provider.interactionFinished(
              req,
              res,
              { login: { accountId }, consent: { grantId } },
              { mergeWithLastSubmission: false },
            );
          })().catch((e: unknown) => {
            res.statusCode = 500;
            res.end(String(e));
          });
          return;
        }
        callback(req, res);
      };
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  return tp;
}
