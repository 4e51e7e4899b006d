import { createAdmin, parseCreateAdminArgs } from './cli/create-admin.ts';
import { ConfigError, loadConfig } from './platform/config.ts';
import { connectOrStartEmbedded } from './platform/embedded-postgres.ts';
import { migrate } from './platform/migrate.ts';
import { startRollcall } from './server.ts';

/** `node src/main.ts start | migrate | create-admin` — the npm scripts call these. */
async function main(command: string): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }

  if (command === 'create-admin') {
    const args = parseCreateAdminArgs(process.argv.slice(3), config.providerSlug);
    const embedded = config.databaseUrl ? null : await connectOrStartEmbedded(config.dataDir);
    try {
      const connectionString = config.databaseUrl ?? embedded!.connectionString;
      await migrate(connectionString);
      const result = await createAdmin(connectionString, args);
      console.log(
        `${result.created ? 'Created' : 'Recovered'} Super Admin ${args.email} in ${args.tenant}.\nPassword (shown only this once): ${result.password}`,
      );
    } finally {
      await embedded?.stop();
    }
    return;
  }

  if (command === 'migrate') {
    const embedded = config.databaseUrl ? null : await connectOrStartEmbedded(config.dataDir);
    try {
      const result = await migrate(config.databaseUrl ?? embedded!.connectionString);
      console.log(
        result.applied.length ? `Applied: ${result.applied.join(', ')}` : 'Database is up to date.',
      );
    } finally {
      await embedded?.stop();
    }
    return;
  }

  if (command !== 'start') {
    console.error(`Unknown command "${command}". Use: start | migrate | create-admin`);
    process.exit(2);
  }

  const rollcall = await startRollcall(config);
  const { bootstrap: boot, url } = rollcall;
  const lines = [
    '',
    url
      ? `  Rollcall is running at ${url}`
      : '  Rollcall is running as a worker (jobs and flow steps, no HTTP)',
    ...(url ? [`  API docs: ${url}/docs`] : []),
    `  Sign in — organization: ${boot.tenantSlug}, login: ${boot.login}`,
    boot.generatedPassword
      ? `  Password (generated; shown only this once): ${boot.generatedPassword}`
      : config.adminPassword && boot.created
        ? '  Password: the value of ROLLCALL_ADMIN_PASSWORD'
        : '  Password: the one set at first start',
    '',
  ];
  console.log(lines.join('\n'));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping (letting running jobs finish)…`);
    await rollcall.stop();
    process.exit(0);
  };
  // embedded-postgres installs exit hooks that stop its clusters and exit at once on these signals,
  // cutting off requests and jobs mid-way; Rollcall stops its own cluster last, after draining
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void shutdown(signal));
  }
}

main(process.argv[2] ?? 'start').catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
