import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { del, get, patch, post, put, qs } from './client.ts';

/** User Flows: templates, publishing, runs. Types mirror the API's schemas. */
const t = (tenantId: string) => `/api/v1/tenants/${tenantId}`;

export type StepWhen = { offsetDays: number; timeOfDay: string } | { at: string };
export type StepCondition = { type: 'user_status'; statuses: string[] } | { type: 'event_date_unchanged' };

export interface StepInput {
  action: string;
  label?: string;
  params: Record<string, unknown>;
  when: StepWhen;
  continueOnFailure: boolean;
  condition: StepCondition | null;
}

export interface StepView extends Omit<StepInput, 'params'> {
  /** only for holders of `flows.templates.manage` (parameters may hold webhook addresses and tokens) */
  params?: Record<string, unknown>;
  actionLabel: string;
  label: string;
  whenLabel: string;
}

export interface TemplateSummary {
  id: string;
  tenantId: string;
  name: string;
  description: string;
  event: string;
  timeZoneSource: 'tenant' | 'user';
  version: number;
  stepCount: number;
  owner: { id: string; name: string } | null;
  source: { tenantId: string; templateId: string; version: number } | null;
  locallyEdited: boolean;
  detachedFromTemplateId: string | null;
  archivedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface TemplateView extends TemplateSummary {
  steps: StepView[];
  versions: Array<{ version: number; createdAt: string; createdByLabel: string }>;
}

export interface FlowAction {
  type: string;
  label: string;
  description: string;
  permission: string;
  remote: boolean;
  params: Record<string, unknown>;
}

export interface TimelineItem {
  position: number;
  action: string;
  actionLabel: string;
  label: string;
  whenLabel: string;
  dueAt: string;
  dueLocal: string;
  utcOffset: string;
  description: string;
  condition: string | null;
  continueOnFailure: boolean;
  inPast: boolean;
  /** more than a day late: starting the run needs `allowPastSteps` */
  overdue: boolean;
  /** why the step would fail if you started the run (beyond your permissions) */
  refusal: string | null;
  afterPrevious: boolean;
}

export interface RunUser {
  id: string;
  firstName: string;
  lastName: string;
  email: string | null;
  status: string;
}

export interface DryRun {
  dryRun: true;
  templateId: string;
  templateVersion: number;
  templateName: string;
  user: RunUser;
  eventDate: string;
  timeZone: string;
  timeline: TimelineItem[];
}

export interface RunStep {
  position: number;
  action: string;
  actionLabel: string;
  label: string;
  whenLabel: string;
  dueAt: string;
  dueLocal: string;
  utcOffset: string;
  status: 'pending' | 'done' | 'failed' | 'skipped' | 'cancelled';
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
  summary: string | null;
  error: string | null;
  errorCode: string | null;
  continueOnFailure: boolean;
  condition: string | null;
}

export type RunStatus = 'scheduled' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface RunSummary {
  id: string;
  tenantId: string;
  tenantName: string;
  templateId: string;
  templateVersion: number;
  templateName: string;
  event: string;
  eventDate: string;
  timeZone: string;
  status: RunStatus;
  trigger: 'manual' | 'event_date';
  initiatorLabel: string;
  user: RunUser;
  stepCount: number;
  doneCount: number;
  nextStep: { position: number; label: string; dueAt: string; attempts: number } | null;
  failure: { position: number; label: string; error: string; code: string | null } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  cancelledAt: string | null;
  cancelReason: string | null;
}

export interface RunView extends RunSummary {
  steps: RunStep[];
}

export interface CopyState {
  tenantId: string;
  tenantName: string;
  copy: {
    templateId: string;
    version: number;
    sourceVersion: number | null;
    locallyEdited: boolean;
    detached: boolean;
  } | null;
}

export interface PublishResult {
  version: number;
  skipped: number;
  results: Array<{
    tenantId: string;
    tenantName: string;
    outcome: 'created' | 'updated' | 'unchanged' | 'skipped';
    reason: 'edited_locally' | 'detached' | null;
    copyId: string | null;
    sourceVersion: number | null;
  }>;
}

export const useFlowActions = () =>
  useQuery({
    queryKey: ['flow-actions'],
    queryFn: () => get<{ items: FlowAction[]; emailVariables: string[] }>('/api/v1/flow-actions'),
    staleTime: Number.POSITIVE_INFINITY,
  });

export const useFlowTemplates = (tenantId: string, query: { event?: string; archived?: boolean } = {}) =>
  useQuery({
    queryKey: ['flow-templates', tenantId, query],
    queryFn: () => get<{ items: TemplateSummary[] }>(`${t(tenantId)}/flow-templates${qs(query as never)}`),
  });

export const useFlowTemplate = (tenantId: string, templateId: string | null) =>
  useQuery({
    queryKey: ['flow-template', tenantId, templateId],
    queryFn: () => get<TemplateView>(`${t(tenantId)}/flow-templates/${templateId}`),
    enabled: templateId !== null,
  });

function useFlowMutation<A, R>(fn: (args: A) => Promise<R>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['flow-templates'] });
      void qc.invalidateQueries({ queryKey: ['flow-template'] });
      void qc.invalidateQueries({ queryKey: ['flow-copies'] });
      void qc.invalidateQueries({ queryKey: ['flow-runs'] });
      void qc.invalidateQueries({ queryKey: ['flow-run'] });
    },
  });
}

export interface TemplateBody {
  name: string;
  description: string;
  event: string;
  timeZoneSource: 'tenant' | 'user';
  steps: StepInput[];
}

export const useSaveTemplate = (tenantId: string) =>
  useFlowMutation(({ id, body }: { id: string | null; body: TemplateBody }) =>
    id
      ? patch<TemplateView>(`${t(tenantId)}/flow-templates/${id}`, body)
      : post<TemplateView>(`${t(tenantId)}/flow-templates`, body),
  );

export const useArchiveTemplate = (tenantId: string) =>
  useFlowMutation((id: string) => del<TemplateView>(`${t(tenantId)}/flow-templates/${id}`));

export const useDetachTemplate = (tenantId: string) =>
  useFlowMutation((id: string) => post<TemplateView>(`${t(tenantId)}/flow-templates/${id}/detach`));

export const useTemplateCopies = (tenantId: string, templateId: string, enabled: boolean) =>
  useQuery({
    queryKey: ['flow-copies', tenantId, templateId],
    queryFn: () =>
      get<{ version: number; items: CopyState[] }>(`${t(tenantId)}/flow-templates/${templateId}/copies`),
    enabled,
  });

export const usePublishTemplate = (tenantId: string, templateId: string) =>
  useFlowMutation((body: { tenantIds?: string[]; allCustomers?: boolean }) =>
    post<PublishResult>(`${t(tenantId)}/flow-templates/${templateId}/publish`, body),
  );

export const usePreviewRun = (tenantId: string) =>
  useMutation({
    mutationFn: (body: { templateId: string; userId: string; eventDate: string }) =>
      post<DryRun>(`${t(tenantId)}/flow-runs`, { ...body, dryRun: true }),
  });

export const useStartRun = (tenantId: string) =>
  useFlowMutation(
    (body: { templateId: string; userId: string; eventDate: string; allowPastSteps?: boolean }) =>
      post<RunView>(`${t(tenantId)}/flow-runs`, body),
  );

export interface RunQuery {
  status?: string;
  userId?: string;
  customers?: boolean;
}

const isActive = (status: RunStatus) => status === 'scheduled' || status === 'running';

export const useFlowRuns = (tenantId: string, query: RunQuery) =>
  useQuery({
    queryKey: ['flow-runs', tenantId, query],
    queryFn: () =>
      get<{ items: RunSummary[]; nextCursor: string | null }>(
        `${t(tenantId)}/flow-runs${qs({ ...query, customers: query.customers ? 'true' : undefined, limit: 100 })}`,
      ),
    // the monitor follows steps as they complete
    refetchInterval: 2_000,
  });

export interface HeldBackRun {
  event: string;
  templateId: string;
  templateName: string;
  eventDate: string;
  reason: 'self' | 'past_steps';
  pastStepCount: number;
  at: string;
  by: string | null;
}

/** The tenant's chosen flows a user's date did not start on its own (their own date, or long past). */
export const useHeldBackRuns = (tenantId: string, userId: string) =>
  useQuery({
    queryKey: ['flow-runs', tenantId, 'held-back', userId],
    queryFn: () => get<{ items: HeldBackRun[] }>(`${t(tenantId)}/flow-runs/held-back${qs({ userId })}`),
    // a saved leave date shows its consequence without a reload
    refetchInterval: 3_000,
  });

export const useFlowRun = (tenantId: string, runId: string) =>
  useQuery({
    queryKey: ['flow-run', tenantId, runId],
    queryFn: () => get<RunView>(`${t(tenantId)}/flow-runs/${runId}`),
    refetchInterval: (q) => (q.state.data && !isActive(q.state.data.status) ? false : 1_500),
  });

/** Cancel, retry or reschedule a run; the run's own tenant, so the provider's monitor can act on customers'. */
export const useRunCommand = () =>
  useFlowMutation(
    ({
      tenantId,
      runId,
      command,
      body,
    }: {
      tenantId: string;
      runId: string;
      command: 'cancel' | 'retry' | 'reschedule';
      body?: unknown;
    }) => post<RunView>(`${t(tenantId)}/flow-runs/${runId}/${command}`, body ?? {}),
  );

export const useFlowSettings = (tenantId: string) =>
  useQuery({
    queryKey: ['flow-settings', tenantId],
    queryFn: () =>
      get<{ autoStart: { offboarding: string | null; onboarding: string | null } }>(
        `${t(tenantId)}/flow-settings`,
      ),
  });

export function useSaveFlowSettings(tenantId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { autoStart: { offboarding?: string | null; onboarding?: string | null } }) =>
      put<{ autoStart: { offboarding: string | null; onboarding: string | null } }>(
        `${t(tenantId)}/flow-settings`,
        body,
      ),
    onSuccess: (data) => qc.setQueryData(['flow-settings', tenantId], data),
  });
}

export const EVENT_LABELS: Record<string, string> = {
  offboarding: 'Offboarding (leave date)',
  onboarding: 'Onboarding (hire date)',
};

export const eventLabel = (event: string) =>
  EVENT_LABELS[event] ?? `Date in “${event.replace(/^attribute:/, '')}”`;
