import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launch, screenshot, signInThroughPage } from '../helpers/browser.ts';
import { startTestServer } from '../helpers/server.ts';

/**
 * Passkeys in a real browser: Chromium's virtual authenticator (DevTools WebAuthn domain) plays the
 * platform authenticator. WebAuthn needs a host name, so the page is opened on localhost.
 */
describe.skipIf(!hasChromium)('console: passkeys', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let page: Page;
  let url: string;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    url = server.url.replace('127.0.0.1', 'localhost');
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('registers a passkey, then signs in with it alone and as the second factor', async () => {
    await signInThroughPage(page, url, server.admin.tenant, server.admin.login, server.admin.password);
    await page.getByTestId('account-menu').click();
    await page.getByRole('menuitem', { name: 'My security' }).click();
    await page.getByLabel('Passkey name').fill('Work laptop');
    await page.getByRole('button', { name: 'Add passkey' }).click();
    await page.getByText('Passkey added').waitFor();
    await page.getByText('Work laptop').waitFor();
    await screenshot(page, 'passkeys-01-registered');

    // password-less
    await page.getByTestId('account-menu').click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.locator('input[name=tenant]').fill(server.admin.tenant);
    await screenshot(page, 'passkeys-02-sign-in-page');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(/\/t\/[^/]+\/users/);
    await page.getByRole('heading', { name: 'Users' }).waitFor();

    // as the second factor after the password
    await page.getByTestId('account-menu').click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.locator('input[name=tenant]').fill(server.admin.tenant);
    await page.locator('input[name=login]').fill(server.admin.login);
    await page.locator('input[name=password]').fill(server.admin.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('button', { name: 'Use a passkey instead' }).click();
    await page.waitForURL(/\/t\/[^/]+\/users/);
    const events = (
      await server.testApp.admin.get(
        `/api/v1/tenants/${server.testApp.providerId}/audit?action=auth.login.succeeded&limit=5`,
      )
    ).json().items;
    expect(events.map((e: { after: { method: string } }) => e.after.method).slice(0, 2)).toEqual([
      'password+passkey',
      'passkey',
    ]);
    await screenshot(page, 'passkeys-03-signed-in');
    expect(errors).toEqual([]);
  }, 120_000);
});
