// /v1/auth/session: the web UI's login, kept in HttpOnly cookies so that no script (the page's own included,
// or one injected into it) can read a token or a key. The cookies are SameSite=Strict, Secure over https, and
// the access cookie lives as long as its token (15 minutes); the page refreshes it with the refresh cookie,
// which is sent to /v1/auth/session only. Writes made with cookies must come from the same origin (auth.ts).
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Accounts, Session } from '../../auth/accounts.ts';
import type { LoginThrottle } from '../../auth/login-throttle.ts';
import { TooManyRequestsError, UnauthorizedError, ValidationError } from '../../errors/errors.ts';
import { ACCESS_COOKIE, hashApiKey, KEY_COOKIE } from '../auth.ts';
import type { App, AppEnv } from '../context.ts';
import { jsonContent, problemResponses } from '../schemas.ts';
import { addressOf, CredentialsBody, throttledLogin, User, userJson } from './auth.ts';

const REFRESH_COOKIE = 'pf_refresh';
const SESSION_PATH = '/v1/auth/session';

const SessionBody = z.union([
  CredentialsBody.strict(),
  z.object({ apiKey: z.string().min(1).max(200) }).strict(),
]);

const Caller = z
  .object({
    actor: z.string().openapi({ description: '`user:<id>` or `key:<name>`' }),
    role: z.enum(['admin', 'reviewer', 'user', 'anonymous']),
    user: User.nullable().openapi({ description: 'The account, for a login with an e-mail address' }),
    expiresAt: z.string().nullable().openapi({ description: 'When the access cookie ends (refresh before)' }),
  })
  .openapi('BrowserSession');

export interface BrowserSessionDeps {
  accounts: Accounts;
  throttle: LoginThrottle;
  /** hash → name of the operator keys. */
  apiKeys: Map<string, string>;
}

export function registerBrowserSessionRoutes(app: App, { accounts, throttle, apiKeys }: BrowserSessionDeps) {
  const tags = ['Accounts'];
  const cookie = (c: Context<AppEnv>, maxAgeSeconds?: number, path = '/') => ({
    httpOnly: true,
    sameSite: 'Strict' as const,
    secure: new URL(c.req.url).protocol === 'https:',
    path,
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  });
  const seconds = (until: Date) => Math.max(1, Math.floor((until.getTime() - Date.now()) / 1000));
  const keep = (c: Context<AppEnv>, session: Session) => {
    setCookie(c, ACCESS_COOKIE, session.accessToken, cookie(c, seconds(session.accessTokenExpiresAt)));
    setCookie(
      c,
      REFRESH_COOKIE,
      session.refreshToken,
      cookie(c, seconds(session.refreshTokenExpiresAt), SESSION_PATH),
    );
    deleteCookie(c, KEY_COOKIE, cookie(c));
    return {
      actor: `user:${session.user.id}`,
      role: session.user.role,
      user: userJson(session.user),
      expiresAt: session.accessTokenExpiresAt.toISOString(),
    };
  };
  const forget = (c: Context<AppEnv>) => {
    deleteCookie(c, ACCESS_COOKIE, cookie(c));
    deleteCookie(c, KEY_COOKIE, cookie(c));
    deleteCookie(c, REFRESH_COOKIE, cookie(c, undefined, SESSION_PATH));
  };

  app.openapi(
    createRoute({
      method: 'post',
      path: SESSION_PATH,
      tags,
      summary:
        'Log a browser in (an e-mail and password, or an API key): the session lives in HttpOnly cookies',
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: SessionBody.openapi({
                example: { email: 'ana@example.com', password: 'a long enough passphrase' },
              }),
            },
          },
        },
      },
      responses: { 200: jsonContent(Caller, 'Logged in'), ...problemResponses(400, 401, 429) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      if ('email' in body) return c.json(keep(c, await throttledLogin(c, accounts, throttle, body)), 200);
      // Keys are random and long, but a browser form is still a place to guess them: throttled per address.
      const address = addressOf(c);
      const wait = throttle.retryAfter(`key@${address}`, address);
      if (wait > 0) throw new TooManyRequestsError(`too many wrong keys: try again in ${wait} s`, wait);
      const name = apiKeys.get(hashApiKey(body.apiKey));
      if (!name) {
        throttle.failed(`key@${address}`, address);
        throw new UnauthorizedError('the API key is not valid');
      }
      forget(c);
      // A browser-session cookie (no Max-Age): it ends with the browser, and the key never reaches a script.
      setCookie(c, KEY_COOKIE, body.apiKey, cookie(c));
      return c.json({ actor: `key:${name}`, role: 'admin' as const, user: null, expiresAt: null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: SESSION_PATH,
      tags,
      summary: 'Who the browser (or any caller) is logged in as',
      responses: { 200: jsonContent(Caller, 'The caller'), ...problemResponses(401) },
    }),
    async (c) => {
      const caller = c.get('caller');
      const userId = caller.actor.startsWith('user:') ? caller.actor.slice('user:'.length) : null;
      const user = userId ? userJson(await accounts.me(userId)) : null;
      return c.json({ actor: caller.actor, role: caller.role, user, expiresAt: null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: `${SESSION_PATH}/refresh`,
      tags,
      summary: "Renew the browser's access cookie with its refresh cookie (rotated on every use)",
      responses: { 200: jsonContent(Caller, 'Renewed'), ...problemResponses(401) },
    }),
    async (c) => {
      const token = getCookie(c, REFRESH_COOKIE);
      if (!token) throw new UnauthorizedError('no browser session: log in');
      try {
        return c.json(keep(c, await accounts.refresh(token)), 200);
      } catch (err) {
        if (err instanceof UnauthorizedError || err instanceof ValidationError) forget(c);
        throw err;
      }
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: SESSION_PATH,
      tags,
      summary: 'Log the browser out: its login ends (every token of it) and its cookies are cleared',
      responses: { 204: { description: 'Logged out' } },
    }),
    async (c) => {
      const token = getCookie(c, REFRESH_COOKIE);
      if (token) await accounts.logout(token);
      forget(c);
      return c.body(null, 204);
    },
  );
}
