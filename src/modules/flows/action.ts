import type { Static, TSchema } from 'typebox';
import type { Tx } from '../../platform/db.ts';
import type { FieldError } from '../../platform/errors.ts';
import type { Platform } from '../../platform/platform.ts';
import type { UserRow } from '../users/users.repository.ts';
import type { Caller } from '../users/users.service.ts';

/**
 * The one interface every flow action implements (rule 21). An action validates its parameters,
 * describes what it will do to a given user (the preview's words), executes idempotently inside the
 * step's transaction as the run, and reports what it did. Registering an action is adding one file
 * to `actions/` (default-exporting `defineAction({...})`): `action-registry.ts` loads every file there.
 */
export interface RunInfo {
  id: string;
  tenantId: string;
  templateName: string;
  event: string;
  eventDate: string;
  timeZone: string;
  initiatorLabel: string;
}

export interface TenantInfo {
  id: string;
  name: string;
  kind: 'provider' | 'customer';
  parentId: string | null;
}

/** What `describe` sees: the tenant's data, read-only, and the step's instant. */
export interface DescribeContext {
  platform: Platform;
  tx: Tx;
  tenant: TenantInfo;
  user: UserRow;
  eventDate: string;
  dueAt: Date;
  timeZone: string;
}

/** What `execute` gets: the step's transaction and the run's own caller (a system actor). */
export interface ExecuteContext extends DescribeContext {
  caller: Caller;
  run: RunInfo;
  position: number;
  /** 1 for the first try; a retry after a transient failure counts up. */
  attempt: number;
  /** Stable across retries and restarts: remote actions send it so the far end can de-duplicate. */
  idempotencyKey: string;
}

export interface StepOutcome {
  /** One line for the run's detail page: "Removed from 2 groups: Sales, VPN". */
  summary: string;
  /** False when the step found nothing to do (already suspended, no sessions). */
  changed: boolean;
  details?: Record<string, unknown>;
}

export interface FlowAction<S extends TSchema = TSchema> {
  type: string;
  label: string;
  description: string;
  /** The catalog permission the action stands for: a template's author must hold it (rule 13). */
  permission: string;
  /** Talks to something outside the database: executed in a transaction of its own, never a batch. */
  remote?: boolean;
  /**
   * Takes away the user's access or standing (suspend, archive, remove, roles, groups, sessions,
   * password). No one may do that to themselves (rule 14), so a run with such a step is never one on
   * the person who starts it.
   */
  takesAccess?: boolean;
  /** Leaves the user's own row as it was (sessions, groups, licences change; the profile does not). */
  keepsUser?: boolean;
  /** Where the action sits in the designer's list. */
  order: number;
  params: S;
  /** Checks the schema cannot express; `field` is relative to the step's params. */
  check?(params: Static<S>): FieldError[];
  describe(ctx: DescribeContext, params: Static<S>): Promise<string>;
  /**
   * For the preview: why this step would be refused if the run were started by someone holding
   * `ceiling` (rule 13: what it takes away or grants must be within it), or null. Lets the person
   * see a step fail before starting, not days later halfway through the chain.
   */
  wouldRefuse?(ctx: DescribeContext, params: Static<S>, ceiling: ReadonlySet<string>): Promise<string | null>;
  execute(ctx: ExecuteContext, params: Static<S>): Promise<StepOutcome>;
}

export function defineAction<S extends TSchema>(action: FlowAction<S>): FlowAction<S> {
  return action;
}
