import type { Principal } from '../../platform/auth.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Ctx } from '../../platform/context.ts';
import { PERMISSION_KEYS } from '../access/permissions.catalog.ts';
import type { Caller } from '../users/users.service.ts';
import type { TenantInfo } from './action.ts';

/**
 * A run acts as itself: a system actor whose audit events name the run (actor type `flow_run`, the
 * run's id, "Flow “Offboarding” · started by Ada Admin"). It passes the same services and rules as
 * anyone (last Super Admin, group and role minimums, directory-mastered attributes), holding the
 * permissions its actions stand for; which actions it has was decided when its template was saved by
 * an author who held them, and when someone with `flows.run` started it.
 *
 * What it grants or takes away is bounded by the person who started it (rule 13): the principal's
 * `ceiling` is their permissions as the run stored them at its start, so a step's role, group and
 * ownership changes are checked against it exactly as that person's own request would be. The actor
 * names that person too, so the self rules (rule 14) see through the run.
 */
export const RUN_PRINCIPAL_ID = '00000000-0000-0000-0000-000000000000';

export interface RunRef {
  id: string;
  tenantId: string;
  templateName: string;
  initiatorLabel: string;
  initiatorUserId: string | null;
  initiatorTenantId: string | null;
  /** Null: a run from before ceilings were recorded, bounded by its template's permissions only. */
  ceiling: readonly string[] | null;
}

export function runActorLabel(run: Pick<RunRef, 'templateName' | 'initiatorLabel'>): string {
  return `Flow “${run.templateName}” · started by ${run.initiatorLabel}`;
}

export function runCaller(run: RunRef, tenant: TenantInfo, clock: Clock, position?: number): Caller {
  const label = runActorLabel(run);
  const principal: Principal = {
    userId: RUN_PRINCIPAL_ID,
    tenantId: run.tenantId,
    tenantKind: tenant.kind,
    label,
    user: {
      firstName: 'Flow',
      lastName: 'run',
      email: null,
      username: null,
      status: 'active',
      kind: 'internal',
    },
    tenant: { id: tenant.id, kind: tenant.kind, parentId: tenant.parentId, name: tenant.name, slug: '' },
    via: 'session',
    restricted: null,
    department: null,
    permissions: PERMISSION_KEYS,
    ...(run.ceiling ? { ceiling: new Set(run.ceiling) } : {}),
    customerAccess: 'none',
    customerTenantIds: new Set(),
  };
  const ctx: Ctx = {
    tenantId: run.tenantId,
    actor: {
      type: 'flow_run',
      runId: run.id,
      tenantId: run.tenantId,
      label,
      ...(run.initiatorUserId
        ? { initiator: { userId: run.initiatorUserId, tenantId: run.initiatorTenantId ?? run.tenantId } }
        : {}),
    },
    requestId: position === undefined ? `flow-run:${run.id}` : `flow-run:${run.id}:step-${position}`,
    clock,
  };
  return { principal, ctx };
}
