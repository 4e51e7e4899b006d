import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let dataDir: string | null = null;
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/**
 * `npm start` on a bare machine, then Ctrl-C: the terminal sends SIGINT to the whole foreground
 * process group. The server must drain and stop its embedded PostgreSQL itself, exit 0, and log no
 * errors, rather than have the database cut its connections under it.
 */
describe('Ctrl-C in the terminal', () => {
  it('stops the server and then its embedded database, cleanly', async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'rollcall-shutdown-'));
    const child = spawn(process.execPath, ['src/main.ts', 'start'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // a process group of its own, as a terminal's foreground job has
    });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 90_000;
    while (!output.includes('Rollcall is running') && Date.now() < deadline && child.exitCode === null)
      await new Promise((r) => setTimeout(r, 100));
    expect(output).toContain('Rollcall is running');
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(true);

    process.kill(-child.pid!, 'SIGINT'); // the whole group, like Ctrl-C
    expect(await exited).toBe(0);
    expect(output).toContain('SIGINT: stopping');
    expect(output).not.toMatch(/"level":(50|60)/); // no error or fatal lines
    // the database stopped after the server, cleanly: its lock file is gone
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  }, 120_000);
});
