import { Secret, TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../helpers/app.ts';
import { hasChromium, launch, screenshot, signInThroughPage } from '../helpers/browser.ts';
import { startTestServer } from '../helpers/server.ts';

/** Sign-in security in the console: TOTP enrolment, a two-step sign-in, ending another session. */
describe.skipIf(!hasChromium)('console: my security', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('enrols an authenticator app, signs in with password + code, and ends another session', async () => {
    await signInThroughPage(page, server.url, server.admin.tenant, server.admin.login, server.admin.password);
    await page.getByTestId('account-menu').click();
    await page.getByRole('menuitem', { name: 'My security' }).click();
    await page.getByRole('heading', { name: 'My security' }).waitFor();
    await page.getByRole('button', { name: 'Add authenticator app' }).click();
    await page.getByRole('button', { name: 'Set up authenticator app' }).click();
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    await screenshot(page, 'security-01-totp-qr');
    const code = () =>
      new TOTP({ secret: Secret.fromBase32(secret) }).generate({
        timestamp: server.testApp.clock.now().getTime(),
      });
    await page.locator('input[name=totp-code]').fill(code());
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByTestId('recovery-codes').waitFor();
    expect(await page.getByTestId('recovery-codes').locator('code').count()).toBe(10);
    await screenshot(page, 'security-02-recovery-codes');
    await page.getByRole('button', { name: 'Continue' }).click();
    // the factor is named once, not "Authenticator app · Authenticator app"
    const factors = page.getByTestId('mfa-factors');
    await factors.getByText(/^Added /).waitFor();
    expect((await factors.textContent())!.match(/Authenticator app/g)).toHaveLength(1);

    // sign out, then in again: the password alone is no longer enough
    await page.getByTestId('account-menu').click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.locator('input[name=login]').waitFor();
    await page.locator('input[name=tenant]').fill(server.admin.tenant);
    await page.locator('input[name=login]').fill(server.admin.login);
    await page.locator('input[name=password]').fill(server.admin.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('one more step').waitFor();
    await screenshot(page, 'security-03-mfa-step');
    // the enrolment used this step's code: wait for the next one, as a person would
    server.testApp.clock.advance(30_000);
    await page.locator('.mantine-PinInput-input').first().click();
    await page.keyboard.type(code());
    await page.waitForURL(/\/t\/[^/]+\/users/);

    // another session (a script, another browser) shows up and can be ended from here
    const other = new TestClient(server.testApp.app);
    const login = await other.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { tenant: server.admin.tenant, login: server.admin.login, password: server.admin.password },
      headers: {
        'user-agent':
          'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      },
    });
    server.testApp.clock.advance(30_000);
    const mfa = await other.request({
      method: 'POST',
      url: '/api/v1/auth/mfa',
      payload: { mfaToken: login.json().mfaToken, method: 'totp', code: code() },
      headers: {
        'user-agent':
          'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      },
    });
    expect(mfa.statusCode).toBe(200);
    expect((await other.get('/api/v1/me')).statusCode).toBe(200);

    await page.getByTestId('account-menu').click();
    await page.getByRole('menuitem', { name: 'My security' }).click();
    const sessions = page.getByTestId('my-sessions');
    await sessions.getByText('Mobile Safari').waitFor();
    await screenshot(page, 'security-04-sessions');
    await sessions
      .locator('tr', { hasText: 'Mobile Safari' })
      .getByRole('button', { name: 'Sign out' })
      .click();
    await page.getByText('Session ended').waitFor();
    expect((await other.get('/api/v1/me')).statusCode).toBe(401);
    expect(errors).toEqual([]);
  }, 120_000);

  it('an admin edits the tenant’s security settings and a user’s security', async () => {
    const tenantId = server.testApp.providerId;
    await page.goto(`${server.url}/t/${tenantId}/security`);
    await page.getByRole('heading', { name: 'Security settings' }).waitFor();
    await page.getByLabel('Minimum length').fill('20');
    await page.locator('textarea[name=ip-allow-list]').fill('127.0.0.0/8\n::1/128');
    await screenshot(page, 'security-05-settings');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Security settings saved').waitFor();
    const saved = (await server.testApp.admin.get(`/api/v1/tenants/${tenantId}/security-policy`)).json();
    expect(saved.password.minLength).toBe(20);
    expect(saved.ipAllowList).toEqual(['127.0.0.0/8', '::1/128']);

    const user = (
      await server.testApp.admin.post(`/api/v1/tenants/${tenantId}/users`, {
        firstName: 'Tess',
        lastName: 'Temp',
        email: 'tess@msp.test',
        password: 'Granite-Harbor-Lantern-Maple-7',
      })
    ).json();
    await page.goto(`${server.url}/t/${tenantId}/users/${user.id}`);
    await page.getByRole('tab', { name: 'Security' }).click();
    await page.getByRole('button', { name: 'Set temporary password' }).click();
    // asked first in the console's own dialog, naming who and what happens
    const ask = page.getByRole('dialog', { name: 'Set a temporary password?' });
    await ask.getByText('Tess Temp’s password is replaced by a temporary one').waitFor();
    await ask.getByRole('button', { name: 'Set temporary password' }).click();
    await page.getByText('Temporary password (shown only now)').waitFor();
    await screenshot(page, 'security-06-user-security-tab');
    expect(errors).toEqual([]);
  }, 120_000);
});
