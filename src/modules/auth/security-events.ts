import { EventEmitter } from 'node:events';

/**
 * The one place security events are published in-process, after the audit event was written.
 * Notifications and alerts subscribe here (a later issue); nothing may rely on a listener for
 * correctness, since the audit log is the record.
 */
export type SecurityEvent =
  | { type: 'signed_in'; tenantId: string; userId: string; at: Date; method: string }
  | { type: 'sign_in_failed'; tenantId: string; userId: string | null; at: Date; reason: string }
  | { type: 'mfa_changed'; tenantId: string; userId: string; at: Date; change: 'added' | 'removed' | 'reset' }
  | { type: 'account_locked'; tenantId: string; userId: string; at: Date }
  | { type: 'password_changed'; tenantId: string; userId: string; at: Date; by: 'self' | 'admin' }
  | { type: 'sessions_ended'; tenantId: string; userId: string; at: Date; count: number };

class SecurityEvents {
  private readonly emitter = new EventEmitter();
  emit(event: SecurityEvent): void {
    // a failing subscriber must never break the sign-in that triggered it
    for (const listener of this.emitter.listeners('event')) {
      try {
        (listener as (e: SecurityEvent) => void)(event);
      } catch {
        // ignored on purpose: see above
      }
    }
  }
  subscribe(listener: (event: SecurityEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}

export const securityEvents = new SecurityEvents();
