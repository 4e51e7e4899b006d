import { Secret, TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launch, screenshot, signInThroughPage } from '../helpers/browser.ts';
import { startTestServer } from '../helpers/server.ts';
import { startSmtpServer } from '../helpers/smtp.ts';

// a 2×2 PNG, enough to be a real image by its content
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGNkYPj/n4GBgYGJgYGBAQAhRQMB7qZ8zQAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * Invite → a real email → accept in the browser → sign in → the first-sign-in setup; the admin gives
 * a licence by the medal.
 */
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
    // a suspended member's address: the answer says so and what to do instead
    const otto = (
      await server.testApp.admin.post(`/api/v1/tenants/${tenantId}/users`, {
        firstName: 'Otto',
        lastName: 'Lang',
        email: 'otto.lang@example.test',
      })
    ).json();
    await server.testApp.admin.post(`/api/v1/tenants/${tenantId}/users/${otto.id}/suspend`);
    await signInThroughPage(page, server.url, server.admin.tenant, server.admin.login, server.admin.password);
    await page.getByRole('button', { name: 'Invite users' }).click();
    await page.locator('textarea[name=invite-emails]').fill('nina.novak@example.test otto.lang@example.test');
    await screenshot(page, 'invite-01-dialog');
    await page.getByRole('button', { name: 'Send 2 invitations' }).click();
    const results = page.getByTestId('invite-results');
    await results.getByText('Sent', { exact: true }).waitFor();
    await results
      .getByText(
        'otto.lang@example.test belongs to a suspended member of this tenant: reactivate them instead of inviting again.',
      )
      .waitFor();
    await page.getByText('1 invitation sent', { exact: true }).waitFor();
    await screenshot(page, 'invite-01b-results');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('tab', { name: /Pending/ }).click();
    await page.getByRole('link', { name: 'Novak' }).waitFor();
    await screenshot(page, 'invite-02-pending');

    const mail = await smtp.waitFor((m) => m.to.includes('nina.novak@example.test'));
    const link = /(https?:\/\/\S+\/invitation\?token=[A-Za-z0-9_%-]+)/.exec(mail.text)![1]!;
    // the Outbox shows the same email with its link clickable
    await page.getByRole('link', { name: 'Outbox' }).click();
    await page.getByTestId('outbox-table').getByText('nina.novak@example.test').click();
    const body = page.getByTestId('outbox-body');
    expect(await body.getByRole('link').getAttribute('href')).toBe(link);
    await screenshot(page, 'invite-02a-outbox-email');
    await page.keyboard.press('Escape');

    const invitee = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    // a person without tenants.read never asks for the tenant list (it would only be refused)
    const tenantLists: string[] = [];
    invitee.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/v1/tenants') tenantLists.push(r.url());
    });
    await invitee.goto(link.replace('localhost', '127.0.0.1'));
    await invitee.getByRole('heading', { name: /Join/ }).waitFor();
    expect(await invitee.locator('input[name=firstName]').inputValue()).toBe('Nina');
    await invitee.locator('input[name=new-password]').fill('Granite-Harbor-Lantern-Maple-7');
    await screenshot(invitee, 'invite-03-accept');
    await invitee.getByRole('button', { name: 'Accept and create my account' }).click();
    // the sign-in page says the account is ready, with the organization and the login filled in
    await invitee.getByTestId('account-ready').waitFor();
    expect(await invitee.locator('input[name=tenant]').inputValue()).toBe(server.admin.tenant);
    expect(await invitee.locator('input[name=login]').inputValue()).toBe('nina.novak@example.test');
    // the password is all that is left to type, so it has the focus
    expect(await invitee.evaluate('document.activeElement?.getAttribute("name")')).toBe('password');
    await screenshot(invitee, 'invite-03b-account-ready');
    await invitee.locator('input[name=password]').fill('Granite-Harbor-Lantern-Maple-7');
    await invitee.getByRole('button', { name: 'Sign in', exact: true }).click();

    // the first sign-in after accepting walks through the setup
    await invitee.getByRole('heading', { name: /Welcome to/ }).waitFor();
    expect(await invitee.locator('input[name=setup-first-name]').inputValue()).toBe('Nina');
    await invitee.locator('input[name=setup-phone]').fill('+49 30 901820');
    await invitee.getByTestId('setup-time-zone').click();
    await invitee.getByTestId('setup-time-zone').fill('Europe/Berl');
    await invitee.getByRole('option', { name: 'Europe/Berlin' }).click();
    await screenshot(invitee, 'invite-04-setup-profile');
    await invitee.getByRole('button', { name: 'Continue' }).click();
    await invitee
      .locator('input[type=file]')
      .setInputFiles({ name: 'nina.png', mimeType: 'image/png', buffer: PNG });
    await invitee.getByText('Photo saved').waitFor();
    await screenshot(invitee, 'invite-05-setup-photo');
    await invitee.getByRole('button', { name: 'Continue' }).click();
    await invitee.getByRole('button', { name: 'Add an authenticator app' }).click();
    await invitee.getByRole('button', { name: 'Set up authenticator app' }).click();
    const secret = (await invitee.getByTestId('totp-secret').textContent())!.trim();
    await invitee.locator('input[name=totp-code]').fill(
      new TOTP({ secret: Secret.fromBase32(secret) }).generate({
        timestamp: server.testApp.clock.now().getTime(),
      }),
    );
    await invitee.getByRole('button', { name: 'Confirm' }).click();
    // the recovery codes stay on screen until she moves on: they are shown only this once
    await invitee.getByTestId('recovery-codes').waitFor();
    expect(await invitee.getByTestId('recovery-codes').locator('code').count()).toBe(10);
    await screenshot(invitee, 'invite-06-setup-security');
    await invitee.getByRole('button', { name: 'Continue', exact: true }).click();
    await invitee.getByText('Two-step sign-in is on').waitFor();
    await invitee.getByRole('button', { name: 'Continue', exact: true }).click();
    await invitee.getByLabel('Tasks assigned to me').waitFor();
    await screenshot(invitee, 'invite-07-setup-notifications');
    await invitee.getByRole('button', { name: 'Finish setup' }).click();
    // without users.read she lands on her own profile; her tenant is named, not offered in an empty switcher
    await invitee.getByRole('heading', { name: 'My profile' }).waitFor();
    expect(await invitee.getByTestId('tenant-name').textContent()).toBe('Managed Service Provider');
    expect(await invitee.getByTestId('tenant-switcher').count()).toBe(0);
    // with no tenant pages to list, the sidebar has no heading over nothing: just her own pages
    const sidebar = invitee.locator('.mantine-AppShell-navbar');
    expect(await sidebar.getByText('Managed Service Provider').count()).toBe(0);
    await sidebar.getByRole('link', { name: 'My profile' }).waitFor();
    await invitee.reload();
    await invitee.getByRole('heading', { name: 'My profile' }).waitFor();
    expect(tenantLists).toEqual([]);
    await screenshot(invitee, 'invite-08-signed-in');
    const nina = (
      await server.testApp.admin.get(`/api/v1/tenants/${tenantId}/users?q=novak&status=active`)
    ).json().items[0];
    const detail = (await server.testApp.admin.get(`/api/v1/tenants/${tenantId}/users/${nina.id}`)).json();
    expect(detail).toMatchObject({ timeZone: 'Europe/Berlin', hasAvatar: true, emailVerified: true });
    expect(detail.phoneNumbers).toEqual([{ type: 'mobile', number: '+49 30 901820' }]);
    // her profile stays reachable from the account menu
    await invitee.getByTestId('account-menu').click();
    await invitee.getByRole('menuitem', { name: 'My profile' }).click();
    await invitee.getByRole('heading', { name: 'My profile' }).waitFor();
    await invitee.getByText('Confirmed', { exact: true }).waitFor();
    await screenshot(invitee, 'invite-08b-my-profile');

    // the admin sees her active and registers a licence with the medal
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('tab', { name: /Active/ }).click();
    await page.getByRole('link', { name: 'Novak' }).waitFor();
    const medal = page.getByLabel('No licence: register a licence to Nina Novak').first();
    // the two states differ by more than colour: an outlined medal now, a filled one once licensed
    expect(await medal.getAttribute('data-licensed')).toBe('false');
    await medal.click();
    await page.getByText('Nina Novak: licence registered').waitFor();
    // the counter refreshes after the change: wait for it rather than read it once; it says what it counts
    await page.getByTestId('license-counter').filter({ hasText: 'Licences 1/5' }).waitFor();
    const licensed = page.getByLabel('Licensed: unregister the licence of Nina Novak').first();
    expect(await licensed.getAttribute('data-licensed')).toBe('true');
    await licensed.hover();
    await page.getByRole('tooltip', { name: 'Licensed — select to unregister the licence' }).waitFor();
    await screenshot(page, 'invite-09-licensed');
    expect(errors).toEqual([]);
  }, 120_000);

  it('an address an administrator typed is confirmed from the link in its email', async () => {
    const tenantId = server.testApp.providerId;
    const created = await server.testApp.admin.post(`/api/v1/tenants/${tenantId}/users`, {
      firstName: 'Omar',
      lastName: 'Haddad',
      email: 'omar.haddad@example.test',
    });
    expect(created.statusCode).toBe(201);
    const admin = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await signInThroughPage(
      admin,
      server.url,
      server.admin.tenant,
      server.admin.login,
      server.admin.password,
    );
    await admin.goto(`${server.url}/t/${tenantId}/users/${created.json().id}`);
    await admin.getByTestId('email-unverified').waitFor();
    await screenshot(admin, 'verify-01-unconfirmed');
    const mail = await smtp.waitFor(
      (m) => m.to.includes('omar.haddad@example.test') && /Confirm your email/.test(m.subject),
    );
    const link = /(https?:\/\/\S+\/verify-email\?token=[A-Za-z0-9_%-]+)/.exec(mail.text)![1]!;
    const visitor = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await visitor.goto(link.replace('localhost', '127.0.0.1'));
    await visitor.getByRole('heading', { name: 'Email address confirmed' }).waitFor();
    await screenshot(visitor, 'verify-02-confirmed');
    await visitor.reload();
    await visitor.getByTestId('verify-error').waitFor();
    expect(await visitor.getByTestId('verify-error').textContent()).toContain('already confirmed');
    await admin.reload();
    await admin.getByTestId('email-verified').waitFor();
    expect(errors).toEqual([]);
  });
});
