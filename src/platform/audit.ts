import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Ctx } from './context.ts';
import { PREPARED, type Tx } from './db.ts';
import type { AuditEventRow } from './db-schema.ts';

/**
 * The audit trail (DESIGN rule 29): every change and every sign-in attempt is an event written in
 * the same transaction as the change, so there is never a change without its event or an event for
 * a change that rolled back. Events are chained per tenant: each stores the hash of the one before,
 * so editing or deleting a row breaks the chain at that row and `verifyAuditChain` names it.
 */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditTarget {
  type: string;
  id?: string | null;
  label?: string | null;
}

export interface AuditInput {
  action: string;
  target?: AuditTarget;
  before?: unknown;
  after?: unknown;
  /** Write into this tenant's chain instead of the context's (e.g. a provider acting in a customer). */
  tenantId?: string;
}

/** JSON with object keys sorted at every depth: the same event always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** Dates to ISO strings, undefined dropped: the form the value takes once stored as jsonb. */
function toStoredJson(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

type HashedFields = Omit<AuditEventRow, 'hash'>;

export function hashAuditEvent(e: HashedFields): string {
  const body = canonicalJson({
    tenantId: e.tenantId,
    seq: String(e.seq),
    id: e.id,
    occurredAt: new Date(e.occurredAt).toISOString(),
    actorType: e.actorType,
    actorId: e.actorId,
    actorLabel: e.actorLabel,
    actorTenantId: e.actorTenantId,
    action: e.action,
    targetType: e.targetType,
    targetId: e.targetId,
    targetLabel: e.targetLabel,
    before: e.before ?? null,
    after: e.after ?? null,
    ip: e.ip,
    userAgent: e.userAgent,
    requestId: e.requestId,
    prevHash: e.prevHash,
  });
  return createHash('sha256').update(body).digest('hex');
}

/**
 * Transactions that write many events of a tenant (a batch of flow steps) keep the head they hold:
 * after the first event the head row is theirs until commit, so its seq and hash are known. Opt-in,
 * because a rollback to a savepoint takes events back: whoever does that calls `forgetAuditHeads`.
 */
const heldHeads = new WeakMap<Tx, Map<string, { seq: string; hash: string }>>();

export function keepAuditHeads(tx: Tx): void {
  heldHeads.set(tx, new Map());
}

export function forgetAuditHeads(tx: Tx): void {
  heldHeads.get(tx)?.clear();
}

export async function recordAudit(tx: Tx, ctx: Ctx, input: AuditInput): Promise<{ id: string; seq: string }> {
  const [event] = await recordAudits(tx, ctx, [input]);
  return event!;
}

/**
 * Several events of one tenant in one go (an import's thousands of created users): the chain head is
 * claimed once, the events are linked in order and written in a few multi-row inserts, and the
 * head moves once. The chain is exactly what one `recordAudit` per event would have written.
 */
export async function recordAudits(
  tx: Tx,
  ctx: Ctx,
  inputs: readonly AuditInput[],
): Promise<Array<{ id: string; seq: string }>> {
  if (inputs.length === 0) return [];
  const tenantId = inputs[0]!.tenantId ?? ctx.tenantId;
  if (inputs.some((i) => (i.tenantId ?? ctx.tenantId) !== tenantId))
    throw new Error('recordAudits writes into one tenant chain at a time');
  // Claim the chain head: the upsert locks the tenant's head row until commit, so concurrent writers
  // of one tenant queue here and each links to the event committed just before it. A transaction
  // that holds the lock already and knows the head (see heldHeads) links on without asking again.
  const held = heldHeads.get(tx);
  let head = held?.get(tenantId);
  if (!head) {
    const claimed = await sql<{ seq: string; hash: string }>`${sql.raw(PREPARED)}
      insert into audit_chain_heads (tenant_id, seq, hash) values (${tenantId}, 0, ${GENESIS_HASH})
      on conflict (tenant_id) do update set seq = audit_chain_heads.seq
      returning seq, hash`.execute(tx);
    head = claimed.rows[0]!;
  }
  let seq = BigInt(head.seq);
  let prevHash = head.hash;
  const occurredAt = ctx.clock.now();
  const rows = inputs.map((input) => {
    seq += 1n;
    const event: HashedFields = {
      tenantId,
      seq: String(seq),
      id: uuidv7(),
      occurredAt,
      actorType: ctx.actor.type,
      actorId: ctx.actor.userId ?? ctx.actor.tokenId ?? ctx.actor.runId ?? null,
      actorLabel: ctx.actor.label,
      actorTenantId: ctx.actor.tenantId ?? null,
      action: input.action,
      targetType: input.target?.type ?? null,
      targetId: input.target?.id ?? null,
      targetLabel: input.target?.label ?? null,
      before: toStoredJson(input.before),
      after: toStoredJson(input.after),
      ip: ctx.ip ?? null,
      userAgent: ctx.userAgent ?? null,
      requestId: ctx.requestId ?? null,
      prevHash,
    };
    const hash = hashAuditEvent(event);
    prevHash = hash;
    return { ...event, hash };
  });
  // What every event of the call shares goes once; the rest as one array per column through unnest,
  // which PostgreSQL plans once however many events there are. The chain head moves in the same
  // statement: one round trip per change, whatever its number of events.
  const col = <K extends keyof (typeof rows)[number]>(key: K) => rows.map((r) => r[key]);
  const json = (key: 'before' | 'after') =>
    rows.map((r) => (r[key] === null ? null : JSON.stringify(r[key])));
  await sql`${sql.raw(PREPARED)}
    with written as (
    insert into audit_events (tenant_id, seq, id, occurred_at, actor_type, actor_id, actor_label, actor_tenant_id,
                              action, target_type, target_id, target_label, before, after, ip, user_agent,
                              request_id, prev_hash, hash)
    select ${tenantId}::uuid, e.seq, e.id, ${occurredAt}::timestamptz, ${ctx.actor.type}, ${rows[0]!.actorId}::uuid,
           ${ctx.actor.label}, ${rows[0]!.actorTenantId}::uuid, e.action, e.target_type, e.target_id, e.target_label,
           e.before::jsonb, e.after::jsonb, ${ctx.ip ?? null}, ${ctx.userAgent ?? null}, ${ctx.requestId ?? null},
           e.prev_hash, e.hash
      from unnest(${col('seq')}::bigint[], ${col('id')}::uuid[], ${col('action')}::text[], ${col('targetType')}::text[],
                  ${col('targetId')}::text[], ${col('targetLabel')}::text[], ${json('before')}::text[],
                  ${json('after')}::text[], ${col('prevHash')}::text[], ${col('hash')}::text[])
        as e(seq, id, action, target_type, target_id, target_label, before, after, prev_hash, hash))
    update audit_chain_heads set seq = ${String(seq)}, hash = ${prevHash} where tenant_id = ${tenantId}`.execute(
    tx,
  );
  held?.set(tenantId, { seq: String(seq), hash: prevHash });
  return rows.map((r) => ({ id: r.id, seq: r.seq as string }));
}

export interface ChainVerification {
  ok: boolean;
  checked: number;
  brokenAt: null | {
    seq: string;
    id: string;
    reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'seq_gap' | 'head_mismatch';
  };
}

/**
 * Walks a tenant's chain from the first event, in pages, and stops at the first event whose stored
 * hash is not the hash of its contents, whose link does not match its predecessor, or whose sequence
 * number skips (a deleted row).
 */
export async function verifyAuditChain(
  tx: Tx,
  tenantId: string,
  pageSize = 5000,
): Promise<ChainVerification> {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1n;
  let checked = 0;
  let after = '0';
  for (;;) {
    const rows = await tx
      .selectFrom('auditEvents')
      .selectAll()
      .where('tenantId', '=', tenantId)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(pageSize)
      .execute();
    for (const row of rows) {
      if (BigInt(row.seq) !== expectedSeq) {
        return { ok: false, checked, brokenAt: { seq: row.seq, id: row.id, reason: 'seq_gap' } };
      }
      if (row.prevHash !== prevHash) {
        return { ok: false, checked, brokenAt: { seq: row.seq, id: row.id, reason: 'prev_hash_mismatch' } };
      }
      const { hash, ...fields } = row;
      if (hashAuditEvent(fields) !== hash) {
        return { ok: false, checked, brokenAt: { seq: row.seq, id: row.id, reason: 'hash_mismatch' } };
      }
      prevHash = hash;
      expectedSeq += 1n;
      checked += 1;
    }
    if (rows.length < pageSize) break;
    after = rows[rows.length - 1]!.seq;
  }
  // Rows deleted from the end of the chain leave the head pointing past the last event.
  const head = await tx
    .selectFrom('auditChainHeads')
    .select(['seq', 'hash'])
    .where('tenantId', '=', tenantId)
    .executeTakeFirst();
  if (head && (head.seq !== String(expectedSeq - 1n) || head.hash !== prevHash)) {
    return { ok: false, checked, brokenAt: { seq: head.seq, id: '', reason: 'head_mismatch' } };
  }
  return { ok: true, checked, brokenAt: null };
}
