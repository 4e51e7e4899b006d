import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { accessRoutes } from './modules/access/access.routes.ts';
import { auditRoutes } from './modules/audit/audit.routes.ts';
import { authRoutes } from './modules/auth/auth.routes.ts';
import { mfaRoutes } from './modules/auth/mfa.routes.ts';
import { securityRoutes } from './modules/auth/security.routes.ts';
import { scimRoutes, scimTokenRoutes } from './modules/directory/scim/scim.routes.ts';
import { flowRoutes } from './modules/flows/flows.routes.ts';
import { groupRoutes } from './modules/groups/groups.routes.ts';
import { importRoutes } from './modules/imports/imports.routes.ts';
import { invitationRoutes } from './modules/invitations/invitations.routes.ts';
import { licenseRoutes } from './modules/licenses/licenses.routes.ts';
import { outboxRoutes } from './modules/notifications/outbox.routes.ts';
import { ownershipRoutes } from './modules/ownership/ownership.routes.ts';
import { tenantRoutes } from './modules/tenants/tenants.routes.ts';
import { profileRoutes } from './modules/users/profile.routes.ts';
import { registerImageParsers, userRoutes } from './modules/users/users.routes.ts';
import { webhookRoutes } from './modules/webhooks/webhooks.routes.ts';
import { requirePermission, resolvePrincipal } from './platform/auth.ts';
import { AppError, PlatformErrors } from './platform/errors.ts';
import { createMetrics } from './platform/metrics.ts';
import { pendingMigrations } from './platform/migrate.ts';
import type { Platform } from './platform/platform.ts';
import { errorHandler, problemFromAppError, sendProblem } from './platform/problem.ts';
import { ProblemSchema } from './platform/schemas.ts';

export const CONSOLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/web');

declare module 'fastify' {
  interface FastifyInstance {
    /** Every documented route as `METHOD /path/{param}`: the OpenAPI test checks each is described. */
    routeCatalog: string[];
  }
  interface FastifyContextConfig {
    /** No principal is resolved (sign-in, accepting an invitation). */
    public?: boolean;
    /** A principal is resolved when present but not required (sign-out). */
    optionalAuth?: boolean;
    /** Open to a session that may only change its password (who am I, change password, sign out). */
    allowRestricted?: ReadonlyArray<'password_change' | 'mfa_enrolment'>;
    /** The coarse permission the route needs; services check the fine-grained rules. */
    permission?: string;
  }
}

/**
 * Bodies are validated strictly (a number is not a string, unknown properties are refused); query
 * strings, params and headers arrive as text, so there numbers and booleans are coerced.
 */
function validatorCompiler() {
  const make = (coerceTypes: boolean | 'array') => {
    const ajv = new Ajv({
      removeAdditional: false,
      allErrors: true,
      useDefaults: true,
      coerceTypes,
      strict: false,
    });
    addFormats(ajv);
    return ajv;
  };
  const strict = make(false);
  const coercing = make('array');
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) =>
    (httpPart === 'body' ? strict : coercing).compile(schema);
}

// ajv-formats is CommonJS: under Node's ESM loader its default export is the plugin function itself.
const addFormats = ajvFormats as unknown as typeof ajvFormats.default;

const API_PREFIXES = ['/api/', '/scim/', '/auth/'];

/** The console's mark and name, for the top bar of /docs (instead of the docs library's own logo). */
const DOCS_LOGO = `<svg xmlns="http://www.w3.org/2000/svg" width="190" height="40" viewBox="0 0 190 40">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#4263eb"/><stop offset="1" stop-color="#7048e8"/></linearGradient></defs>
<rect x="2" y="4" width="32" height="32" rx="9" fill="url(#g)"/>
<text x="18" y="26.5" text-anchor="middle" font-family="system-ui,sans-serif" font-size="17" font-weight="800" fill="#fff">R</text>
<text x="44" y="27" font-family="system-ui,sans-serif" font-size="20" font-weight="700" fill="#fff">Rollcall API</text>
</svg>`;

/** `token=…` query values replaced, for anything that writes a URL somewhere people read. */
export function redactSecrets(url: string): string {
  return url.replace(/([?&](?:token|code)=)[^&#]*/gi, '$1[redacted]');
}

/**
 * The whole HTTP surface, wired explicitly so it can be read top to bottom: cross-cutting plugins,
 * then who is calling, then each module's routes, then the console's static files.
 */
export async function buildApp(
  platform: Platform,
  options: { logger?: boolean | object } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? {
      level: platform.config.logLevel,
      serializers: {
        // links in emails carry their secret in the query (…/invitation?token=…): never in the logs
        req: (req: { method: string; url: string; id: string }) => ({
          method: req.method,
          url: redactSecrets(req.url),
          id: req.id,
        }),
      },
    },
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && /^[\w.-]{1,100}$/.test(incoming) ? incoming : uuidv7();
    },
    requestIdHeader: false,
    trustProxy: platform.config.trustProxy,
    bodyLimit: 1_048_576,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler());

  const metrics = createMetrics();
  app.addSchema(ProblemSchema);
  app.decorateRequest('principal', null);
  app.decorateRequest('tenantScope', null);

  await app.register(cookie);
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
  });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, context) => {
      const error = PlatformErrors.rateLimited(Math.ceil(context.ttl / 1000));
      return Object.assign(new Error(error.message), { statusCode: 429, appError: error });
    },
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Rollcall API',
        version: '1',
        description:
          'User management and user lifecycle for MSPs. Errors are RFC 9457 problem+json with a stable `code`.\n\n' +
          'Try it out works while you are signed in to the console in this browser, or with a personal API ' +
          'token under Authorize. This document is also served at `/openapi.json`.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'rollcall_session' },
          bearer: { type: 'http', scheme: 'bearer', description: 'Personal API token (`rc_pat_…`)' },
          scimBearer: { type: 'http', scheme: 'bearer', description: 'SCIM token of a tenant (`rc_scim_…`)' },
        },
      },
      security: [{ session: [] }, { bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (json.$id as string) ?? `def-${i}` },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    theme: { title: 'Rollcall API' },
    logo: { type: 'image/svg+xml', content: DOCS_LOGO, href: '/', target: '_self' },
    uiConfig: {
      docExpansion: 'list',
      defaultModelsExpandDepth: -1,
      deepLinking: true,
      filter: true,
      // Try it out, signed in with the console's cookie: the session cookie goes along by itself,
      // but an unsafe request also needs the CSRF token the console sends from its readable cookie.
      // Serialized into the page's script as source, so it stays self-contained.
      requestInterceptor: (request) => {
        // runs in the browser; the server's types know no DOM
        const page = globalThis as unknown as { document: { cookie: string } };
        const csrf = page.document.cookie
          .split('; ')
          .find((c) => c.startsWith('rollcall_csrf='))
          ?.slice('rollcall_csrf='.length);
        if (csrf && !/^(GET|HEAD|OPTIONS)$/i.test(request.method)) request.headers['x-csrf-token'] = csrf;
        return request;
      },
    },
  });

  const routeCatalog: string[] = [];
  app.decorate('routeCatalog', routeCatalog);
  app.addHook('onRoute', (route) => {
    const hidden = (route.schema as { hide?: boolean } | undefined)?.hide;
    if (!hidden && !route.url.startsWith('/docs') && route.method !== 'HEAD') {
      for (const m of [route.method].flat())
        routeCatalog.push(`${m} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
    }
    const permission = route.config?.permission;
    if (permission && route.schema) {
      const schema = route.schema as Record<string, unknown>;
      // the same schema object comes back for the HEAD route Fastify adds beside a GET: say it once
      const requires = `Requires the permission \`${permission}\`.`;
      if (!String(schema.description ?? '').includes(requires))
        schema.description = `${schema.description ? `${schema.description}\n\n` : ''}${requires}`;
      schema['x-permission'] = permission;
    }
    if (route.config?.public && route.schema) (route.schema as Record<string, unknown>).security = [];
  });

  app.addHook('onRequest', async (request) => {
    (request as { startedAt?: bigint }).startedAt = process.hrtime.bigint();
    const config = request.routeOptions.config;
    if (!request.url.startsWith('/api/') || request.is404 || config.public) return;
    request.principal = await resolvePrincipal(platform, request);
  });
  app.addHook('preHandler', async (request) => {
    const config = request.routeOptions.config;
    if (!request.url.startsWith('/api/') || request.is404 || config.public || config.optionalAuth) return;
    if (!request.principal) throw PlatformErrors.unauthenticated();
    const restricted = request.principal.restricted;
    if (restricted && !config.allowRestricted?.includes(restricted)) {
      throw restricted === 'password_change'
        ? new AppError(
            'forbidden',
            'auth.password_change_required',
            'Change your password before doing anything else.',
          )
        : new AppError(
            'forbidden',
            'auth.mfa_enrolment_required',
            'Set up a second factor before doing anything else.',
          );
    }
    if (config.permission) requirePermission(request.principal, config.permission);
  });
  // A POST with no body at all means "no options": validate it as an empty object.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.routeOptions.schema?.body && request.method !== 'GET')
      request.body = {};
  });
  app.addHook('onResponse', async (request, reply) => {
    const started = (request as { startedAt?: bigint }).startedAt;
    if (started === undefined) return;
    metrics.httpDuration
      .labels(request.method, request.routeOptions.url ?? 'unmatched', String(reply.statusCode))
      .observe(Number(process.hrtime.bigint() - started) / 1e9);
  });

  // The rate limiter reports through the error handler, so 429s are problem+json too.
  app.setErrorHandler((error, request, reply) => {
    const limited = (error as { appError?: Parameters<typeof problemFromAppError>[0] }).appError;
    if (limited) {
      return sendProblem(request, reply, problemFromAppError(limited));
    }
    return errorHandler(error, request, reply);
  });

  app.get('/health', { schema: { tags: ['platform'], summary: 'Alive', hide: false } }, async () => ({
    status: 'ok',
  }));
  app.get(
    '/ready',
    { schema: { tags: ['platform'], summary: 'Database reachable and migrations applied' } },
    async (request, reply) => {
      try {
        await sql`select 1`.execute(platform.db);
        const pending = await pendingMigrations(platform.db);
        if (pending.length > 0) {
          return sendProblem(request, reply, {
            type: 'https://rollcall.dev/problems/not_ready',
            title: 'Service Unavailable',
            status: 503,
            detail: `Migrations pending: ${pending.join(', ')}`,
            code: 'platform.migrations_pending',
          });
        }
        return { status: 'ready' };
      } catch {
        return sendProblem(request, reply, {
          type: 'https://rollcall.dev/problems/not_ready',
          title: 'Service Unavailable',
          status: 503,
          detail: 'The database is not reachable.',
          code: 'platform.database_unreachable',
        });
      }
    },
  );
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(authRoutes, { platform });
  await app.register(tenantRoutes, { platform });
  await app.register(auditRoutes, { platform });
  registerImageParsers(app);
  await app.register(userRoutes, { platform });
  await app.register(profileRoutes, { platform });
  await app.register(groupRoutes, { platform });
  await app.register(accessRoutes, { platform });
  await app.register(securityRoutes, { platform });
  await app.register(mfaRoutes, { platform });
  await app.register(licenseRoutes, { platform });
  await app.register(invitationRoutes, { platform });
  await app.register(outboxRoutes, { platform });
  await app.register(importRoutes, { platform });
  await app.register(scimTokenRoutes, { platform });
  await app.register(scimRoutes, { platform, prefix: '/scim/v2' });
  await app.register(ownershipRoutes, { platform });
  await app.register(webhookRoutes, { platform });
  await app.register(flowRoutes, { platform });

  const consoleBuilt = existsSync(path.join(CONSOLE_DIR, 'index.html'));
  if (consoleBuilt) {
    await app.register(fastifyStatic, { root: CONSOLE_DIR, wildcard: false, index: ['index.html'] });
  }
  app.setNotFoundHandler((request, reply) => {
    const isApi = API_PREFIXES.some((p) => request.url.startsWith(p));
    if (!isApi && (request.method === 'GET' || request.method === 'HEAD') && consoleBuilt) {
      // the console routes on the client side: every other page is its index.html
      return reply.type('text/html').sendFile('index.html');
    }
    return sendProblem(
      request,
      reply,
      problemFromAppError(PlatformErrors.routeNotFound(request.method, request.url.split('?')[0]!)),
    );
  });

  return app;
}
