// /v1/auth/keys: the caller's own API keys, scoped, shown once, revocable.
import { createRoute, z } from '@hono/zod-openapi';
import type { ApiKeys, ApiKeyView } from '../../auth/api-keys.ts';
import { SCOPES } from '../../auth/principal.ts';
import type { App } from '../context.ts';
import { jsonContent, problemResponses } from '../schemas.ts';

const KeyJson = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(z.enum(SCOPES)),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable().openapi({ description: 'To the minute' }),
  })
  .openapi('ApiKey');
const NewKeyBody = z
  .object({ name: z.string().max(100), scopes: z.array(z.string()).max(10) })
  .openapi({ example: { name: 'camera uploads', scopes: ['images:write', 'read'] } });

const keyJson = (k: ApiKeyView) => ({
  ...k,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
});

export function registerApiKeyRoutes(app: App, keys: ApiKeys): void {
  const tags = ['Accounts'];
  const security = [{ bearer: [] }];
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/keys',
      tags,
      summary: `Make an API key for yourself, with scopes (${SCOPES.join(', ')}); the key is shown this once`,
      description:
        'Send it as `X-API-Key`. It acts as you, with your role, within its scopes: `read` for GETs, ' +
        '`images:write` for uploads and changes to images and groups, `jobs:write` for enhancements, ' +
        '`imports:write` for imports, `admin` (administrators only) for everything.',
      security,
      request: { body: { required: true, content: { 'application/json': { schema: NewKeyBody } } } },
      responses: {
        201: jsonContent(KeyJson.extend({ key: z.string() }), 'The key, with its secret'),
        ...problemResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const made = await keys.create(c.get('caller'), c.req.valid('json'));
      return c.json({ ...keyJson(made), key: made.key }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/auth/keys',
      tags,
      summary: 'Your API keys (without their secrets), with when each was last used',
      security,
      responses: {
        200: jsonContent(z.object({ items: z.array(KeyJson) }), 'Your keys'),
        ...problemResponses(401, 403),
      },
    }),
    async (c) => c.json({ items: (await keys.list(c.get('caller'))).map(keyJson) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/auth/keys/{id}',
      tags,
      summary: 'Revoke one of your API keys: it is refused from the next request on',
      security,
      request: { params: z.object({ id: z.string().min(1).max(64) }) },
      responses: { 204: { description: 'Revoked' }, ...problemResponses(401, 403, 404) },
    }),
    async (c) => {
      await keys.revoke(c.get('caller'), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );
}
