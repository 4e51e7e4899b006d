import { ADMIN_EMAIL, ADMIN_PASSWORD, createTestApp, PROVIDER_SLUG, type TestApp } from './app.ts';

/**
 * A real server on a free port serving the console (built once per run by the global setup), for
 * browser tests.
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<{
  url: string;
  admin: { tenant: string; login: string; password: string };
  testApp: TestApp;
  close(): Promise<void>;
}> {
  const testApp = await createTestApp({ listen: true, env: { HOST: '127.0.0.1', ...env } });
  const url = testApp.rollcall.url!.replace('localhost', '127.0.0.1');
  return {
    url,
    admin: { tenant: PROVIDER_SLUG, login: ADMIN_EMAIL, password: ADMIN_PASSWORD },
    testApp,
    close: () => testApp.close(),
  };
}
