import { sql } from 'kysely';
import type { Platform } from './platform.ts';

/**
 * The platform's own recurring jobs. Modules register theirs beside their code (`<module>.jobs.ts`)
 * and are listed here so the wiring stays readable.
 */
export function registerPlatformJobs(platform: Platform): void {
  platform.jobs.define<Record<string, never>>({
    name: 'sessions.purge_expired',
    cron: '17 * * * *',
    retryLimit: 2,
    // Ended and expired sessions are kept a week for the session history, then deleted.
    handler: async () => {
      await sql`delete from sessions where (revoked_at is not null and revoked_at < now() - interval '7 days')
                 or expires_at < now() - interval '7 days'`.execute(platform.db);
    },
  });
}
