import nodemailer from 'nodemailer';
import { v7 as uuidv7 } from 'uuid';
import type { Ctx } from './context.ts';
import { type Tx, withTenantTx } from './db.ts';
import type { Platform } from './platform.ts';

/**
 * Email goes through the outbox: `queueMail` writes the message in the caller's transaction and
 * enqueues its delivery job there too, so a change and its email commit together or not at all.
 * Without SMTP_URL messages are kept (and shown in the console's outbox) instead of sent. Users who
 * must receive nothing (suspended, archived, removed: rule 3) get nothing.
 */
export interface MailMessage {
  to: string;
  toUserId?: string;
  kind: string;
  subject: string;
  text: string;
  html: string;
}

export const MAIL_JOB = 'mail.deliver';
const SILENT_STATUSES = new Set(['suspended', 'archived', 'removed']);

export async function queueMail(
  platform: Platform,
  tx: Tx,
  ctx: Ctx,
  message: MailMessage,
): Promise<{ id: string; status: string }> {
  return (await queueMails(platform, tx, ctx, [message]))[0]!;
}

/** Several messages in one write (an import's welcome emails); each gets its own delivery job. */
export async function queueMails(
  platform: Platform,
  tx: Tx,
  ctx: Ctx,
  messages: readonly MailMessage[],
): Promise<Array<{ id: string; status: string }>> {
  if (messages.length === 0) return [];
  const userIds = [...new Set(messages.flatMap((m) => (m.toUserId ? [m.toUserId] : [])))];
  const statusOf = new Map(
    userIds.length
      ? (
          await tx
            .selectFrom('users')
            .select(['id', 'status'])
            .where('tenantId', '=', ctx.tenantId)
            .where('id', 'in', userIds)
            .execute()
        ).map((u) => [u.id, u.status])
      : [],
  );
  const now = ctx.clock.now();
  const rows = messages.map((message) => {
    const userStatus = message.toUserId ? statusOf.get(message.toUserId) : undefined;
    const status: 'queued' | 'suppressed' =
      message.toUserId && (!userStatus || SILENT_STATUSES.has(userStatus)) ? 'suppressed' : 'queued';
    return {
      tenantId: ctx.tenantId,
      id: uuidv7(),
      toAddress: message.to,
      toUserId: message.toUserId ?? null,
      kind: message.kind,
      subject: message.subject,
      textBody: message.text,
      htmlBody: message.html,
      status,
      createdAt: now,
    };
  });
  await tx.insertInto('outbox').values(rows).execute();
  for (const row of rows)
    if (row.status === 'queued')
      await platform.jobs.enqueue(
        tx,
        MAIL_JOB,
        { tenantId: ctx.tenantId, id: row.id },
        { singletonKey: `mail:${row.id}` },
      );
  return rows.map((r) => ({ id: r.id, status: r.status }));
}

/** One pooled transport per process: connections are reused across messages. */
export function createMailer(smtpUrl: string | null) {
  if (!smtpUrl) return null;
  const url = new URL(smtpUrl);
  if (!url.searchParams.has('pool')) url.searchParams.set('pool', 'true');
  return nodemailer.createTransport(url.toString());
}

/** Registers delivery; the returned function closes the pooled SMTP connections at shutdown. */
export function registerMailJob(platform: Platform): () => void {
  const transport = createMailer(platform.config.smtpUrl);
  platform.jobs.define<{ tenantId: string; id: string }>({
    name: MAIL_JOB,
    retryLimit: 5,
    retryDelaySeconds: 15,
    // woken by NOTIFY when a message is queued; each of the two workers takes up to 25 messages a
    // fetch and sends them side by side over the pooled SMTP connections, fetching again while full
    notify: true,
    batchSize: 25,
    concurrency: 2,
    pollingIntervalSeconds: 2,
    handler: async ({ tenantId, id }, job) => {
      const message = await withTenantTx(platform.db, tenantId, (tx) =>
        tx
          .selectFrom('outbox')
          .selectAll()
          .where('tenantId', '=', tenantId)
          .where('id', '=', id)
          .executeTakeFirst(),
      );
      if (message?.status !== 'queued') return;
      if (!transport) {
        await withTenantTx(platform.db, tenantId, (tx) =>
          tx
            .updateTable('outbox')
            .set({ status: 'kept' })
            .where('tenantId', '=', tenantId)
            .where('id', '=', id)
            .execute(),
        );
        return;
      }
      try {
        await transport.sendMail({
          from: platform.config.mailFrom,
          to: message.toAddress,
          subject: message.subject,
          text: message.textBody,
          html: message.htmlBody,
        });
        await withTenantTx(platform.db, tenantId, (tx) =>
          tx
            .updateTable('outbox')
            .set({ status: 'sent', sentAt: new Date(), attempts: message.attempts + 1, lastError: null })
            .where('tenantId', '=', tenantId)
            .where('id', '=', id)
            .execute(),
        );
      } catch (error) {
        const last =
          (job as { retryCount?: number }).retryCount !== undefined &&
          (job as { retryCount: number }).retryCount >= 5;
        await withTenantTx(platform.db, tenantId, (tx) =>
          tx
            .updateTable('outbox')
            .set({
              attempts: message.attempts + 1,
              lastError: String((error as Error).message).slice(0, 500),
              ...(last ? { status: 'failed' } : {}),
            })
            .where('tenantId', '=', tenantId)
            .where('id', '=', id)
            .execute(),
        );
        throw error;
      }
    },
  });
  return () => transport?.close();
}
