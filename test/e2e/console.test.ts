import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launch, screenshot, signInThroughPage } from '../helpers/browser.ts';
import { startTestServer } from '../helpers/server.ts';

/** The platform shell: sign in, switch tenant, create a customer, read the audit log. */
describe.skipIf(!hasChromium)('console: platform shell', () => {
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

  it('signs in, creates a customer, switches to it, and shows the audit log with an intact chain', async () => {
    await page.goto(server.url);
    await expect(page.getByRole('heading', { name: 'Sign in to Rollcall' })).toBeDefined();
    await page.locator('input[name=tenant]').fill(server.admin.tenant);
    await page.locator('input[name=login]').fill(server.admin.login);
    await page.locator('input[name=password]').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByTestId('error-alert').waitFor();
    expect(await page.getByTestId('error-alert').textContent()).toContain('not correct');
    await screenshot(page, 'shell-01-sign-in-error');

    await signInThroughPage(page, server.url, server.admin.tenant, server.admin.login, server.admin.password);
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await screenshot(page, 'shell-02-signed-in');

    await page.getByRole('link', { name: 'Tenants' }).click();
    await page.getByRole('button', { name: 'New customer' }).click();
    await page.getByLabel('Name').fill('Acme Dental');
    expect(await page.getByLabel('Slug').inputValue()).toBe('acme-dental');
    // a slug the server refuses says, in words, what it needs
    await page.getByLabel('Slug').fill('-acme-');
    await page.getByRole('button', { name: 'Create customer' }).click();
    await page.getByTestId('error-alert').waitFor();
    expect(await page.getByTestId('error-alert').textContent()).toContain(
      'Slug must be lowercase letters, digits and dashes',
    );
    await screenshot(page, 'shell-03a-bad-slug');
    await page.getByLabel('Slug').fill('acme-dental');
    await screenshot(page, 'shell-03-new-customer');
    await page.getByRole('button', { name: 'Create customer' }).click();
    await page.getByTestId('tenant-row-acme-dental').waitFor();
    await screenshot(page, 'shell-04-tenants');

    // the provider gives the customer its licences from the customer's page
    await page.getByTestId('tenant-row-acme-dental').click();
    await page.getByText(/people licences in use|No licences yet/).waitFor();
    // a negative number is refused with a reason, never quietly saved as 0
    await page.locator('input[name=people-licences]').fill('-5');
    await page.locator('input[name=people-licences]').blur();
    await page.getByText('The number of licences cannot be negative: enter 0 or more.').waitFor();
    expect(await page.locator('input[name=people-licences]').inputValue()).toBe('-5');
    expect(await page.getByRole('button', { name: 'Save licences' }).isDisabled()).toBe(true);
    await screenshot(page, 'shell-04a-licences-negative');
    await page.locator('input[name=people-licences]').fill('25');
    await page.getByRole('button', { name: 'Save licences' }).click();
    await page.getByText('Licences saved').waitFor();
    await page.getByText('0 of 25 people licences in use.').waitFor();
    await screenshot(page, 'shell-04b-customer-licences');

    // time zone and language are picked from searchable lists; unset, the zone shows UTC as its default
    const zone = page.getByTestId('tenant-time-zone');
    await page.locator('[data-testid="tenant-time-zone"][placeholder="UTC (default)"]').waitFor();
    await zone.click();
    await zone.fill('Europe/Vien');
    await page.getByRole('option', { name: 'Europe/Vienna' }).click();
    const locale = page.getByTestId('tenant-locale');
    await locale.click();
    await locale.fill('Österreich');
    await page.getByRole('option', { name: /^Deutsch \(Österreich\)/ }).click();
    await screenshot(page, 'shell-04c-customer-settings');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved', { exact: true }).waitFor();
    const customers = (await server.testApp.admin.get('/api/v1/tenants?q=Acme')).json().items;
    expect(customers.find((c: { slug: string }) => c.slug === 'acme-dental').settings).toMatchObject({
      timeZone: 'Europe/Vienna',
      locale: 'de-AT',
    });
    await page.getByRole('link', { name: '← Tenants' }).click();

    // switch the tenant switcher to the new customer
    await page.getByTestId('tenant-switcher').click();
    await page.getByRole('option', { name: 'Acme Dental' }).click();
    await page.getByText('Acting in customer').waitFor();
    expect(await page.getByTestId('tenant-switcher').inputValue()).toBe('Acme Dental');
    await screenshot(page, 'shell-05-switched-to-customer');

    // the customer's audit log filters by actor picked by name: here the provider's staff acting in it
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByTestId('audit-table').getByText('tenant.created').first().waitFor();
    const actor = page.getByTestId('audit-actor');
    await actor.click();
    await actor.fill('Super');
    await page.getByRole('option', { name: /^Super Admin/ }).click();
    await screenshot(page, 'shell-05b-audit-actor');
    const [filtered] = await Promise.all([
      page.waitForRequest((r) => /\/audit\?.*actorId=/.test(r.url())),
      page.getByRole('button', { name: 'Apply' }).click(),
    ]);
    const me = (await server.testApp.admin.get('/api/v1/me')).json();
    expect(new URL(filtered.url()).searchParams.get('actorId')).toBe(me.user.id);
    await page.getByTestId('audit-table').getByText('tenant.created').first().waitFor();
    const actors = await page
      .getByTestId('audit-table')
      .locator('tbody tr td:nth-child(3)')
      .allTextContents();
    expect(actors.length).toBeGreaterThan(0);
    expect(new Set(actors)).toEqual(new Set(['Super Admin']));

    // back to the provider's audit log: the customer's creation is there, and the chain is intact
    await page.getByTestId('tenant-switcher').click();
    await page.getByRole('option', { name: 'Managed Service Provider' }).click();
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByTestId('audit-table').getByText('tenant.created').first().waitFor();
    const rows = await page.getByTestId('audit-table').locator('tbody tr').allTextContents();
    expect(rows.some((r) => r.includes('tenant.created') && r.includes('Acme Dental'))).toBe(true);
    const chain = page.getByTestId('chain-status');
    await chain.waitFor();
    expect(await chain.textContent()).toMatch(/Chain intact \(\d+ events\)/);
    await page.getByTestId('audit-table').getByText('Acme Dental').first().click();
    await page.getByText('Before').waitFor();
    await screenshot(page, 'shell-06-audit-event');
    await page.keyboard.press('Escape');

    // without SMTP an invitation waits in the Outbox, says so, and its link can be followed from there
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('button', { name: 'Invite users' }).click();
    await page.locator('textarea[name=invite-emails]').fill('lena.berg@example.test');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByTestId('invite-results').getByText('Kept in the Outbox', { exact: true }).waitFor();
    await page.getByText('1 invitation kept in the Outbox', { exact: true }).waitFor();
    await screenshot(page, 'shell-07-invitation-kept');
    await page.getByRole('dialog').getByRole('link', { name: 'Outbox' }).click();
    await page.getByRole('heading', { name: 'Outbox' }).waitFor();
    await page.getByTestId('outbox-table').getByText('lena.berg@example.test').click();
    const link = page.getByTestId('outbox-body').getByRole('link');
    expect(await link.getAttribute('href')).toMatch(/\/invitation\?token=rc_inv_/);
    await screenshot(page, 'shell-08-outbox-email');
    const [accept] = await Promise.all([page.waitForEvent('popup'), link.click()]);
    await accept.getByRole('heading', { name: 'Join Managed Service Provider' }).waitFor();
    await accept.close();
    expect(errors).toEqual([]);
  });
});
