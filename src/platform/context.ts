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
  /**
   * The person a flow run acts for (`flow_run` actors): who started it, or whose date change did.
   * The self rules (rule 14) compare against them, so no one does to themselves through a run what
   * they may not do directly.
   */
  initiator?: { userId: string; tenantId: string };
  label: string;
}

/** The person behind an actor: the signed-in user, a token's owner, or the one a flow run acts for. */
export function personOf(actor: Actor): { userId: string; tenantId: string } | null {
  if ((actor.type === 'user' || actor.type === 'api_token') && actor.userId && actor.tenantId)
    return { userId: actor.userId, tenantId: actor.tenantId };
  if (actor.type === 'flow_run') return actor.initiator ?? null;
  return null;
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
