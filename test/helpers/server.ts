import { existsSync, statSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { CONSOLE_DIR } from '../../src/app.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createTestApp, PROVIDER_SLUG, type TestApp } from './app.ts';

const WEB_SRC = path.resolve(CONSOLE_DIR, '../../web');

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * A real server on a free port serving the built console, for browser tests. A console build older
 * than its sources is thrown away first, so the browser never tests yesterday's pages.
 */
export async function startTestServer(): Promise<{
  url: string;
  admin: { tenant: string; login: string; password: string };
  testApp: TestApp;
  close(): Promise<void>;
}> {
  const index = path.join(CONSOLE_DIR, 'index.html');
  if (existsSync(index) && existsSync(WEB_SRC) && (await newestMtime(WEB_SRC)) > statSync(index).mtimeMs) {
    await rm(CONSOLE_DIR, { recursive: true, force: true });
  }
  const testApp = await createTestApp({ listen: true, env: { HOST: '127.0.0.1' } });
  const url = testApp.rollcall.url!.replace('localhost', '127.0.0.1');
  return {
    url,
    admin: { tenant: PROVIDER_SLUG, login: ADMIN_EMAIL, password: ADMIN_PASSWORD },
    testApp,
    close: () => testApp.close(),
  };
}
