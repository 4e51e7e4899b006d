import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launch, screenshot } from '../helpers/browser.ts';
import { apiCreateUser } from '../helpers/fixtures.ts';
import { startTestServer } from '../helpers/server.ts';
import { startSmtpServer } from '../helpers/smtp.ts';

/**
 * "Forgot your password?" end to end: from the sign-in page, a link by real email, the reset page
 * with the tenant's rules checked as you type, sign-in with the new password; a used link says so.
 */
describe.skipIf(!hasChromium)('console: password reset by email link', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const NEW_PASSWORD = 'Brand-New-Passw0rd-2027!';

  beforeAll(async () => {
    smtp = await startSmtpServer();
    server = await startTestServer({ SMTP_URL: smtp.url });
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (e) => errors.push(e.message));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
  });

  it('asks for a link, sets a new password under the rules, and signs in with it', async () => {
    await apiCreateUser(server.testApp.admin, server.testApp.providerId, {
      firstName: 'Rita',
      lastName: 'Reset',
      email: 'rita.reset@example.test',
    });
    await page.goto(server.url);
    await page.locator('input[name=tenant]').fill(server.admin.tenant);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    expect(await page.locator('input[name=tenant]').inputValue()).toBe(server.admin.tenant);
    await page.locator('input[name=login]').fill('rita.reset@example.test');
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await page.getByTestId('reset-requested').getByText('Check your email').waitFor();
    await screenshot(page, 'reset-01-requested');

    const mail = await smtp.waitFor(
      (m) => m.to.includes('rita.reset@example.test') && m.text.includes('/reset-password?token='),
    );
    const link = /(https?:\/\/\S+\/reset-password\?token=[^\s"<]+)/.exec(mail.text)![1]!;
    await page.goto(link.replace('localhost', '127.0.0.1'));
    await page.getByText('rita.reset@example.test at').waitFor();
    await page.locator('input[name=new-password]').fill('short');
    const hints = page.getByTestId('password-hints');
    await hints.getByText(/At least \d+ characters/).waitFor();
    const setButton = page.getByRole('button', { name: 'Set my password' });
    expect(await setButton.isDisabled()).toBe(true);
    await page.locator('input[name=new-password]').fill(NEW_PASSWORD);
    await page.locator('input[name=new-password-again]').fill(NEW_PASSWORD);
    await screenshot(page, 'reset-02-choose');
    await setButton.click();
    await page.getByTestId('reset-done').getByText('Your password is set').waitFor();
    await screenshot(page, 'reset-03-done');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Your new password is set').waitFor();
    expect(await page.locator('input[name=login]').inputValue()).toBe('rita.reset@example.test');
    await page.locator('input[name=password]').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(/\/t\/[^/]+\//);

    // the link worked once
    const again = await browser.newPage();
    await again.goto(link.replace('localhost', '127.0.0.1'));
    await again.getByText('This link cannot be used').waitFor();
    await again.getByRole('button', { name: 'Ask for a new link' }).waitFor();
    await again.close();
    expect(errors).toEqual([]);
  }, 120_000);
});
