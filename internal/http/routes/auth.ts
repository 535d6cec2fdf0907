// /v1/auth: registration, login, refresh, logout and the caller's own account. These routes authenticate
// by their bodies (a password, a refresh token), not by X-API-Key; /me needs a bearer access token.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Accounts, Session } from '../../auth/accounts.ts';
import { ROLES, emailKey } from '../../auth/accounts.ts';
import type { LoginThrottle } from '../../auth/login-throttle.ts';
import { TooManyRequestsError, UnauthorizedError } from '../../errors/errors.ts';
import type { App, AppEnv } from '../context.ts';
import { SESSION_OR_KEY, jsonContent, problemResponses, queryObject } from '../schemas.ts';

export const CredentialsBody = z
  .object({ email: z.string().max(254), password: z.string().max(1024) })
  .openapi({ example: { email: 'ana@example.com', password: 'a long enough passphrase' } });
const RefreshBody = z
  .object({ refreshToken: z.string().max(200) })
  .openapi({ example: { refreshToken: 'pfr_…' } });

const RoleBody = z
  .object({ role: z.enum(ROLES, { error: `role must be one of ${ROLES.join(', ')}` }) })
  .strict()
  .openapi({ example: { role: 'reviewer' } });
const UsersQuery = queryObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  after: z.string().max(64).optional().openapi({ description: 'The `next` of the previous page' }),
});

export const User = z
  .object({
    id: z.string(),
    email: z.string(),
    role: z.enum(['admin', 'reviewer', 'user']),
    createdAt: z.string(),
  })
  .openapi('User');
const SessionJson = z
  .object({
    accessToken: z
      .string()
      .openapi({ description: 'Send as `Authorization: Bearer …`; valid for 15 minutes' }),
    accessTokenExpiresAt: z.string(),
    refreshToken: z
      .string()
      .openapi({ description: 'Shown once; trade it at /v1/auth/refresh for a new pair' }),
    refreshTokenExpiresAt: z.string(),
    user: User,
  })
  .openapi('Session');

export const userJson = (u: Session['user']) => ({ ...u, createdAt: u.createdAt.toISOString() });
const sessionJson = (s: Session) => ({
  accessToken: s.accessToken,
  accessTokenExpiresAt: s.accessTokenExpiresAt.toISOString(),
  refreshToken: s.refreshToken,
  refreshTokenExpiresAt: s.refreshTokenExpiresAt.toISOString(),
  user: userJson(s.user),
});

/** The client's address as the socket has it (a proxy in front should be trusted explicitly, not here). */
export const addressOf = (c: Context<AppEnv>) => c.env?.incoming?.socket.remoteAddress ?? 'unknown';

/** Logs in, refused with 429 while the account or the address has too many recent failures. */
export async function throttledLogin(
  c: Context<AppEnv>,
  accounts: Accounts,
  throttle: LoginThrottle,
  body: { email: string; password: string },
): Promise<Session> {
  const account = emailKey(body.email);
  const address = addressOf(c);
  const wait = throttle.retryAfter(account, address);
  if (wait > 0) throw new TooManyRequestsError(`too many failed logins: try again in ${wait} s`, wait);
  try {
    const session = await accounts.login(body);
    throttle.succeeded(account);
    return session;
  } catch (err) {
    if (err instanceof UnauthorizedError) throttle.failed(account, address);
    throw err;
  }
}

export function registerAuthRoutes(app: App, accounts: Accounts, throttle: LoginThrottle): void {
  const tags = ['Accounts'];
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/register',
      tags,
      summary: 'Create an account (role user); passwords need 12 characters and must not contain the e-mail',
      request: { body: { required: true, content: { 'application/json': { schema: CredentialsBody } } } },
      responses: { 201: jsonContent(User, 'The account'), ...problemResponses(400, 409) },
    }),
    async (c) => c.json(userJson(await accounts.register(c.req.valid('json'))), 201),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/login',
      tags,
      summary: 'Log in: an access token and a refresh token (429 with Retry-After after repeated failures)',
      request: { body: { required: true, content: { 'application/json': { schema: CredentialsBody } } } },
      responses: { 200: jsonContent(SessionJson, 'The session'), ...problemResponses(400, 401, 429) },
    }),
    async (c) => c.json(sessionJson(await throttledLogin(c, accounts, throttle, c.req.valid('json'))), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/refresh',
      tags,
      summary: 'Trade a refresh token for a new pair; a token used twice ends every session of its login',
      request: { body: { required: true, content: { 'application/json': { schema: RefreshBody } } } },
      responses: { 200: jsonContent(SessionJson, 'The new session'), ...problemResponses(400, 401) },
    }),
    async (c) => c.json(sessionJson(await accounts.refresh(c.req.valid('json').refreshToken)), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/logout',
      tags,
      summary: 'End the login the refresh token belongs to (every token of it); logging out twice is fine',
      request: { body: { required: true, content: { 'application/json': { schema: RefreshBody } } } },
      responses: { 204: { description: 'Logged out' }, ...problemResponses(400) },
    }),
    async (c) => {
      await accounts.logout(c.req.valid('json').refreshToken);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/auth/me',
      tags,
      summary: 'The account of the bearer token',
      security: [{ bearer: [] }],
      responses: { 200: jsonContent(User, 'The account'), ...problemResponses(401) },
    }),
    async (c) => {
      const { actor } = c.get('caller');
      if (!actor.startsWith('user:'))
        throw new UnauthorizedError('send Authorization: Bearer <access token>');
      return c.json(userJson(await accounts.me(actor.slice('user:'.length))), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/auth/users',
      tags,
      summary: 'Every account, in creation order (administrators)',
      security: SESSION_OR_KEY,
      request: { query: UsersQuery },
      responses: {
        200: jsonContent(
          z.object({ items: z.array(User), next: z.string().nullable() }),
          'A page of accounts',
        ),
        ...problemResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { limit, after } = c.req.valid('query');
      const users = await accounts.users(c.get('caller'), { limit: limit + 1, ...(after ? { after } : {}) });
      const items = users.slice(0, limit).map(userJson);
      return c.json({ items, next: users.length > limit ? items[items.length - 1]!.id : null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/auth/users/{id}/role',
      tags,
      summary: 'Grant an account a role (administrators); it applies from its next login or refresh',
      security: SESSION_OR_KEY,
      request: {
        params: z.object({ id: z.string().min(1).max(64) }),
        body: { required: true, content: { 'application/json': { schema: RoleBody } } },
      },
      responses: { 200: jsonContent(User, 'The account'), ...problemResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { role } = c.req.valid('json');
      return c.json(userJson(await accounts.setRole(c.get('caller'), c.req.valid('param').id, role)), 200);
    },
  );
}
