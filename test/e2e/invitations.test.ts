import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launch, screenshot, signInThroughPage } from '../helpers/browser.ts';
import { startTestServer } from '../helpers/server.ts';
import { startSmtpServer } from '../helpers/smtp.ts';

/** Invite → a real email → accept in the browser → sign in; the admin gives a licence by the medal. */
describe.skipIf(!hasChromium)('console: invitations and licences', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    smtp = await startSmtpServer();
    server = await startTestServer({ SMTP_URL: smtp.url });
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
  });

  it('invites by email, the invitee accepts and signs in, and gets a licence', async () => {
    const tenantId = server.testApp.providerId;
    await server.testApp.admin.put(`/api/v1/tenants/${tenantId}/licenses`, {
      pools: [{ type: 'people', quantity: 5 }],
    });
    await signInThroughPage(page, server.url, server.admin.tenant, server.admin.login, server.admin.password);
    await page.getByRole('button', { name: 'Invite users' }).click();
    await page.locator('textarea[name=invite-emails]').fill('nina.novak@example.test');
    await screenshot(page, 'invite-01-dialog');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByTestId('invite-results').getByText('sent').waitFor();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('tab', { name: /Pending/ }).click();
    await page.getByRole('link', { name: 'Novak' }).waitFor();
    await screenshot(page, 'invite-02-pending');

    const mail = await smtp.waitFor((m) => m.to.includes('nina.novak@example.test'));
    const link = /(https?:\/\/\S+\/invitation\?token=[A-Za-z0-9_%-]+)/.exec(mail.text)![1]!;
    const invitee = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await invitee.goto(link.replace('localhost', '127.0.0.1'));
    await invitee.getByRole('heading', { name: /Join/ }).waitFor();
    expect(await invitee.locator('input[name=firstName]').inputValue()).toBe('Nina');
    await invitee.locator('input[name=new-password]').fill('Granite-Harbor-Lantern-Maple-7');
    await screenshot(invitee, 'invite-03-accept');
    await invitee.getByRole('button', { name: 'Accept and create my account' }).click();
    await invitee.locator('input[name=login]').waitFor();
    expect(await invitee.locator('input[name=tenant]').inputValue()).toBe(server.admin.tenant);
    await invitee.locator('input[name=login]').fill('nina.novak@example.test');
    await invitee.locator('input[name=password]').fill('Granite-Harbor-Lantern-Maple-7');
    await invitee.getByRole('button', { name: 'Sign in', exact: true }).click();
    await invitee.getByRole('heading', { name: 'My security' }).waitFor();
    await screenshot(invitee, 'invite-04-signed-in');

    // the admin sees her active and registers a licence with the medal
    await page.getByRole('tab', { name: /Active/ }).click();
    await page.getByRole('link', { name: 'Novak' }).waitFor();
    await page.getByLabel('Register licence to Nina Novak').first().click();
    await page.getByText('Licence registered').waitFor();
    // the counter refreshes after the change: wait for it rather than read it once
    await page.getByTestId('license-counter').filter({ hasText: '1/5' }).waitFor();
    await screenshot(page, 'invite-05-licensed');
    expect(errors).toEqual([]);
  }, 120_000);
});
