import { startEmbeddedPostgres } from './src/platform/embedded-postgres.ts';
const db = await startEmbeddedPostgres('/tmp/ctrlc-data', { log: (l) => console.log('PG', l.slice(0, 80)) });
console.log('started', db.connectionString.slice(0, 40));
const t0 = Date.now();
await db.stop();
console.log('stopped after', Date.now() - t0, 'ms');
