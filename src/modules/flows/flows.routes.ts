import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requirePermission, requirePrincipal } from '../../platform/auth.ts';
import type { Platform } from '../../platform/platform.ts';
import { TenantParams, withProblems } from '../../platform/schemas.ts';
import { callerOf, tenantScopeHook } from '../../platform/tenant-scope.ts';
import { listActions } from './action-registry.ts';
import { EMAIL_VARIABLES } from './actions/send-email.ts';
import {
  ActionCatalog,
  CancelBody,
  CopiesView,
  CreateTemplateBody,
  DryRunView,
  FlowSettingsBody,
  FlowSettingsView,
  HeldBackPage,
  HeldBackQuery,
  ListRunsQuery,
  ListTemplatesQuery,
  PublishBody,
  PublishResult,
  RescheduleBody,
  RunPage,
  RunParams,
  RunView,
  StartRunBody,
  TemplateList,
  TemplateParams,
  TemplateView,
  UpdateTemplateBody,
} from './flows.schemas.ts';
import { listCopies, publishTemplate } from './publishing.service.ts';
import * as runs from './runs.service.ts';
import * as templates from './templates.service.ts';

export const flowRoutes: FastifyPluginAsyncTypebox<{ platform: Platform }> = async (app, { platform }) => {
  const preHandler = tenantScopeHook(platform);
  const tpl = '/api/v1/tenants/:tenantId/flow-templates';
  const run = '/api/v1/tenants/:tenantId/flow-runs';
  const tags = ['flows'];

  app.get(
    '/api/v1/flow-actions',
    {
      config: { permission: 'flows.read' },
      schema: {
        tags,
        summary: 'The actions a flow step can take, with the JSON Schema of each one’s parameters',
        response: withProblems({ 200: ActionCatalog }),
      },
    },
    async (request) => {
      requirePermission(requirePrincipal(request), 'flows.read');
      return {
        items: listActions().map((a) => ({
          type: a.type,
          label: a.label,
          description: a.description,
          permission: a.permission,
          remote: a.remote ?? false,
          params: a.params,
        })),
        emailVariables: [...EMAIL_VARIABLES],
      };
    },
  );

  // ---------------------------------------------------------------- templates

  app.get(
    tpl,
    {
      preHandler,
      config: { permission: 'flows.read' },
      schema: {
        tags,
        summary: 'The tenant’s flow templates (local ones and copies published by its provider)',
        params: TenantParams,
        querystring: ListTemplatesQuery,
        response: withProblems({ 200: TemplateList }),
      },
    },
    async (request) => templates.listTemplates(platform, callerOf(request), request.query),
  );

  app.post(
    tpl,
    {
      preHandler,
      config: { permission: 'flows.templates.manage' },
      schema: {
        tags,
        summary: 'Create a template (version 1); it may only use actions its author may do',
        params: TenantParams,
        body: CreateTemplateBody,
        response: withProblems({ 201: TemplateView }),
      },
    },
    async (request, reply) => {
      reply.code(201);
      return templates.createTemplate(platform, callerOf(request), request.body);
    },
  );

  app.get(
    `${tpl}/:templateId`,
    {
      preHandler,
      config: { permission: 'flows.read' },
      schema: {
        tags,
        summary: 'A template with its steps and its versions',
        params: TemplateParams,
        response: withProblems({ 200: TemplateView }),
      },
    },
    async (request) => templates.getTemplate(platform, callerOf(request), request.params.templateId),
  );

  app.patch(
    `${tpl}/:templateId`,
    {
      preHandler,
      config: { permission: 'flows.templates.manage' },
      schema: {
        tags,
        summary: 'Change a template: a new version; runs already started keep theirs',
        params: TemplateParams,
        body: UpdateTemplateBody,
        response: withProblems({ 200: TemplateView }),
      },
    },
    async (request) =>
      templates.updateTemplate(platform, callerOf(request), request.params.templateId, request.body),
  );

  app.delete(
    `${tpl}/:templateId`,
    {
      preHandler,
      config: { permission: 'flows.templates.manage' },
      schema: {
        tags,
        summary: 'Archive a template: it starts no more runs; runs going on finish',
        params: TemplateParams,
        response: withProblems({ 200: TemplateView }),
      },
    },
    async (request) => templates.archiveTemplate(platform, callerOf(request), request.params.templateId),
  );

  app.post(
    `${tpl}/:templateId/publish`,
    {
      preHandler,
      config: { permission: 'flows.templates.manage' },
      schema: {
        tags,
        summary: 'Publish a provider template to chosen customers or all of them',
        description:
          'Creates a copy where there is none and updates copies not edited locally; edited and detached copies are skipped and listed.',
        params: TemplateParams,
        body: PublishBody,
        response: withProblems({ 200: PublishResult }),
      },
    },
    async (request) => publishTemplate(platform, callerOf(request), request.params.templateId, request.body),
  );

  app.get(
    `${tpl}/:templateId/copies`,
    {
      preHandler,
      config: { permission: 'flows.read' },
      schema: {
        tags,
        summary: 'Each customer, with the version and local-edit state of its copy of this template',
        params: TemplateParams,
        response: withProblems({ 200: CopiesView }),
      },
    },
    async (request) => listCopies(platform, callerOf(request), request.params.templateId),
  );

  app.post(
    `${tpl}/:templateId/detach`,
    {
      preHandler,
      config: { permission: 'flows.templates.manage' },
      schema: {
        tags,
        summary: 'Make a published copy this tenant’s own: republishing no longer changes it',
        params: TemplateParams,
        response: withProblems({ 200: TemplateView }),
      },
    },
    async (request) => templates.detachCopy(platform, callerOf(request), request.params.templateId),
  );

  // ---------------------------------------------------------------- runs

  app.post(
    run,
    {
      preHandler,
      config: { permission: 'flows.run' },
      schema: {
        tags,
        summary: 'Start a run (or, with dryRun, only see its timeline)',
        description:
          'The timeline gives each step’s instant in UTC and in the run’s time zone, across DST changes, and what it will do to this user.',
        params: TenantParams,
        body: StartRunBody,
        response: withProblems({ 200: DryRunView, 201: RunView }),
      },
    },
    async (request, reply) => {
      const result = await runs.startRun(platform, callerOf(request), request.body);
      reply.code('dryRun' in result ? 200 : 201);
      return result;
    },
  );

  app.get(
    run,
    {
      preHandler,
      config: { permission: 'flows.read' },
      schema: {
        tags,
        summary: 'Runs, newest first (a provider may include its customers’)',
        params: TenantParams,
        querystring: ListRunsQuery,
        response: withProblems({ 200: RunPage }),
      },
    },
    async (request) => runs.listRuns(platform, callerOf(request), request.query),
  );

  app.get(
    `${run}/held-back`,
    {
      preHandler,
      config: { permission: 'flows.read' },
      schema: {
        tags,
        summary:
          'The tenant’s chosen flows that a user’s date did not start on its own (own date, or long past), while that date stands',
        params: TenantParams,
        querystring: HeldBackQuery,
        response: withProblems({ 200: HeldBackPage }),
      },
    },
    async (request) => runs.heldBackRuns(platform, callerOf(request), request.query.userId),
  );

  app.get(
    `${run}/:runId`,
    {
      preHandler,
      config: { permission: 'flows.read' },
      schema: {
        tags,
        summary: 'A run with each step’s instant, times, result and error',
        params: RunParams,
        response: withProblems({ 200: RunView }),
      },
    },
    async (request) => runs.getRun(platform, callerOf(request), request.params.runId),
  );

  app.post(
    `${run}/:runId/cancel`,
    {
      preHandler,
      config: { permission: 'flows.run' },
      schema: {
        tags,
        summary: 'Cancel a run: its pending steps never run',
        params: RunParams,
        body: CancelBody,
        response: withProblems({ 200: RunView }),
      },
    },
    async (request) => runs.cancelRun(platform, callerOf(request), request.params.runId, request.body.reason),
  );

  app.post(
    `${run}/:runId/retry`,
    {
      preHandler,
      config: { permission: 'flows.run' },
      schema: {
        tags,
        summary: 'Go on with a failed run from the step that failed',
        params: RunParams,
        response: withProblems({ 200: RunView }),
      },
    },
    async (request) => runs.retryRun(platform, callerOf(request), request.params.runId),
  );

  app.post(
    `${run}/:runId/reschedule`,
    {
      preHandler,
      config: { permission: 'flows.run' },
      schema: {
        tags,
        summary: 'Move a run to another event date (and the user’s date with it); done steps stay done',
        params: RunParams,
        body: RescheduleBody,
        response: withProblems({ 200: RunView }),
      },
    },
    async (request) => runs.rescheduleRun(platform, callerOf(request), request.params.runId, request.body),
  );

  // ---------------------------------------------------------------- settings

  app.get(
    '/api/v1/tenants/:tenantId/flow-settings',
    {
      preHandler,
      config: { permission: 'flows.read' },
      schema: {
        tags,
        summary: 'Which template a leave date (or hire date) starts by itself',
        params: TenantParams,
        response: withProblems({ 200: FlowSettingsView }),
      },
    },
    async (request) => runs.getFlowSettings(platform, callerOf(request)),
  );

  app.put(
    '/api/v1/tenants/:tenantId/flow-settings',
    {
      preHandler,
      config: { permission: 'flows.templates.manage' },
      schema: {
        tags,
        summary: 'Choose the template a leave date (or hire date) starts; null for none',
        params: TenantParams,
        body: FlowSettingsBody,
        response: withProblems({ 200: FlowSettingsView }),
      },
    },
    async (request) => runs.setFlowSettings(platform, callerOf(request), request.body),
  );
};
