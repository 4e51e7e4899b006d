import { randomUUID } from 'node:crypto';
import { fromKysely, type Job, PgBoss, type SendOptions } from 'pg-boss';
import type { Tx } from './db.ts';

/**
 * Durable jobs on pg-boss, in the same PostgreSQL as everything else. A job is enqueued inside the
 * transaction of the change that causes it, so a rolled-back change never leaves a job behind and a
 * committed one never loses its job. Handlers are registered by name in one typed registry.
 */
export interface JobDefinition<P> {
  name: string;
  handler: (payload: P, job: Job<P>) => Promise<void>;
  /** Retries with exponential backoff before the job is marked failed. */
  retryLimit?: number;
  retryDelaySeconds?: number;
  /** Cron schedule (UTC), for recurring maintenance. */
  cron?: string;
  /** Workers in this process; each takes one job per poll. */
  concurrency?: number;
  /** How often an idle worker looks for work (pg-boss allows down to 0.5 s). */
  pollingIntervalSeconds?: number;
  /**
   * Jobs each worker takes per fetch. Above 1 the jobs of a batch run side by side and each settles
   * on its own (one failing message does not retry the others), and a full batch fetches again at
   * once instead of waiting for the next poll.
   */
  batchSize?: number;
  /** Wake workers by LISTEN/NOTIFY the moment a job is created, instead of at their next poll. */
  notify?: boolean;
}

export interface EnqueueOptions {
  startAfter?: Date;
  /** While a job with this key is queued or running, enqueueing another is a no-op (returns null). */
  singletonKey?: string;
}

export const JOB_SCHEMA = 'pgboss';

export class Jobs {
  readonly boss: PgBoss;
  private readonly definitions = new Map<string, JobDefinition<any>>();
  private started = false;
  private working = false;
  private stopRequested = false;

  constructor(connectionString: string, onError: (error: Error) => void) {
    this.boss = new PgBoss({
      connectionString,
      schema: JOB_SCHEMA,
      max: 5,
      application_name: 'rollcall-jobs',
      // one listening connection; only queues defined with `notify` use it, polling stays the floor
      useListenNotify: true,
    } as never);
    this.boss.on('error', onError);
  }

  define<P>(definition: JobDefinition<P>): JobDefinition<P> {
    if (this.definitions.has(definition.name)) throw new Error(`job ${definition.name} is defined twice`);
    this.definitions.set(definition.name, definition);
    return definition;
  }

  /** Starts pg-boss (creating or migrating its schema) and creates a queue for every defined job. */
  async start(): Promise<void> {
    if (this.started) return;
    await this.boss.start();
    for (const def of this.definitions.values()) await this.ensureQueue(def);
    this.started = true;
  }

  private async ensureQueue(def: JobDefinition<any>): Promise<void> {
    await this.boss.createQueue(def.name, {
      retryLimit: def.retryLimit ?? 5,
      retryDelay: def.retryDelaySeconds ?? 10,
      retryBackoff: true,
      // `exclusive`: at most one queued-or-running job per singleton key. Every job gets a key (a fresh
      // one when the caller names none), so only callers that name a key are deduplicated.
      policy: 'exclusive',
      notify: def.notify ?? false,
    });
  }

  /** Begins working the queues; a process in `http` role never calls this. */
  async work(): Promise<void> {
    this.working = true;
    for (const def of this.definitions.values()) {
      const polling = {
        localConcurrency: def.concurrency ?? 1,
        pollingIntervalSeconds: def.pollingIntervalSeconds ?? 1,
        notifyPollingIntervalSeconds: Math.max(def.pollingIntervalSeconds ?? 1, 5),
      };
      if ((def.batchSize ?? 1) > 1) {
        await this.boss.work<
          any,
          unknown,
          { batchSize: number; perJobResults: true; burstWhenBatchFull: true }
        >(
          def.name,
          { ...polling, batchSize: def.batchSize!, perJobResults: true, burstWhenBatchFull: true },
          async (jobs: Job<any>[]) => {
            const settled = await Promise.allSettled(jobs.map((job) => def.handler(job.data, job)));
            return settled.map((outcome, i) =>
              outcome.status === 'fulfilled'
                ? { id: jobs[i]!.id, status: 'completed' as const }
                : {
                    id: jobs[i]!.id,
                    status: 'failed' as const,
                    output: { message: String((outcome.reason as Error)?.message ?? outcome.reason) },
                  },
            );
          },
        );
      } else {
        await this.boss.work<any>(
          def.name,
          { ...polling, batchSize: 1 } as never,
          async (jobs: Job<any>[]) => {
            for (const job of jobs) await def.handler(job.data, job);
          },
        );
      }
      if (def.cron) await this.boss.schedule(def.name, def.cron, {});
    }
  }

  /**
   * Enqueues inside `tx`. The job row is inserted by the transaction's own connection, so it becomes
   * visible to workers exactly when (and only if) the transaction commits.
   */
  async enqueue<P extends object>(
    tx: Tx,
    name: string,
    payload: P,
    options: EnqueueOptions = {},
  ): Promise<string | null> {
    if (!this.definitions.has(name)) throw new Error(`unknown job ${name}`);
    const sendOptions: SendOptions = {
      db: fromKysely(tx),
      ...(options.startAfter ? { startAfter: options.startAfter } : {}),
      singletonKey: options.singletonKey ?? randomUUID(),
    };
    return this.boss.send(name, payload, sendOptions);
  }

  /**
   * True once the process is shutting down: a long handler (an import) checks it between steps and
   * hands the rest of its work to a new job instead of holding up the shutdown.
   */
  get stopping(): boolean {
    return this.stopRequested;
  }

  /** Graceful: stops fetching new jobs and waits for running handlers to finish. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: true, timeout: this.working ? 30_000 : 5_000 });
  }
}
