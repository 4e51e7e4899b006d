import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { Type } from 'typebox';
import type { Platform } from '../../../platform/platform.ts';
import { toAppError } from '../../../platform/problem.ts';
import { TenantParams, Timestamp, Uuid, withProblems } from '../../../platform/schemas.ts';
import { callerOf, tenantScopeHook } from '../../../platform/tenant-scope.ts';
import { hashToken } from '../../../platform/tokens.ts';
import { runBulk } from './scim.bulk.ts';
import {
  findSchemaId,
  MAX_PAYLOAD_BYTES,
  resourceTypeResource,
  resourceTypes,
  schemaResource,
  schemaResources,
  serviceProviderConfig,
} from './scim.discovery.ts';
import { ScimErrors, toScimError } from './scim.errors.ts';
import { member } from './scim.evaluate.ts';
import { LIST_RESPONSE, RESOURCE_TYPES } from './scim.schema.ts';
import * as scim from './scim.service.ts';

/**
 * SCIM 2.0 at /scim/v2, for identity providers: the tenant comes from the bearer token and only
 * from it. Bodies are `application/scim+json` (plain JSON is accepted too), every error is a SCIM
 * error, and writes answer with the resource and its ETag.
 */
const SCIM_TYPE = 'application/scim+json; charset=utf-8';
/** Refresh a token's last activity at most this often, so provisioning does not write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

declare module 'fastify' {
  interface FastifyRequest {
    scimCaller: scim.ScimCaller | null;
  }
}

interface TokenRow {
  id: string;
  tenantId: string;
  name: string;
  ceiling: string[];
  lastUsedAt: Date | null;
  tenantKind: 'provider' | 'customer';
  tenantParentId: string | null;
  tenantName: string;
  tenantSlug: string;
}

const TOKEN_SQL = `
  select t.id, t.tenant_id as "tenantId", t.name, t.ceiling, t.last_used_at as "lastUsedAt",
         tn.kind as "tenantKind", tn.parent_id as "tenantParentId", tn.name as "tenantName", tn.slug as "tenantSlug"
    from scim_tokens t join tenants tn on tn.id = t.tenant_id and tn.status = 'active'
   where t.token_hash = $1 and t.revoked_at is null`;

/**
 * Refused bearer tokens per client address within a minute. Tokens are 256 random bits, so guessing
 * is hopeless; this answers a misconfigured connector or a scanner with 429 and a Retry-After once it
 * has been refused too often, instead of an endless stream of 401s, and never slows a request whose
 * token is good (an identity provider behind the same address keeps working). Per process, in
 * memory: a restart forgets, which is fine for a brake.
 */
export class RefusedTokenBrake {
  private readonly hits = new Map<string, { count: number; since: number }>();
  private readonly maxPerMinute: number;
  private readonly now: () => number;
  constructor(maxPerMinute: number, now: () => number) {
    this.maxPerMinute = maxPerMinute;
    this.now = now;
  }

  /** Seconds to wait, or 0 when this address may try. */
  waitFor(ip: string): number {
    const h = this.hits.get(ip);
    if (!h) return 0;
    const elapsed = this.now() - h.since;
    if (elapsed >= 60_000) {
      this.hits.delete(ip);
      return 0;
    }
    return h.count >= this.maxPerMinute ? Math.ceil((60_000 - elapsed) / 1000) : 0;
  }

  refused(ip: string): void {
    const now = this.now();
    const h = this.hits.get(ip);
    if (h && now - h.since < 60_000) h.count++;
    else this.hits.set(ip, { count: 1, since: now });
    if (this.hits.size > 10_000)
      for (const [key, v] of this.hits) if (now - v.since >= 60_000) this.hits.delete(key);
  }
}

async function authenticate(
  platform: Platform,
  brake: RefusedTokenBrake,
  request: FastifyRequest,
): Promise<scim.ScimCaller> {
  const refuse = (why: string) => {
    const wait = brake.waitFor(request.ip);
    if (wait > 0) return ScimErrors.tooManyFailures(wait);
    brake.refused(request.ip);
    request.log.warn({ ip: request.ip, why }, 'SCIM bearer token refused');
    return ScimErrors.unauthenticated();
  };
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  if (!match) throw refuse('no bearer token');
  // one autocommit statement as the owner, like the API token lookup: the token names the tenant
  const result = await platform.pool.query<TokenRow>({
    name: 'rollcall.scim.token',
    text: TOKEN_SQL,
    values: [hashToken(match[1]!)],
  });
  const token = result.rows[0];
  if (!token) throw refuse('unknown, revoked, or its tenant is not active');
  const now = platform.clock.now();
  if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await platform.db
      .executeQuery(
        sql`update scim_tokens set last_used_at = ${now}, last_used_ip = ${request.ip}
             where tenant_id = ${token.tenantId} and id = ${token.id}`.compile(platform.db),
      )
      .catch(() => {});
  }
  const principal = scim.scimPrincipal(token);
  return {
    principal,
    ctx: {
      tenantId: token.tenantId,
      actor: { type: 'scim_token', tokenId: token.id, tenantId: token.tenantId, label: principal.label },
      requestId: request.id,
      ip: request.ip,
      userAgent: request.headers['user-agent']?.slice(0, 512),
      clock: platform.clock,
    },
    base: `${platform.baseUrl}/scim/v2`,
  };
}

function callerOfScim(request: FastifyRequest): scim.ScimCaller {
  if (!request.scimCaller) throw ScimErrors.unauthenticated();
  return request.scimCaller;
}

function send(reply: FastifyReply, status: number, body: unknown) {
  const meta = (body as { meta?: { version?: string; location?: string } } | undefined)?.meta;
  if (meta?.version) reply.header('etag', meta.version);
  if (status === 201 && meta?.location) reply.header('location', meta.location);
  return reply.status(status).type(SCIM_TYPE).send(body);
}

const ifMatch = (request: FastifyRequest) => {
  const h = request.headers['if-match'];
  return typeof h === 'string' ? h : undefined;
};

const ListQuery = Type.Object({
  filter: Type.Optional(Type.String({ maxLength: 4000, description: 'e.g. userName eq "ann@example.com"' })),
  startIndex: Type.Optional(Type.Integer({ description: '1-based; below 1 means 1' })),
  count: Type.Optional(Type.Integer({ description: `Page size, at most ${scim.MAX_COUNT}; 0 counts only` })),
  sortBy: Type.Optional(Type.String({ maxLength: 200 })),
  sortOrder: Type.Optional(Type.String({ description: 'ascending or descending' })),
  attributes: Type.Optional(Type.String({ maxLength: 2000 })),
  excludedAttributes: Type.Optional(Type.String({ maxLength: 2000 })),
});
type ListQuery = {
  filter?: string;
  startIndex?: number;
  count?: number;
  sortBy?: string;
  sortOrder?: string;
  attributes?: string;
  excludedAttributes?: string;
};
const Projection = Type.Object({
  attributes: Type.Optional(Type.String({ maxLength: 2000 })),
  excludedAttributes: Type.Optional(Type.String({ maxLength: 2000 })),
});
const IdParams = Type.Object({ id: Type.String({ maxLength: 200 }) });
const Resource = Type.Unknown({ description: 'A SCIM resource (application/scim+json)' });
const Body = Type.Unknown({ description: 'A SCIM resource, PatchOp, SearchRequest or BulkRequest' });
const ScimError = Type.Unknown({
  description: 'A SCIM error: schemas, status, scimType, detail (and Rollcall’s code)',
});
const responses = (ok: number) => ({
  [ok]: Resource,
  400: ScimError,
  401: ScimError,
  404: ScimError,
  409: ScimError,
  412: ScimError,
});
const security = [{ scimBearer: [] }];

function toQuery(q: ListQuery | Record<string, unknown>): scim.ListQuery {
  const num = (v: unknown) => (v === undefined || v === null ? undefined : Number(v));
  const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
  const out = {
    filter: str(member(q, 'filter')),
    startIndex: num(member(q, 'startIndex')),
    count: num(member(q, 'count')),
    sortBy: str(member(q, 'sortBy')),
    sortOrder: str(member(q, 'sortOrder')),
    attributes: scim.parseAttributeList(member(q, 'attributes')),
    excludedAttributes: scim.parseAttributeList(member(q, 'excludedAttributes')),
  };
  for (const k of ['startIndex', 'count'] as const)
    if (out[k] !== undefined && !Number.isFinite(out[k]))
      throw ScimErrors.invalidValue(`${k} must be a number.`);
  return out;
}

export const scimRoutes: FastifyPluginAsyncTypebox<{ platform: Platform }> = async (app, { platform }) => {
  const tags = ['scim'];
  app.decorateRequest('scimCaller', null);
  app.addContentTypeParser(
    ['application/scim+json'],
    { parseAs: 'string', bodyLimit: MAX_PAYLOAD_BYTES },
    app.getDefaultJsonParser('error', 'ignore'),
  );
  const brake = new RefusedTokenBrake(platform.config.authRateLimitPerMinute, () => Date.now());
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public || request.is404) return;
    request.scimCaller = await authenticate(platform, brake, request);
  });
  app.setErrorHandler((error, request, reply) => {
    const scimError = toScimError(error);
    if (scimError) {
      if (scimError.status === 401) reply.header('www-authenticate', 'Bearer realm="Rollcall SCIM"');
      const retryAfter = (toAppError(error)?.details as { retryAfterSeconds?: number } | undefined)
        ?.retryAfterSeconds;
      if (scimError.status === 429 && retryAfter) reply.header('retry-after', String(retryAfter));
      return send(reply, scimError.status, scimError.body);
    }
    request.log.error({ err: error }, 'unhandled SCIM error');
    return send(reply, 500, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '500',
      detail: 'Something went wrong on our side. The request id identifies it in the server log.',
      code: 'internal',
    });
  });
  app.setNotFoundHandler((request, reply) => {
    const e = toScimError(ScimErrors.notFound(request.url.split('?')[0]!))!;
    return send(reply, e.status, e.body);
  });

  const base = () => `${platform.baseUrl}/scim/v2`;
  const discovery = { public: true };

  app.get(
    '/ServiceProviderConfig',
    {
      config: discovery,
      schema: {
        tags,
        summary: 'SCIM: the features this service provider supports',
        security: [],
        response: { 200: Resource },
      },
    },
    async (_request, reply) => send(reply, 200, serviceProviderConfig(base())),
  );
  app.get(
    '/ResourceTypes',
    {
      config: discovery,
      schema: {
        tags,
        summary: 'SCIM: the resource types (User, Group)',
        security: [],
        response: { 200: Resource },
      },
    },
    async (_request, reply) => {
      const list = resourceTypes(base());
      return send(reply, 200, {
        schemas: [LIST_RESPONSE],
        totalResults: list.length,
        startIndex: 1,
        itemsPerPage: list.length,
        Resources: list,
      });
    },
  );
  app.get(
    '/ResourceTypes/:id',
    {
      config: discovery,
      schema: {
        tags,
        summary: 'SCIM: one resource type',
        security: [],
        params: IdParams,
        response: { 200: Resource, 404: ScimError },
      },
    },
    async (request, reply) => {
      const type = Object.values(RESOURCE_TYPES).find(
        (t) => t.name.toLowerCase() === request.params.id.toLowerCase(),
      );
      if (!type) throw ScimErrors.notFound(request.url);
      return send(reply, 200, resourceTypeResource(type, base()));
    },
  );
  app.get(
    '/Schemas',
    {
      config: discovery,
      schema: {
        tags,
        summary: 'SCIM: the schemas, with every attribute Rollcall keeps',
        security: [],
        response: { 200: Resource },
      },
    },
    async (_request, reply) => {
      const list = schemaResources(base());
      return send(reply, 200, {
        schemas: [LIST_RESPONSE],
        totalResults: list.length,
        startIndex: 1,
        itemsPerPage: list.length,
        Resources: list,
      });
    },
  );
  app.get(
    '/Schemas/:id',
    {
      config: discovery,
      schema: {
        tags,
        summary: 'SCIM: one schema',
        security: [],
        params: IdParams,
        response: { 200: Resource, 404: ScimError },
      },
    },
    async (request, reply) => {
      const id = findSchemaId(request.params.id);
      if (!id) throw ScimErrors.notFound(request.url);
      return send(reply, 200, schemaResource(id, base()));
    },
  );

  for (const [path, type] of [
    ['/Users', 'User'],
    ['/Groups', 'Group'],
  ] as const) {
    const isUser = type === 'User';
    const read = isUser ? 'users.read' : 'groups.read';
    const write = isUser ? 'users.update' : 'groups.manage';
    const list = (caller: scim.ScimCaller, q: scim.ListQuery) =>
      isUser ? scim.listUsers(platform, caller, q) : scim.listGroups(platform, caller, q);

    app.get(
      path,
      {
        config: { permission: read },
        schema: {
          tags,
          summary: `SCIM: list ${type}s with filter, paging, sorting and attributes`,
          security,
          querystring: ListQuery,
          response: responses(200),
        },
      },
      async (request, reply) => send(reply, 200, await list(callerOfScim(request), toQuery(request.query))),
    );
    app.post(
      `${path}/.search`,
      {
        config: { permission: read },
        schema: {
          tags,
          summary: `SCIM: search ${type}s with a SearchRequest body`,
          security,
          body: Body,
          response: responses(200),
        },
      },
      async (request, reply) => {
        if (!request.body || typeof request.body !== 'object')
          throw ScimErrors.invalidSyntax('A search is a SearchRequest object.');
        return send(
          reply,
          200,
          await list(callerOfScim(request), toQuery(request.body as Record<string, unknown>)),
        );
      },
    );
    app.post(
      path,
      {
        config: { permission: isUser ? 'users.create' : 'groups.manage' },
        schema: { tags, summary: `SCIM: create a ${type}`, security, body: Body, response: responses(201) },
      },
      async (request, reply) => {
        const caller = callerOfScim(request);
        const created = isUser
          ? await scim.createUser(platform, caller, request.body)
          : await scim.createGroup(platform, caller, request.body);
        return send(reply, 201, created);
      },
    );
    app.get(
      `${path}/:id`,
      {
        config: { permission: read },
        schema: {
          tags,
          summary: `SCIM: get a ${type} (If-None-Match answers 304)`,
          security,
          params: IdParams,
          querystring: Projection,
          response: { ...responses(200), 304: Type.Null() },
        },
      },
      async (request, reply) => {
        const caller = callerOfScim(request);
        const q = toQuery(request.query);
        const resource = isUser
          ? scim.project(await scim.getUser(platform, caller, request.params.id), RESOURCE_TYPES.User, q)
          : await scim.getGroup(platform, caller, request.params.id, q);
        const version = (resource.meta as { version?: string } | undefined)?.version;
        const none = request.headers['if-none-match'];
        if (
          version &&
          typeof none === 'string' &&
          none.split(',').some((v) => v.trim() === version || v.trim() === '*')
        )
          return reply.status(304).header('etag', version).send();
        return send(reply, 200, resource);
      },
    );
    app.put(
      `${path}/:id`,
      {
        config: { permission: write },
        schema: {
          tags,
          summary: `SCIM: replace a ${type} (If-Match honoured)`,
          security,
          params: IdParams,
          body: Body,
          response: responses(200),
        },
      },
      async (request, reply) => {
        const caller = callerOfScim(request);
        const run = isUser ? scim.replaceUser : scim.replaceGroup;
        return send(
          reply,
          200,
          await run(platform, caller, request.params.id, request.body, ifMatch(request)),
        );
      },
    );
    app.patch(
      `${path}/:id`,
      {
        config: { permission: write },
        schema: {
          tags,
          summary: `SCIM: change a ${type} with a PatchOp (If-Match honoured)`,
          security,
          params: IdParams,
          body: Body,
          response: responses(200),
        },
      },
      async (request, reply) => {
        const caller = callerOfScim(request);
        const run = isUser ? scim.patchUser : scim.patchGroup;
        return send(
          reply,
          200,
          await run(platform, caller, request.params.id, request.body, ifMatch(request)),
        );
      },
    );
    app.delete(
      `${path}/:id`,
      {
        config: { permission: isUser ? 'users.archive' : 'groups.manage' },
        schema: {
          tags,
          summary: isUser
            ? 'SCIM: deprovision a User (removed or archived, per the tenant’s setting)'
            : 'SCIM: delete a Group (its members stay users)',
          security,
          params: IdParams,
          response: { 204: Type.Null(), 400: ScimError, 401: ScimError, 404: ScimError, 412: ScimError },
        },
      },
      async (request, reply) => {
        const caller = callerOfScim(request);
        if (isUser) await scim.deleteUser(platform, caller, request.params.id, ifMatch(request));
        else await scim.deleteGroup(platform, caller, request.params.id, ifMatch(request));
        return reply.status(204).send(null);
      },
    );
  }

  app.post(
    '/Bulk',
    {
      config: { permission: 'users.read' },
      schema: {
        tags,
        summary: 'SCIM: many operations in one request, with bulkId references and failOnErrors',
        security,
        body: Body,
        response: { 200: Resource, 400: ScimError, 401: ScimError, 413: ScimError },
      },
    },
    async (request, reply) => send(reply, 200, await runBulk(platform, callerOfScim(request), request.body)),
  );
};

// ---------------------------------------------------------------- tokens and settings (console API)

const TokenView = Type.Object({
  id: Uuid,
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters, to tell tokens apart' }),
  createdAt: Timestamp,
  createdBy: Type.Union([Type.String(), Type.Null()]),
  lastUsedAt: Type.Union([Timestamp, Type.Null()], { description: 'Last activity (to the minute)' }),
  lastUsedIp: Type.Union([Type.String(), Type.Null()]),
});
const CreatedToken = Type.Object({
  ...TokenView.properties,
  token: Type.String({ description: 'The bearer token, shown only this once' }),
});
const ScimSettings = Type.Object({
  baseUrl: Type.String({ description: 'The SCIM base URL to give the identity provider' }),
  deleteAction: Type.Union([Type.Literal('remove'), Type.Literal('archive')]),
});

export const scimTokenRoutes: FastifyPluginAsyncTypebox<{ platform: Platform }> = async (
  app,
  { platform },
) => {
  const preHandler = tenantScopeHook(platform);
  const tags = ['directory'];
  const base = '/api/v1/tenants/:tenantId';
  const config = { permission: 'directory.manage' };

  app.post(
    `${base}/scim-tokens`,
    {
      preHandler,
      config,
      schema: {
        tags,
        summary: 'Create a SCIM token for an identity provider (shown once, stored hashed)',
        params: TenantParams,
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }) },
          { additionalProperties: false },
        ),
        response: withProblems({ 201: CreatedToken }),
      },
    },
    async (request, reply) =>
      reply.status(201).send(await scim.createToken(platform, callerOf(request), request.body.name)),
  );
  app.get(
    `${base}/scim-tokens`,
    {
      preHandler,
      config,
      schema: {
        tags,
        summary: 'List the SCIM tokens in use, with their last activity',
        params: TenantParams,
        response: withProblems({ 200: Type.Object({ items: Type.Array(TokenView) }) }),
      },
    },
    async (request) => scim.listTokens(platform, callerOf(request)),
  );
  app.delete(
    `${base}/scim-tokens/:tokenId`,
    {
      preHandler,
      config,
      schema: {
        tags,
        summary: 'Revoke a SCIM token at once',
        params: Type.Object({ tenantId: Uuid, tokenId: Uuid }),
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await scim.revokeToken(platform, callerOf(request), request.params.tokenId);
      return reply.status(204).send();
    },
  );
  app.get(
    `${base}/scim-settings`,
    {
      preHandler,
      config,
      schema: {
        tags,
        summary: 'SCIM base URL and what a SCIM DELETE does',
        params: TenantParams,
        response: withProblems({ 200: ScimSettings }),
      },
    },
    async (request) => scim.getSettings(platform, callerOf(request)),
  );
  app.put(
    `${base}/scim-settings`,
    {
      preHandler,
      config,
      schema: {
        tags,
        summary: 'Choose what a SCIM DELETE does to a user: remove or archive',
        params: TenantParams,
        body: Type.Object(
          { deleteAction: Type.Union([Type.Literal('remove'), Type.Literal('archive')]) },
          { additionalProperties: false },
        ),
        response: withProblems({ 200: ScimSettings }),
      },
    },
    async (request) => scim.updateSettings(platform, callerOf(request), request.body),
  );
};
