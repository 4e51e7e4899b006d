/** Rule 27's session policy per tenant, with its defaults. */
export interface SessionPolicy {
  idleMinutes: number;
  absoluteHours: number;
  /** 0 = no limit */
  maxConcurrent: number;
  onLimit: 'refuse' | 'end_oldest';
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = {
  idleMinutes: 60,
  absoluteHours: 12,
  maxConcurrent: 0,
  onLimit: 'end_oldest',
};

export function sessionPolicyOf(settings: unknown): SessionPolicy {
  return {
    ...DEFAULT_SESSION_POLICY,
    ...((settings as { session?: Partial<SessionPolicy> })?.session ?? {}),
  };
}
