import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_EMAIL, ADMIN_PASSWORD, PROVIDER_SLUG } from './app.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * A real Rollcall server process (`node src/main.ts start`) on a test's database, for tests that
 * kill it: it is what an operator runs, so a SIGKILL here is a crash there.
 */
export interface RollcallProcess {
  child: ChildProcess;
  output: () => string;
  ready: Promise<void>;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnRollcall(databaseUrl: string, env: Record<string, string> = {}): RollcallProcess {
  const child = spawn(process.execPath, ['src/main.ts', 'start'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'warn',
      PORT: '0',
      ROLLCALL_ADMIN_EMAIL: ADMIN_EMAIL,
      ROLLCALL_ADMIN_PASSWORD: ADMIN_PASSWORD,
      ROLLCALL_PROVIDER_SLUG: PROVIDER_SLUG,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let markReady: () => void;
  let fail: (e: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    fail = reject;
  });
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('Rollcall is running')) markReady();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      fail(new Error(`rollcall exited (${code}) before it was ready:\n${output}`));
      resolve(code);
    }),
  );
  return {
    child,
    output: () => output,
    ready,
    exited,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}
