import type { Clock } from './clock.ts';

/**
 * Who is acting, for which tenant, and when: everything a service needs from the request, and
 * nothing of Fastify. Jobs, SCIM and imports build the same shape with a system actor.
 */
export interface Actor {
  type: 'user' | 'api_token' | 'scim_token' | 'system' | 'flow_run' | 'anonymous';
  /** The acting user, when there is one. */
  userId?: string;
  /** The API or SCIM token used, when the request came with one. */
  tokenId?: string;
  /** The flow run a step of which made the change (`flow_run` actors). */
  runId?: string;
  /** The actor's home tenant (a provider's staff keep theirs while acting in a customer). */
  tenantId?: string;
  label: string;
}

export interface Ctx {
  /** The tenant the operation applies to (from the path, checked against the principal). */
  tenantId: string;
  actor: Actor;
  requestId?: string;
  ip?: string;
  userAgent?: string;
  clock: Clock;
}

export const systemActor = (label = 'Rollcall'): Actor => ({ type: 'system', label });

/**
 * Rule 4a: whether this actor may change what `source` masters. The system may (jobs acting for a
 * directory); a SCIM token masters what SCIM provisioned; nobody else does.
 */
export function actorMasters(actor: Actor, source: string | null): boolean {
  if (!source) return true;
  return actor.type === 'system' || (actor.type === 'scim_token' && source === 'scim');
}
