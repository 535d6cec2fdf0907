// /v1/groups and /v1/statistics: group creation, groups with their images, per-status statistics (in all and per day).
import { createRoute } from '@hono/zod-openapi';
import { listOwner, seen } from '../../auth/principal.ts';
import type { App, AppDeps } from '../context.ts';
import {
  AfterQuery,
  DailyStatistics,
  DailyStatisticsQuery,
  GroupBody,
  GroupDetail,
  ImageIdParam,
  GroupCreated,
  GroupPage,
  GroupsQuery,
  Statistics,
  StatisticsQuery,
  jsonContent,
  problemResponses,
} from '../schemas.ts';

export function registerGroupRoutes(app: App, { images, queries }: AppDeps): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/groups',
      summary: 'Create a group (names are unique, case-insensitively)',
      security: [{ apiKey: [] }],
      request: { body: { required: true, content: { 'application/json': { schema: GroupBody } } } },
      responses: { 201: jsonContent(GroupCreated, 'Created'), ...problemResponses(400, 401, 409, 503) },
    }),
    async (c) => {
      const group = await images.createGroup(c.req.valid('json').name, c.get('caller'));
      c.header('Location', `/v1/groups/${group.id}`);
      return c.json({ ...group, createdAt: group.createdAt.toISOString() }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/groups',
      summary: 'Groups, most recently changed first, each with its images',
      description:
        'With `status`, only groups holding images in that status, with only those images; `count` is their number.',
      request: { query: GroupsQuery },
      responses: { 200: jsonContent(GroupPage, 'A page of groups'), ...problemResponses(400) },
    }),
    async (c) => {
      const { status, owner, limit, cursor } = c.req.valid('query');
      const ownerFilter = listOwner(c.get('caller'), owner);
      const page = await queries.groups({
        limit,
        ...(ownerFilter !== undefined ? { owner: ownerFilter } : {}),
        ...(status ? { status } : {}),
        ...(cursor ? { cursor } : {}),
      });
      return c.json(page as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/groups/{id}',
      summary: 'A group and its counters per status',
      request: { params: ImageIdParam, query: AfterQuery },
      responses: { 200: jsonContent(GroupDetail, 'The group'), ...problemResponses(400, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      return c.json(seen(c.get('caller'), await queries.groupDetail(id), 'group', id) as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/statistics',
      summary: 'Images created in the last `days` days (UTC, today included) by current status',
      request: { query: StatisticsQuery },
      responses: {
        200: jsonContent(Statistics, 'Counts per status, zeros included'),
        ...problemResponses(400),
      },
    }),
    async (c) => {
      const { days, owner } = c.req.valid('query');
      return c.json(await queries.statistics(days, new Date(), listOwner(c.get('caller'), owner)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/statistics/daily',
      summary:
        'The same counts for each day of the last `days` days (UTC, oldest first, empty days included)',
      request: { query: DailyStatisticsQuery },
      responses: {
        200: jsonContent(DailyStatistics, 'Counts per status for each day'),
        ...problemResponses(400),
      },
    }),
    async (c) => {
      const { days, owner } = c.req.valid('query');
      const owned = listOwner(c.get('caller'), owner);
      return c.json({ days: await queries.dailyStatistics(days, new Date(), owned) }, 200);
    },
  );
}
