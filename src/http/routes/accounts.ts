import { z } from 'zod';
import { publicAccount, type AccountService } from '../../accounts/account-service.js';
import { API_ROLES } from '../../core/principal.js';
import { requirePrincipal } from '../auth/middleware.js';
import { defineRoute, sendCreated, sendJson, type RouteSpec } from '../route.js';

const AccountView = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(API_ROLES),
  organizationId: z.string().nullable(),
  authorityId: z.string().nullable(),
  officialId: z.string().nullable(),
  kind: z.enum(['local', 'oidc']),
  totp: z.boolean(),
  disabled: z.boolean(),
  lockedUntil: z.string().nullable(),
  createdAt: z.string(),
});

const scopeId = z.string().min(1).max(128);
const CreateAccount = z.strictObject({
  username: z.string().min(2).max(64),
  displayName: z.string().min(1).max(200),
  role: z.enum(API_ROLES),
  organizationId: scopeId.optional(),
  authorityId: scopeId.optional(),
  officialId: scopeId.optional(),
  password: z.string().min(1).max(1024).describe('At least 12 characters; the person changes nothing else here.'),
});
const Id = z.strictObject({ id: z.string().min(1).max(128) });
const NewPassword = z.strictObject({ password: z.string().min(1).max(1024) });

/** Account management (admin only; docs/access-matrix.md). Every change is audited, never the password. */
export function accountRoutes(accounts: AccountService): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/accounts',
      operationId: 'createAccount',
      summary: 'Create a local account for a person (role and scope as for a token).',
      tag: 'accounts',
      auth: ['admin'],
      body: CreateAccount,
      responses: { 201: { description: 'Created', schema: AccountView } },
      async handle({ res, body, principal }) {
        const a = await accounts.create(body, requirePrincipal(principal));
        sendCreated(res, `/api/v1/accounts/${a.id}`, publicAccount(a));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/accounts',
      operationId: 'listAccounts',
      summary: 'List accounts (never a password hash or TOTP secret).',
      tag: 'accounts',
      auth: ['admin'],
      responses: { 200: { description: 'Accounts', schema: z.object({ items: z.array(AccountView) }) } },
      async handle({ res }) {
        sendJson(res, 200, { items: (await accounts.list()).map(publicAccount) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/accounts/:id',
      operationId: 'getAccount',
      summary: 'One account.',
      tag: 'accounts',
      auth: ['admin'],
      params: Id,
      responses: { 200: { description: 'Account', schema: AccountView } },
      async handle({ res, params }) {
        sendJson(res, 200, publicAccount(await accounts.get(params.id)));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/accounts/:id/disable',
      operationId: 'disableAccount',
      summary: 'Disable an account: it cannot sign in and its sessions end at once.',
      tag: 'accounts',
      auth: ['admin'],
      params: Id,
      responses: { 200: { description: 'Account', schema: AccountView } },
      async handle({ res, params, principal }) {
        sendJson(res, 200, publicAccount(await accounts.setDisabled(params.id, true, requirePrincipal(principal))));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/accounts/:id/enable',
      operationId: 'enableAccount',
      summary: 'Enable a disabled account again.',
      tag: 'accounts',
      auth: ['admin'],
      params: Id,
      responses: { 200: { description: 'Account', schema: AccountView } },
      async handle({ res, params, principal }) {
        sendJson(res, 200, publicAccount(await accounts.setDisabled(params.id, false, requirePrincipal(principal))));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/accounts/:id/password',
      operationId: 'resetAccountPassword',
      summary: "An admin sets a new password for a local account; the account's sessions end and its lock is lifted.",
      tag: 'accounts',
      auth: ['admin'],
      params: Id,
      body: NewPassword,
      responses: { 200: { description: 'Account', schema: AccountView } },
      async handle({ res, params, body, principal }) {
        sendJson(res, 200, publicAccount(await accounts.resetPassword(params.id, body.password, requirePrincipal(principal))));
      },
    }),
  ];
}
