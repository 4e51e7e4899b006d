import { systemActor } from '../../platform/context.ts';
import { withTenantTx } from '../../platform/db.ts';
import { isAppError } from '../../platform/errors.ts';
import type { Platform } from '../../platform/platform.ts';
import { systemCaller } from '../access/system-caller.ts';
import * as repo from './ownership.repository.ts';
import {
  failTransferInTx,
  runTransferStepInTx,
  TRANSFER_JOB,
  type TransferStep,
} from './ownership.service.ts';

export interface TransferStepPayload {
  tenantId: string;
  transferId: string;
  step: TransferStep;
}

/** A job may be fetched a poll early; earlier than this by our clock, it waits for a retry. */
const EARLY_TOLERANCE_MS = 5_000;

const STEP_LABEL: Record<TransferStep, string> = {
  start: 'scheduled ownership transfer',
  end: 'end of an ownership transfer',
  removal: 'scheduled removal',
};

/**
 * Runs one step of a scheduled transfer or removal as Rollcall itself, in one transaction that locks
 * the transfer first: a step that already ran, or a cancelled transfer, changes nothing. A rule that
 * refuses the change (the recipient left, the last Super Admin) fails the transfer for good, on
 * record; anything else (the database went away) is thrown so the queue retries it.
 */
export async function runTransferStep(platform: Platform, payload: TransferStepPayload): Promise<void> {
  const { tenantId, transferId, step } = payload;
  const caller = await systemCaller(platform, tenantId, `Rollcall (${STEP_LABEL[step]})`);
  try {
    await withTenantTx(platform.db, tenantId, async (tx) => {
      const t = await repo.findTransfer(tx, tenantId, transferId, { forUpdate: true });
      if (!t) return;
      caller.ctx.actor = systemActor(`Rollcall (${STEP_LABEL[step]} requested by ${t.requestedByLabel})`);
      const due = new Date(step === 'end' ? t.endsAt! : t.startsAt).getTime();
      if (caller.ctx.clock.now().getTime() < due - EARLY_TOLERANCE_MS && t.status !== 'cancelled') {
        throw new Error(`transfer ${transferId} ${step} is not due yet`);
      }
      await runTransferStepInTx(tx, platform, caller, t, step);
    });
  } catch (error) {
    if (!isAppError(error)) throw error;
    await withTenantTx(platform.db, tenantId, async (tx) => {
      const t = await repo.findTransfer(tx, tenantId, transferId, { forUpdate: true });
      if (t) await failTransferInTx(tx, caller, t, error.code, error.message);
    });
  }
}

export function registerOwnershipJobs(platform: Platform): void {
  platform.jobs.define<TransferStepPayload>({
    name: TRANSFER_JOB,
    retryLimit: 10,
    retryDelaySeconds: 30,
    handler: (payload) => runTransferStep(platform, payload),
  });
}
